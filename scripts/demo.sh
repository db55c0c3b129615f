#!/usr/bin/env bash
# The README's first command: install, build, then run the main job on the built-in default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/facenet info
