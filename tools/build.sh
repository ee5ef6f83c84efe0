#!/usr/bin/env bash
# Configures and builds kam with CMake + Ninja (ccache when present).
# Usage: tools/build.sh [build-dir] [extra cmake -D options...]
# Environment: KAM_BUILD_TYPE (default Release), KAM_JOBS (default: cores).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build}"
shift || true
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="${KAM_BUILD_TYPE:-Release}" "$@" >/dev/null
cmake --build "$build_dir" -j "${KAM_JOBS:-$(nproc)}"
