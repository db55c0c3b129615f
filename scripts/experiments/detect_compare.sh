#!/usr/bin/env bash
# MTCNN beside Haar on one photo: `facenet detect` with each detector, drawn side by side into
# OUT.png (left mtcnn, right haar). --blank draws the boxes on an empty canvas instead of the photo
# (the README's figure: LFW's terms keep its photos out of this repository).
#   scripts/experiments/detect_compare.sh PHOTO OUT.png [--blank]
set -euo pipefail
cd "$(dirname "$0")/../.."
photo=$1
out=$2
blank=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for d in mtcnn haar; do
  build/facenet detect "$photo" --detect "$d" --out "$tmp/$d.csv" --draw "$tmp/$d" $blank
  echo "== $d"; cut -d, -f2-7 "$tmp/$d.csv"
done
name=$(basename "${photo%.*}").png
/usr/bin/python3 - "$tmp/mtcnn/$name" "$tmp/haar/$name" "$out" <<'PY'
import sys
from PIL import Image, ImageDraw
a, b = Image.open(sys.argv[1]), Image.open(sys.argv[2])
c = Image.new("RGB", (a.width + b.width + 10, a.height + 18), (255, 255, 255))
c.paste(a, (0, 18))
c.paste(b, (a.width + 10, 18))
d = ImageDraw.Draw(c)
d.text((4, 3), "mtcnn (default)", fill=(0, 0, 0))
d.text((a.width + 14, 3), "haar", fill=(0, 0, 0))
c.save(sys.argv[3])
PY
echo "wrote $out"
