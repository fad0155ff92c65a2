#!/usr/bin/env bash
# Builds pt2ts with AddressSanitizer and UndefinedBehaviorSanitizer
# (-DPT2TS_SANITIZE=ON: the front end, the engine, the LibTorch library and the
# unit tests; the prebuilt LibTorch and CPython are not instrumented) in
# build-asan, and runs the test suite against that build: the unit tests and
# every end-to-end test (test_*.py, which run build-asan's pt2ts, and
# test_faults the copy build-asan installs). The consumer-project tests
# (CTest label "cmake": test_cmake.py) are left out: their cost is CMake and
# g++ building C++ projects (one builds a second, unsanitized pt2ts), and the
# conversions they make are ones the end-to-end tests make too. They run
# unsanitized in every other stage. Keeps .ci/run under its hour.
#
# Fails when a test fails or when any process wrote a sanitizer report. Every
# report ends its process with exit code 86, which fails the test; ASan and
# LSan reports also go to files (log_path), so they are caught even where a
# test ignores how pt2ts ended (tests that run pt2ts with an empty environment
# get the sanitizers' defaults: reports on stderr, exit code 1).
#
# Installs nothing: needs what the normal build needs (GCC's libasan and
# libubsan come with g++). Environment: PT2TS_SANITIZE_BUILD_DIR (default
# build-asan), PT2TS_SANITIZE_JOBS (build and ctest parallelism, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

build_dir="${PT2TS_SANITIZE_BUILD_DIR:-build-asan}"
jobs="${PT2TS_SANITIZE_JOBS:-2}"
supp="$root/.ci/sanitizers"

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
start=$(date +%s)
echo "+ configure and build $build_dir (-DPT2TS_SANITIZE=ON)"
cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPT2TS_SANITIZE=ON >/dev/null
cmake --build "$build_dir" -j "$jobs"
built=$(date +%s)

logs="$root/$build_dir/sanitizer-logs"
rm -rf "$logs"
mkdir -p "$logs"

# GCC's runtimes share their common flags: whichever of ASAN_OPTIONS and
# UBSAN_OPTIONS is read last sets log_path and exitcode for both, so both name
# the same values. halt_on_error: the first report ends the process, with exit
# code 86, which no test expects. log_path: ASan and LSan reports go to
# $logs/report.<pid>, checked below (GCC's UBSan writes to stderr whatever
# log_path says; halting with 86 still fails the test that ran it).
# detect_leaks: LeakSanitizer runs where a process returns from main (the unit
# tests); pt2ts itself ends with _exit(), which skips it. print_suppressions=0:
# a matched suppression must not leave a report file. No
# verify_asan_link_order=0 is needed: pt2ts links the ASan runtime itself, so
# it is loaded before libpython and LibTorch.
common="log_path=$logs/report:exitcode=86:halt_on_error=1"
export ASAN_OPTIONS="suppressions=$supp/asan.supp:$common:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="suppressions=$supp/ubsan.supp:$common:print_stacktrace=1:report_error_type=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"

echo "+ ctest --test-dir $build_dir -j$jobs --output-on-failure --label-exclude cmake"
status=0
ctest --test-dir "$build_dir" -j "$jobs" --output-on-failure --label-exclude cmake || status=$?
end=$(date +%s)

# A report file holds an error report, or only warnings (such as ASan's note
# about stack switching in uninstrumented code), which are shown but pass.
shopt -s nullglob
reports=()
for file in "$logs"/*; do
  if grep -q -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$file"; then
    reports+=("$file")
  else
    echo "==== $file (warnings only)" >&2
    cat "$file" >&2
  fi
done
if [ "${#reports[@]}" -gt 0 ]; then
  for report in "${reports[@]}"; do
    echo "==== $report" >&2
    cat "$report" >&2
  done
  echo "FAIL: ${#reports[@]} sanitizer report(s) above (also in $logs)" >&2
  status=1
fi
echo "sanitize.sh: build $((built - start)) s, tests $((end - built)) s, status $status"
exit "$status"
