#!/usr/bin/env bash
# int8 accuracy on real faces (README "int8: accuracy on real faces"): quantizes an LFW-trained
# checkpoint with each observer, calibrating on one photo each of LFW peopleDevTrain people (the
# first 256 by file name of the first 400 people), and compares fp32 with int8 on pairsDevTest
# (people outside the training) with the checkpoint's own protocol, plus the per-layer table.
#   scripts/experiments/int8_lfw.sh CHECKPOINT LFW_DIR [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
CKPT=$1
LFW=$(cd "$2" && pwd)
OUT=${3:-runs/int8_lfw}
mkdir -p "$OUT/calib"
awk 'NR > 1 { print $1 }' "$LFW/peopleDevTrain.txt" | head -400 | while read -r name; do
  first=$(ls "$LFW/lfw-deepfunneled/$name/" | head -1)
  ln -sf "$LFW/lfw-deepfunneled/$name/$first" "$OUT/calib/$first"
done
for observer in histogram minmax; do
  echo "== $observer"
  build/facenet quantize --model "$CKPT" --calibrate "$OUT/calib" --images 256 --observer "$observer" \
    --pairs "$LFW/pairsDevTest.txt" --pairs-dir "$LFW/lfw-deepfunneled" --out "$OUT/model-int8-$observer.pt"
done
