#!/usr/bin/env bash
# MTCNN parity on real photos: `facenet detect` against facenet-pytorch's cascade
# (bench/peer_mtcnn.py, Debian's python3-torch and python3-torchvision) on every STEP-th LFW
# image and on group photos made by tiling LFW images (several faces, other sizes).
#   scripts/experiments/mtcnn_parity.sh /path/to/lfw-deepfunneled [STEP] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
lfw=$1
step=${2:-20}
out=${3:-eval-out/mtcnn-parity}
mkdir -p "$out/groups"
find "$lfw" -name '*.jpg' | sort | awk -v s="$step" 'NR % s == 0' > "$out/photos.txt"
# Group photos: 2x2 tiles at 500x500 and 3x2 tiles scaled to 1125x750 (lanczos), 20 of each.
/usr/bin/python3 - "$out/photos.txt" "$out/groups" <<'PY'
import sys
from PIL import Image
paths = [l.strip() for l in open(sys.argv[1])]
for g in range(20):
    for cols, rows, scale in ((2, 2, 1.0), (3, 2, 1.5)):
        tiles = paths[(g * 10 + cols * 7) % len(paths):][:cols * rows]
        canvas = Image.new("RGB", (250 * cols, 250 * rows))
        for i, p in enumerate(tiles):
            canvas.paste(Image.open(p).convert("RGB"), (250 * (i % cols), 250 * (i // cols)))
        if scale != 1.0:
            canvas = canvas.resize((int(canvas.width * scale), int(canvas.height * scale)), Image.LANCZOS)
        canvas.save(f"{sys.argv[2]}/group_{cols}x{rows}_{g:02d}.png")
PY
ls "$out"/groups/*.png >> "$out/photos.txt"
echo "$(wc -l < "$out/photos.txt") photos"
/usr/bin/python3 bench/peer_mtcnn.py detect "$out/reference.json" $(cat "$out/photos.txt")
build/facenet detect $(cat "$out/photos.txt") --no-haar-fallback --out "$out/ours.csv"
/usr/bin/python3 bench/mtcnn_parity.py "$out/reference.json" "$out/ours.json" --json "$out/parity.json"
# facenet-pytorch's crops (extract_face: margin 0, 160 px, PIL's bilinear resize) against
# `facenet align --rule facenet_pytorch` on 20 of the photos, as lossless PNGs.
mkdir -p "$out/png/p"
/usr/bin/python3 - "$out/photos.txt" "$out/png/p" <<'PY'
import sys
from PIL import Image
for i, line in enumerate(list(open(sys.argv[1]))[:20]):
    Image.open(line.strip()).convert("RGB").save(f"{sys.argv[2]}/{i:02d}.png")
PY
rm -rf "$out/png-aligned"
build/facenet align --input "$out/png" --output "$out/png-aligned" --rule facenet_pytorch --margin 0 --size 160
/usr/bin/python3 bench/peer_mtcnn.py detect "$out/png-reference.json" "$out"/png/p/*.png
/usr/bin/python3 - "$out/png-reference.json" "$out/png" "$out/png-aligned" <<'PY'
import json, sys
import numpy as np
from PIL import Image
worst, n = 0, 0
for r in json.load(open(sys.argv[1])):
    if not r["faces"]:
        continue
    b, img = r["faces"][0]["box"], Image.open(r["path"])
    box = [int(max(b[0], 0)), int(max(b[1], 0)), int(min(b[2], img.size[0])), int(min(b[3], img.size[1]))]
    want = np.asarray(img.crop(box).resize((160, 160), Image.BILINEAR)).astype(int)
    got = np.asarray(Image.open(r["path"].replace(sys.argv[2], sys.argv[3])).convert("RGB")).astype(int)
    worst, n = max(worst, int(np.abs(want - got).max())), n + 1
print(json.dumps({"crops_compared": n, "max_abs_pixel_difference": worst}))
PY
