#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/*_fuzz.cpp) with clang-14, ASan and UBSan into
# build-fuzz/ and runs each for SECONDS (default 300) from its seed corpus
# tests/fuzz/corpus/<name>/; crashes, leaks, timeouts and sanitizer reports land in
# tests/fuzz/crashes/<name>/. Prints one line per harness: runs, execs/s, cov, ft, findings.
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]     e.g. scripts/fuzz.sh 60 config_fuzz pairs_fuzz
#   FUZZ_JOBS=2 scripts/fuzz.sh 300            two harnesses at a time
#   FUZZ_BUILD_ONLY=1 scripts/fuzz.sh          build only
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_PER=${1:-300}
shift || true
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${FUZZ_JOBS:-1}

if [ ! -f "$BUILD/build.ninja" ]; then
  # No ccache here (clang's PCH records timestamps); -O1 + line tables as libFuzzer suggests.
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_CXX_COMPILER_LAUNCHER= -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
    -DFACENET_FUZZ=ON -DFACENET_BUILD_TESTS=OFF
fi

if [ $# -gt 0 ]; then
  HARNESSES=("$@")
else
  HARNESSES=()
  for f in tests/fuzz/*_fuzz.cpp; do HARNESSES+=("$(basename "$f" .cpp)"); done
fi
[ -n "${FUZZ_NO_BUILD:-}" ] || cmake --build "$BUILD" -j "${FUZZ_BUILD_JOBS:-2}" --target "${HARNESSES[@]}"
[ -n "${FUZZ_BUILD_ONLY:-}" ] && exit 0

# Inputs larger than this are not generated (per harness: small text formats stay small).
max_len() {
  case "$1" in
    config_fuzz|pairs_fuzz|annotation_fuzz|preprocess_fuzz) echo 4096 ;;
    image_fuzz) echo 65536 ;;
    checkpoint_fuzz|network_fuzz|state_dict_fuzz) echo 262144 ;;
    *) echo 16384 ;;
  esac
}
# LibTorch keeps process-lifetime allocations that LeakSanitizer would report as leaks; the
# harnesses that load torch files run without leak detection, the others keep it.
leaks() {
  case "$1" in
    checkpoint_fuzz|network_fuzz|state_dict_fuzz|image_fuzz) echo 0 ;;
    *) echo 1 ;;
  esac
}

OUT=$BUILD/fuzz-runs
mkdir -p "$OUT"
run_one() {
  local name=$1
  local corpus=$OUT/corpus/$name crashes=$ROOT/tests/fuzz/crashes/$name log=$OUT/$name.log
  mkdir -p "$corpus" "$crashes"
  # The committed seeds are copied: libFuzzer adds what it finds to the working corpus only.
  [ -d "tests/fuzz/corpus/$name" ] && cp -n tests/fuzz/corpus/$name/* "$corpus"/ 2>/dev/null || true
  local dict=()
  [ -f "tests/fuzz/dict/$name.dict" ] && dict=(-dict="tests/fuzz/dict/$name.dict")
  ASAN_OPTIONS=detect_leaks=$(leaks "$name"):allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  OMP_NUM_THREADS=1 \
  "$BUILD/fuzz/$name" "$corpus" "${dict[@]}" -max_total_time="$SECONDS_PER" -max_len="$(max_len "$name")" \
    -timeout=20 -rss_limit_mb=4096 -malloc_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$crashes/" >"$log" 2>&1 || true
}
summary() {
  local name=$1 log=$OUT/$1.log
  local runs execs cov ft found
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  execs=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo '?')
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo '?')
  found=$(grep -cE '^==[0-9]+==ERROR|runtime error:|^==[0-9]+== ERROR: libFuzzer|deadly signal' "$log" || true)
  printf '%-18s %6ss  runs %-10s execs/s %-7s cov %-6s ft %-6s findings %s\n' \
    "$name" "$SECONDS_PER" "$runs" "$execs" "$cov" "$ft" "$found"
}

active=0
for name in "${HARNESSES[@]}"; do
  run_one "$name" &
  active=$((active + 1))
  if [ "$active" -ge "$JOBS" ]; then wait -n; active=$((active - 1)); fi
done
wait
for name in "${HARNESSES[@]}"; do summary "$name"; done
echo "logs: $OUT/<name>.log; findings: tests/fuzz/crashes/<name>/"
