#!/usr/bin/python3
"""Compares `facenet detect`'s faces.json with peer_mtcnn.py's detect output, photo by photo.

  mtcnn_parity.py REF.json OURS.json [--json OUT]

Faces are paired in order (both are largest first). Prints the photos whose face counts differ,
then the worst box corner, landmark and probability differences and the smallest box IoU.
"""
import json
import sys


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def main():
    ref = {r["path"]: r["faces"] for r in json.load(open(sys.argv[1]))}
    ours = {r["path"]: r["faces"] for r in json.load(open(sys.argv[2]))}
    photos = faces = 0
    count_mismatch = []
    box_px = land_px = prob = 0.0
    min_iou = 1.0
    for path, want in ref.items():
        got = ours.get(path, [])
        photos += 1
        if len(got) != len(want):
            count_mismatch.append((path, len(want), len(got)))
            continue
        for w, g in zip(want, got):
            faces += 1
            x, y, bw, bh = g["box"]
            gb = [x, y, x + bw, y + bh]
            box_px = max(box_px, max(abs(a - b) for a, b in zip(w["box"], gb)))
            min_iou = min(min_iou, iou(w["box"], gb))
            prob = max(prob, abs(w["prob"] - g["score"]))
            for (wx, wy), (gx, gy) in zip(w["landmarks"], g["landmarks"]):
                land_px = max(land_px, abs(wx - gx), abs(wy - gy))
    summary = {"photos": photos, "faces_compared": faces, "count_mismatches": len(count_mismatch),
               "max_box_corner_px": box_px, "min_box_iou": min_iou, "max_landmark_px": land_px,
               "max_prob_diff": prob}
    for path, a, b in count_mismatch:
        print(f"count differs: {path}: reference {a}, ours {b}")
    print(json.dumps(summary))
    if "--json" in sys.argv:
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as f:
            json.dump(summary, f)


if __name__ == "__main__":
    main()
