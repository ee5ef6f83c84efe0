#!/usr/bin/env bash
# Configures and builds kam in build/ with CMake + Ninja (ccache when present).
# Usage: tools/build.sh [-Doption=value ...] [target ...]
#   e.g. tools/build.sh                      # everything
#        tools/build.sh kam-registry kamctl  # just these
# Environment: KAM_BUILD_DIR (default build), KAM_BUILD_TYPE (default
# Release), KAM_JOBS (default: the number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${KAM_BUILD_DIR:-build}"
options=()
targets=()
for arg in "$@"; do
  case "$arg" in
    -D*) options+=("$arg") ;;
    *) targets+=(--target "$arg") ;;
  esac
done
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="${KAM_BUILD_TYPE:-Release}" "${options[@]}" >/dev/null
cmake --build "$build_dir" -j "${KAM_JOBS:-$(nproc)}" "${targets[@]}"
