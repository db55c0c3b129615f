#!/usr/bin/env bash
# Script-only check of `--detect haar` on real photos (the ORL faces in /work/shared/data/orl, or
# the folder given): every photo should give exactly one face. Usage: check_detect_orl.sh MODEL [ORL]
set -euo pipefail
model=${1:?usage: check_detect_orl.sh MODEL [ORL folder]}
orl=${2:-/work/shared/data/orl}
facenet=${FACENET:-$(dirname "$0")/../build/facenet}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in s1 s2 s3 s4 s5; do cp "$orl/$s/1.pgm" "$tmp/${s}_1.pgm"; done
"$facenet" embed --model "$model" --detect haar "$tmp" --out "$tmp/faces.csv"
faces=$(wc -l < "$tmp/faces.csv")
echo "faces: $faces (expected 5)"; cut -d, -f1-7 "$tmp/faces.csv"
[ "$faces" -eq 5 ]
