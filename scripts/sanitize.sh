#!/usr/bin/env bash
# Builds the library and the GoogleTest suite with AddressSanitizer and UndefinedBehaviorSanitizer
# (GCC; the project's code only: LibTorch, OpenCV and the other Debian libraries stay as
# shipped) into build-asan/, then runs the suite.
#
#   scripts/sanitize.sh                 every area
#   scripts/sanitize.sh data eval core  only these areas' test executables (<area>_tests)
#
# ASAN_OPTIONS, and why:
#   detect_leaks=0        LibTorch, OpenMP and protobuf keep process-lifetime allocations
#                         (registries, thread pools) that LeakSanitizer reports at exit;
#                         uninstrumented libraries give no usable stacks to suppress them by.
#   protect_shadow_gap=0  LibTorch/OpenMP map large regions early; with the gap protected some
#                         mmap()s with fixed hints fail on small machines.
#   alloc_dealloc_mismatch=0  LibTorch's uninstrumented allocators pair new/free differently
#                         from what ASan expects across the library boundary.
#   halt_on_error=1 (UBSan): the first undefined behaviour fails the test.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${SANITIZE_BUILD_DIR:-build-asan}
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DFACENET_SANITIZE=ON
fi
targets=()
if [ $# -gt 0 ]; then
  for a in "$@"; do targets+=("${a}_tests"); done
  targets+=(facenet)  # the CLI the tests run
else
  targets=(all)
fi
start=$(date +%s)
cmake --build "$BUILD" -j "${SANITIZE_JOBS:-2}" --target "${targets[@]}"
built=$(date +%s)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:protect_shadow_gap=0:alloc_dealloc_mismatch=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
if [ $# -gt 0 ]; then
  for a in "$@"; do "$BUILD/${a}_tests" --gtest_brief=1 || status=1; done
else
  ctest --test-dir "$BUILD" --output-on-failure -j "${SANITIZE_TEST_JOBS:-2}" || status=1
fi
end=$(date +%s)
echo "sanitize: build $((built - start)) s, tests $((end - built)) s, $([ $status -eq 0 ] && echo passed || echo FAILED)"
exit $status
