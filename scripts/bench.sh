#!/usr/bin/env bash
# Benchmarks, side by side with PyTorch: `facenet bench` then the same cases (fp32, bf16, and int8
# by PyTorch's FX graph-mode post-training quantization) in PyTorch from Python (Debian's python3-torch; only this comparison uses Python), in one run on
# one machine, printing ours/theirs ratios. PyTorch runs twice: stock, and tuned as a PyTorch
# user would tune it here (glibc malloc kept from returning memory: MALLOC_MMAP_MAX_=0
# MALLOC_TRIM_THRESHOLD_=<huge>; channels-last). The tuned ratio is the honest one. Figures land
# in runs/bench/ (facenet.json, pytorch-stock.json, pytorch-tuned.json).
#   scripts/bench.sh [LFW_DIR]     (LFW_DIR adds the data cases on real JPEGs and the LFW eval time)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/facenet ] || bash scripts/build.sh
OUT=runs/bench
mkdir -p "$OUT"
ARGS=()
PEER=()
if [ $# -ge 1 ]; then
  LFW=$(cd "$1" && pwd)
  ARGS+=(--data "$LFW/lfw-deepfunneled" --lfw "$LFW/lfw-deepfunneled" --pairs "$LFW/pairs.txt")
  PEER+=(--data "$LFW/lfw-deepfunneled")
fi
build/facenet bench --out "$OUT/facenet.json" "${ARGS[@]}"
if /usr/bin/python3 -c "import torch, PIL, numpy" 2>/dev/null; then
  echo
  echo "== PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') (same threads, same BLAS)"
  /usr/bin/python3 bench/peer_pytorch.py --out "$OUT/pytorch-stock.json" --ours "$OUT/facenet.json" \
    --label "PyTorch stock" "${PEER[@]}"
  echo
  echo "== PyTorch tuned: MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=$((1 << 40)), channels-last"
  MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=$((1 << 40)) \
    /usr/bin/python3 bench/peer_pytorch.py --channels-last --out "$OUT/pytorch-tuned.json" --ours "$OUT/facenet.json" \
    --label "PyTorch tuned" "${PEER[@]}"
else
  echo "(python3-torch, python3-pil or python3-numpy missing: apt-get install python3-torch python3-pil for the comparison)"
fi
