#!/usr/bin/env bash
# A/B of two facenet builds on the same machine, interleaved (A B A B ...) so that drift in the
# machine's speed falls on both: each round runs `facenet bench --out` with the same arguments,
# then bench/ab_table.py prints every case's median per build and the B/A ratio.
#   scripts/bench_ab.sh OLD_FACENET NEW_FACENET ROUNDS [facenet bench arguments...]
# e.g. scripts/bench_ab.sh /tmp/old/facenet build/facenet 3 --backbones mobilenet --precisions fp32 \
#        --only train-step data/pipeline infer-optimised
set -euo pipefail
if [ $# -lt 3 ]; then sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 2; fi
A=$1 B=$2 ROUNDS=$3
shift 3
OUT=${AB_OUT:-runs/bench-ab}
mkdir -p "$OUT"
for r in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    bin=$A; [ "$side" = B ] && bin=$B
    echo "== round $r/$ROUNDS: $side ($bin)"
    "$bin" bench --out "$OUT/$side-$r.json" "$@" > "$OUT/$side-$r.log" 2>&1
  done
done
/usr/bin/python3 "$(dirname "$0")/../bench/ab_table.py" "$OUT"
