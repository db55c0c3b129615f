#!/usr/bin/python3
"""Reference embeddings for an insightface-layout backbone.pth, computed as arcface_torch's
inference.py does: the image read as RGB, (x / 255 - 0.5) / 0.5, the network in eval mode, then
L2-normalised here for comparison. The network is insightface_models.py's restatement, loaded with
load_state_dict(strict=True), so a name or shape that differs from insightface's fails here.

  /usr/bin/python3 bench/insightface_reference.py --arch r18 --weights backbone.pth \
      --images a.png b.png --out reference.json

tests/models/fixtures/insightface_*.json were written this way from the weights the tests
generate (scripts/experiments/insightface_fixture.sh). Only bench/ uses Python."""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from insightface_models import build  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--images", nargs="+", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    state = torch.load(args.weights, map_location="cpu")
    num_features = state["features.weight"].shape[0] if "features.weight" in state else state[
        "features.layers.3.weight"].shape[0]
    net = build(args.arch, num_features)
    net.load_state_dict(state, strict=True)
    net.eval()
    batch = []
    for path in args.images:
        rgb = np.asarray(Image.open(path).convert("RGB").resize((112, 112)), dtype=np.float32)
        batch.append(torch.from_numpy(rgb).permute(2, 0, 1))
    x = torch.stack(batch).div(255).sub(0.5).div(0.5)
    with torch.no_grad():
        emb = F.normalize(net(x).double(), dim=1)
    out = {"arch": args.arch, "weights": os.path.basename(args.weights), "torch": torch.__version__,
           "images": [os.path.basename(p) for p in args.images], "embeddings": emb.tolist()}
    with open(args.out + ".tmp", "w") as f:
        json.dump(out, f)
    os.replace(args.out + ".tmp", args.out)
    print("%s: %d embeddings of %d-d -> %s" % (args.arch, len(batch), num_features, args.out))


if __name__ == "__main__":
    main()
