#!/usr/bin/env bash
# Configure (once) and build into build/ with Ninja; ccache is used when present.
# With arguments, builds only those targets (scripts/demo.sh builds just the CLI, `facenet`);
# without, everything: the library, the CLI, the benchmarks and every test binary.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j "$(nproc)" "${targets[@]}"
