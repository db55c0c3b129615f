#!/usr/bin/env bash
# Rebuilds tests/detect/fixtures/: a group photo of six synthetic faces (`facenet synth`, no real
# person) and facenet-pytorch's MTCNN output on it (bench/peer_mtcnn.py, Debian's python3-torch),
# which tests/detect/mtcnn_test.cpp checks our cascade against.
#   scripts/experiments/mtcnn_fixture.sh [build/facenet]
set -euo pipefail
cd "$(dirname "$0")/../.."
cli=${1:-build/facenet}
out=tests/detect/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$cli" synth --out "$tmp/syn" --identities 12 --images-per-identity 2 --pair-identities 0 --size 120 >/dev/null
/usr/bin/python3 - "$tmp/syn" "$out/mtcnn_synth_group.png" <<'PY'
import glob, sys
from PIL import Image
files = sorted(glob.glob(sys.argv[1] + "/train/*/*.jpg"))[::4]
canvas = Image.new("RGB", (480, 360), (150, 160, 170))
for (x, y), s, f in zip([(10, 10), (150, 20), (300, 5), (20, 180), (170, 200), (330, 170)],
                        [110, 90, 130, 70, 120, 100], files):
    canvas.paste(Image.open(f).convert("RGB").resize((s, s), Image.BILINEAR), (x, y))
canvas.save(sys.argv[2])
PY
/usr/bin/python3 bench/peer_mtcnn.py detect "$out/mtcnn_synth_group.json" "$out/mtcnn_synth_group.png"
/usr/bin/python3 bench/peer_mtcnn.py detect "$out/mtcnn_synth_group_low.json" "$out/mtcnn_synth_group.png" \
  --thresholds 0.3,0.4,0.5 --min-face 40
echo "wrote $out/mtcnn_synth_group.{png,json} and mtcnn_synth_group_low.json"
