#!/usr/bin/env bash
# The README's first command: install, build, then the main job on the built-in default:
# generate synthetic faces -> train configs/synth_smoke.yaml -> evaluate on held-out
# identities -> export the trained network. Minutes on 2 cores; everything lands in runs/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh facenet   # the demo needs only the CLI; scripts/test.sh builds the rest

OUT=${DEMO_OUT:-runs/demo}
FACENET=./build/facenet
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== 1/4 synthetic faces"
$FACENET synth --out "$OUT/synth" --identities 300 --images-per-identity 10 --pair-identities 60 --size 64 --seed 1

echo "== 2/4 training (configs/synth_smoke.yaml)"
$FACENET train --config configs/synth_smoke.yaml \
  --set data.root="$OUT/synth/train" --set eval.data_dir="$OUT/synth/test" \
  --set eval.pairs="$OUT/synth/test/pairs.txt" --set train.output_dir="$OUT/run"

echo "== 3/4 evaluation on held-out identities (untrained baseline, then the trained model)"
$FACENET eval --config configs/synth_smoke.yaml --data-dir "$OUT/synth/test" --pairs "$OUT/synth/test/pairs.txt" \
  --out "$OUT/eval-untrained" | grep -E "^ *Accuracy" | sed 's/^ */untrained: /' || true
$FACENET eval --checkpoint "$OUT/run/checkpoints/best.pt" --data-dir "$OUT/synth/test" \
  --pairs "$OUT/synth/test/pairs.txt" --out "$OUT/eval"

if $FACENET export --help >/dev/null 2>&1; then
  echo "== 4/4 export"
  $FACENET export --checkpoint "$OUT/run/checkpoints/best.pt" --format onnx --out "$OUT/export/facenet.onnx"
  $FACENET export --checkpoint "$OUT/run/checkpoints/best.pt" --format torchscript --out "$OUT/export/facenet.pt"
fi

echo
echo "run folder:      $OUT/run (config.yaml, train.log, metrics.csv, checkpoints/)"
echo "evaluation:      $OUT/eval/report.json, $OUT/eval/roc.png"
[ -d "$OUT/export" ] && echo "exported models: $OUT/export/"
acc=$(printf '%.4f' "$(grep -o '"accuracy_mean": *[0-9.]*' "$OUT/eval/report.json" | grep -o '[0-9.]*$')")
echo "final held-out verification accuracy: $acc"
