#!/usr/bin/env bash
# Real faces on a CPU: train MobileNet from scratch on LFW View 1's training people for a
# wall-clock budget, verifying on pairsDevTest (people never seen in training) every few
# minutes, then score the final model on pairsDevTest and on View 2's pairs.txt.
#
#   scripts/experiments/lfw_view1.sh LFW_DIR [--minutes N] [--out DIR] [--set key=value ...]
#
# LFW_DIR holds lfw-deepfunneled/, peopleDevTrain.txt, pairsDevTest.txt and pairs.txt
# (e.g. ../shared/data/lfw). Everything lands in DIR (default runs/lfw_view1-<timestamp>):
# the run folder, eval/history.{csv,png} (held-out accuracy against minutes), the final
# report.json files, and summary.md (the table printed at the end).
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
LFW=$(cd "$1" && pwd); shift
MINUTES=25
OUT=runs/lfw_view1-$(date +%Y%m%d-%H%M%S)
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --set) EXTRA+=(--set "$2"); shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
for f in lfw-deepfunneled peopleDevTrain.txt pairsDevTest.txt pairs.txt; do
  [ -e "$LFW/$f" ] || { echo "error: $LFW/$f not found (LFW_DIR must hold the LFW protocol files)" >&2; exit 2; }
done

FACENET=./build/facenet
[ -x "$FACENET" ] || bash scripts/build.sh
IMAGES="$LFW/lfw-deepfunneled"
mkdir -p "$OUT"

echo "== training for $MINUTES minutes on peopleDevTrain, verifying on pairsDevTest (interleaved folds)"
$FACENET train --config configs/lfw_view1_mobilenet.yaml \
  --set data.root="$IMAGES" --set data.include_identities="$LFW/peopleDevTrain.txt" \
  --set eval.data_dir="$IMAGES" --set eval.pairs="$LFW/pairsDevTest.txt" \
  --set train.max_minutes="$MINUTES" --set train.output_dir="$OUT/run" "${EXTRA[@]}"

CKPT="$OUT/run/checkpoints/last.pt"
echo "== final model on pairsDevTest (held-out people)"
$FACENET eval --checkpoint "$CKPT" --data-dir "$IMAGES" --pairs "$LFW/pairsDevTest.txt" \
  --distance l2sq --interleave-folds --out "$OUT/eval-devtest" | grep -E "^(Accuracy|AUC|VAL)" || true
echo "== final model on View 2 pairs.txt, 10 folds (its people overlap peopleDevTrain)"
$FACENET eval --checkpoint "$CKPT" --data-dir "$IMAGES" --pairs "$LFW/pairs.txt" \
  --distance l2sq --out "$OUT/eval-view2" | grep -E "^(Accuracy|AUC|VAL)" || true

num() { printf '%.4f' "$(grep -o "\"$2\": *[0-9.e-]*" "$1" | head -1 | grep -o '[0-9.e-]*$')"; }
{
  echo "# LFW View 1 experiment ($MINUTES min, $(nproc) cores)"
  echo
  echo "| minutes | step | held-out accuracy (pairsDevTest) | AUC |"
  echo "| ---: | ---: | ---: | ---: |"
  tail -n +2 "$OUT/run/eval/history.csv" | while IFS=, read -r m s e a sd auc; do
    printf "| %.1f | %s | %.4f ± %.4f | %.4f |\n" "$m" "$s" "$a" "$sd" "$auc"
  done
  echo
  echo "final, pairsDevTest (interleaved 10 folds, squared L2): accuracy $(num "$OUT/eval-devtest/report.json" accuracy_mean)" \
       "± $(num "$OUT/eval-devtest/report.json" accuracy_std), AUC $(num "$OUT/eval-devtest/report.json" auc)"
  echo "final, View 2 pairs.txt (10 folds, squared L2): accuracy $(num "$OUT/eval-view2/report.json" accuracy_mean)" \
       "± $(num "$OUT/eval-view2/report.json" accuracy_std), AUC $(num "$OUT/eval-view2/report.json" auc)"
  echo
  echo "plot: $OUT/run/eval/history.png; training speed: see $OUT/run/metrics.csv (images_per_s)"
} > "$OUT/summary.md.tmp"
mv "$OUT/summary.md.tmp" "$OUT/summary.md"
echo
cat "$OUT/summary.md"
