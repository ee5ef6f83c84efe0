#!/usr/bin/env bash
# The test command: installs missing dependencies, builds everything in
# Release with warnings as errors, and runs the whole suite with ctest.
# Usage: tools/test.sh [ctest options...]   e.g. tools/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh -DKAM_WERROR=ON -DKAM_BUILD_TESTS=ON
ctest --test-dir "${KAM_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
