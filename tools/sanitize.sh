#!/usr/bin/env bash
# Builds kam with a sanitizer, in its own build directory, and runs tests
# under it: the servers the integration tests start inherit the options, and
# every process writes its reports to <build>/sanitizer-logs/.
#
# Usage: tools/sanitize.sh thread|address [ctest args...]
#   thread   ThreadSanitizer into build-tsan/; by default runs the
#            `concurrency` and `unit` labels.
#   address  AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/;
#            by default runs the whole suite.
# ctest args replace the default selection, e.g.
#   tools/sanitize.sh thread -R registry_concurrency
#
# Environment:
#   KAM_SANITIZE_CXX  the C++ compiler (default g++; clang++ works too)
#   KAM_JOBS          build jobs (default: the number of cores)
#   KAM_SANITIZE_TARGETS
#                     build only these targets, space-separated (default:
#                     all), e.g. the binaries and tests a -R run needs
#   KAM_TEST_JOBS     ctest jobs (default: the number of cores)
#   TSAN_OPTIONS, ASAN_OPTIONS, UBSAN_OPTIONS
#                     appended to this script's defaults (a later flag wins),
#                     e.g. TSAN_OPTIONS=halt_on_error=0 to collect every race
#                     of a run instead of stopping at the first.
#
# Debian's gRPC, protobuf, RocksDB and Abseil are not instrumented. TSan may
# report races whose every kam frame is only a caller of those libraries;
# tools/tsan.supp silences such reports by third-party frames only, never by
# a kam frame.
set -euo pipefail
cd "$(dirname "$0")/.."

kind="${1:-}"
case "$kind" in
  thread) build_dir="build-tsan"; default_tests=(-L "concurrency|unit") ;;
  address) build_dir="build-asan"; default_tests=() ;;
  *)
    echo "usage: tools/sanitize.sh thread|address [ctest args...]" >&2
    exit 2
    ;;
esac
shift
tests=("$@")
if [[ ${#tests[@]} -eq 0 ]]; then
  tests=("${default_tests[@]+"${default_tests[@]}"}")
fi

cxx="${KAM_SANITIZE_CXX:-g++}"
log_dir="$PWD/$build_dir/sanitizer-logs"

started=$(date +%s)
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DKAM_SANITIZE="$kind" \
  -DKAM_WERROR=ON \
  -DKAM_BUILD_TESTS=ON \
  -DKAM_BUILD_BENCHMARKS=OFF >/dev/null
targets=()
for target in ${KAM_SANITIZE_TARGETS:-}; do targets+=(--target "$target"); done
cmake --build "$build_dir" -j "${KAM_JOBS:-$(nproc)}" \
  "${targets[@]+"${targets[@]}"}"
built=$(date +%s)
echo "sanitize.sh: $kind build took $((built - started)) s"

rm -rf "$log_dir"
mkdir -p "$log_dir"
common="halt_on_error=1:abort_on_error=0:log_path=$log_dir/$kind"
# ignore_noninstrumented_modules: memcpy, recvmsg, free... called from inside
# Debian's uninstrumented gRPC and protobuf would otherwise race with
# accesses TSan cannot see.
export TSAN_OPTIONS="$common:second_deadlock_stack=1:history_size=4:ignore_noninstrumented_modules=1:suppressions=$PWD/tools/tsan.supp${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
export ASAN_OPTIONS="$common:detect_leaks=1:strict_init_order=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="$common:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

status=0
ctest --test-dir "$build_dir" --output-on-failure \
  -j "${KAM_TEST_JOBS:-$(nproc)}" "${tests[@]+"${tests[@]}"}" || status=$?
echo "sanitize.sh: $kind tests took $(($(date +%s) - built)) s"

# Reports of servers and tests alike; a server's report also fails the test
# that started it (halt_on_error), but the report itself is only here.
shopt -s nullglob
reports=("$log_dir"/*)
if [[ ${#reports[@]} -gt 0 ]]; then
  echo "sanitize.sh: ${#reports[@]} report file(s) in $log_dir:" >&2
  for report in "${reports[@]}"; do
    echo "==== $report" >&2
    head -n 60 "$report" >&2
  done
  [[ $status -ne 0 ]] || status=1
fi
exit "$status"
