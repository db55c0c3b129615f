#!/usr/bin/env bash
# Installs every Debian package facenet-cpp needs. Idempotent and quiet when
# everything is already present; run as root (or with sudo available).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev            # LibTorch 1.13 (CPU), with c10d
  libgloo-dev             # headers ProcessGroupGloo includes
  libopenblas0-openmp     # libtorch's small convs go through BLAS: the reference one is 6-8x slower
  libopencv-dev opencv-data
  libcli11-dev libspdlog-dev libfmt-dev libyaml-cpp-dev nlohmann-json3-dev
  libgtest-dev libbenchmark-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  zlib1g-dev              # CRC-32 of the zip entries in checkpoints/exports without a digest
  clang-14 libfuzzer-14-dev  # scripts/fuzz.sh: the libFuzzer harnesses (tests/fuzz)
  libsqlite3-dev libcpp-httplib-dev  # facenet serve: the gallery database and the HTTP server
  chromium                # tests/serve: the web page driven headless (the test skips without it)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
