#!/usr/bin/env bash
# bf16 against fp32 on a trained model and real faces: the embeddings of LFW images in both
# precisions (smallest and mean cosine), then the verification protocol in both (10-fold accuracy, AUC,
# and the accuracy of all pairs at fp32's threshold and at each one's best grid threshold).
#
#   scripts/experiments/bf16_parity.sh MODEL LFW_DIR [--pairs FILE] [--people N] [--out DIR] [-- EVAL_ARGS...]
#
# MODEL: a checkpoint (e.g. runs/lfw_view1-*/run/checkpoints/last.pt). LFW_DIR holds
# lfw-deepfunneled/ and the pairs file (default pairsDevTest.txt). The embeddings compared are
# those of the first N people's folders (default 300). EVAL_ARGS go to both `facenet eval` runs
# (e.g. --distance l2sq --interleave-folds, as lfw_view1.sh scores pairsDevTest).
# Writes DIR (default runs/bf16_parity-<timestamp>)/summary.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] || usage
MODEL=$1; LFW=$(cd "$2" && pwd); shift 2
PAIRS=$LFW/pairsDevTest.txt
PEOPLE=300
OUT=runs/bf16_parity-$(date +%Y%m%d-%H%M%S)
EVAL=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) PAIRS=$2; shift 2 ;;
    --people) PEOPLE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --) shift; EVAL=("$@"); break ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
FACENET=./build/facenet
[ -x "$FACENET" ] || bash scripts/build.sh
mkdir -p "$OUT"
mapfile -t FOLDERS < <(find "$LFW/lfw-deepfunneled" -mindepth 1 -maxdepth 1 -type d | sort | head -n "$PEOPLE")

for dtype in fp32 bf16; do
  echo "== embed ${#FOLDERS[@]} people's images in $dtype"
  start=$(date +%s.%N)
  $FACENET embed --model "$MODEL" --dtype "$dtype" --out "$OUT/embed-$dtype.csv" "${FOLDERS[@]}" >/dev/null
  echo "$(date +%s.%N) $start" | awk '{ printf "%.1f s\n", $1 - $2 }' > "$OUT/embed-$dtype.time"
  echo "== eval $(basename "$PAIRS") in $dtype"
  $FACENET eval --checkpoint "$MODEL" --dtype "$dtype" --data-dir "$LFW/lfw-deepfunneled" --pairs "$PAIRS" \
    --out "$OUT/eval-$dtype" "${EVAL[@]}" | grep -E "^(Accuracy|AUC)" || true
done

# Row by row: the same image in both files (embed keeps the input order).
cosines=$(paste -d';' "$OUT/embed-fp32.csv" "$OUT/embed-bf16.csv" | awk -F';' '{
  n = split($1, a, ","); split($2, b, ",");
  if (a[1] != b[1]) { print "row " NR ": files differ" > "/dev/stderr"; exit 1 }
  dot = 0; na = 0; nb = 0;
  for (i = 2; i <= n; ++i) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i] }
  c = dot / sqrt(na * nb); sum += c; if (NR == 1 || c < min) min = c
} END { printf "%d %.6f %.6f\n", NR, min, sum / NR }')
read -r rows min mean <<<"$cosines"
num() { printf '%.4f' "$(grep -o "\"$2\": *[0-9.e-]*" "$1" | head -1 | grep -o '[0-9.e-]*$')"; }

# The 10-fold protocol picks each fold's threshold where the other nine folds' accuracy peaks; on
# a weak model that curve is flat, so a 1e-4 change of the embeddings can move the picks and the
# reported accuracy by a point or more. What bf16 itself changes shows at a fixed threshold:
# fp32's (the median of its fold picks, as a deployment calibrated in fp32 would use it), applied
# to all pairs in both precisions, and at each precision's own best threshold on the same grid.
# roc.csv holds one row per distinct distance (drop_intermediate=False): rows up to distance t
# give the pairs called "same" at t.
median_threshold=$(tr -d ' \n' < "$OUT/eval-fp32/report.json" | grep -o '"fold_thresholds":\[[^]]*' | cut -d'[' -f2 |
  tr ',' '\n' | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
# Accuracy from rates: matched pairs weigh num_same, mismatched ones num_diff (any pairs file,
# balanced or not).
count() { grep -o "\"$2\": *[0-9]*" "$1" | head -1 | grep -o '[0-9]*$'; }
same=$(count "$OUT/eval-fp32/report.json" num_same); diff=$(count "$OUT/eval-fp32/report.json" num_diff)
# accuracy_at ROC T: accuracy over all pairs with "same" when distance < T. best ROC: the best
# accuracy over thresholds 0, 0.01, ..., 4 (the protocol's grid) and where it is reached.
accuracy_at() {
  awk -F, -v t="$2" -v s="$same" -v d="$diff" 'NR > 2 && $3 + 0 < t + 0 { f = $1; p = $2 }
    END { printf "%.4f", (p * s + (1 - f) * d) / (s + d) }' "$1"
}
best_accuracy() {
  awk -F, -v s="$same" -v d="$diff" 'NR > 2 { dist[++n] = $3 + 0; f[n] = $1; p[n] = $2 }
    END { j = 0; fp = 0; tp = 0
      for (k = 0; k <= 400; ++k) { t = k / 100; while (j < n && dist[j + 1] < t) { ++j; fp = f[j]; tp = p[j] }
        a = (tp * s + (1 - fp) * d) / (s + d); if (a > best + 1e-12) { best = a; at = t } }
      printf "%.4f at %.2f", best, at }' "$1"
}
{
  echo "# bf16 against fp32: $MODEL"
  echo
  echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
       "flags: $(grep -m1 -o -w -E 'avx512_bf16|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')"
  echo
  echo "embeddings of $rows LFW images: smallest cosine $min, mean $mean"
  echo
  echo "| | fp32 | bf16 |"
  echo "|---|---:|---:|"
  echo "| 10-fold accuracy, the protocol ($(basename "$PAIRS")) | $(num "$OUT/eval-fp32/report.json" accuracy_mean) | $(num "$OUT/eval-bf16/report.json" accuracy_mean) |"
  echo "| AUC | $(num "$OUT/eval-fp32/report.json" auc) | $(num "$OUT/eval-bf16/report.json" auc) |"
  echo "| accuracy of all pairs at fp32's threshold $median_threshold (median of its fold picks) | $(accuracy_at "$OUT/eval-fp32/roc.csv" "$median_threshold") | $(accuracy_at "$OUT/eval-bf16/roc.csv" "$median_threshold") |"
  echo "| best accuracy of all pairs on the protocol's threshold grid | $(best_accuracy "$OUT/eval-fp32/roc.csv") | $(best_accuracy "$OUT/eval-bf16/roc.csv") |"
  echo "| embed wall time ($rows images, decode included) | $(cat "$OUT/embed-fp32.time") | $(cat "$OUT/embed-bf16.time") |"
} > "$OUT/summary.md.tmp"
mv "$OUT/summary.md.tmp" "$OUT/summary.md"
echo
cat "$OUT/summary.md"
