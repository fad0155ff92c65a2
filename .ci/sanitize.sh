#!/usr/bin/env bash
# Builds pt2ts with AddressSanitizer and UndefinedBehaviorSanitizer
# (-DPT2TS_SANITIZE=ON: the front end, the engine, the LibTorch library and the
# unit tests; the prebuilt LibTorch and CPython are not instrumented) in
# build-asan, and runs the test suite against that build: the unit tests and
# the end-to-end tests whose pt2ts runs cover the C++ code the unit tests do
# not reach (the command line, the cache and its remote stores, staged output
# and signals, inspect, the LibTorch checks and comparisons, the formats). The
# others are left out by default (PT2TS_SANITIZE_SKIP): the consumer-project
# tests (test_cmake.*: CMake and g++ building C++ projects, one of them a
# second, unsanitized pt2ts) and the end-to-end files whose cost is Python
# importing torch and capturing models (test_bad_inputs, test_capture,
# test_faults, test_weights, test_models, test_environment, test_fast_paths)
# through C++ paths the kept ones take too. All run unsanitized in every
# release stage. Keeps .ci/run under its hour: the whole suite under ASan
# takes about 20 minutes on 2 cores.
#
# Fails when a test fails or when any process wrote a sanitizer report. Every
# report ends its process with exit code 86, which fails the test; ASan and
# LSan reports also go to files (log_path), so they are caught even where a
# test ignores how pt2ts ended (tests that run pt2ts with an empty environment
# get the sanitizers' defaults: reports on stderr, exit code 1).
#
# Installs nothing: needs what the normal build needs (GCC's libasan and
# libubsan come with g++). Environment: PT2TS_SANITIZE_BUILD_DIR (default
# build-asan), PT2TS_SANITIZE_JOBS (build and ctest parallelism, default 2),
# PT2TS_SANITIZE_SKIP (a CTest -E regular expression of tests to leave out;
# empty runs the whole suite).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

build_dir="${PT2TS_SANITIZE_BUILD_DIR:-build-asan}"
jobs="${PT2TS_SANITIZE_JOBS:-2}"
skip="${PT2TS_SANITIZE_SKIP-^(test_cmake[.].*|test_bad_inputs|test_capture|test_faults|test_weights|test_models|test_environment|test_fast_paths)\$}"
supp="$root/.ci/sanitizers"

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
start=$(date +%s)
echo "+ configure and build $build_dir (-DPT2TS_SANITIZE=ON)"
# -O1 -g1 (line tables only), not RelWithDebInfo's -O2 -g: what ASan
# recommends, enough for file:line in every report, and half the compile time
# (full debug information for LibTorch's headers made the build 10 minutes).
cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DPT2TS_SANITIZE=ON >/dev/null
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

selection=()
if [ -n "$skip" ]; then selection=(-E "$skip"); fi
echo "+ ctest --test-dir $build_dir -j$jobs --output-on-failure ${selection[*]}"
status=0
ctest --test-dir "$build_dir" -j "$jobs" --output-on-failure "${selection[@]}" || status=$?
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
