#!/usr/bin/env bash
# Rebuilds tests/export/fixtures/insightface_*: two synthetic face images and the embeddings that
# arcface_torch's networks (restated in bench/insightface_models.py, loaded with strict names)
# give them with the weights tests/export/insightface_test.cpp generates (r18 and mbf, 512-d).
# Needs Debian's python3-torch and python3-pil; only this script and bench/ use Python.
#   scripts/experiments/insightface_fixture.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FACENET_INSIGHTFACE_FIXTURE_OUT="$WORK" "$BUILD/export_tests" --gtest_filter='InsightfaceFixture.*'
OUT=tests/export/fixtures
mkdir -p "$OUT"
cp "$WORK"/insightface_face0.png "$WORK"/insightface_face1.png "$OUT/"
for arch in r18 mbf; do
  /usr/bin/python3 bench/insightface_reference.py --arch "$arch" --weights "$WORK/$arch.pth" \
    --images "$OUT/insightface_face0.png" "$OUT/insightface_face1.png" --out "$OUT/insightface_$arch.json"
done
