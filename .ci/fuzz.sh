#!/usr/bin/env bash
# Builds pt2ts's libFuzzer targets (fuzz/) with clang-14 in build-fuzz, runs
# every saved crash input (fuzz/regressions/<target>/) and the seed corpus
# (fuzz/corpus/<target>/) once, then fuzzes each target for
# PT2TS_FUZZ_SECONDS seconds (default 30). Exits non-zero on any crash.
#
# Installs nothing. Needs clang-14 and libclang-rt-14-dev (libFuzzer and the
# sanitizer runtimes) besides what the normal build needs (the top-level
# CMakeLists.txt finds Python, pybind11 and Torch even for the fuzzers).
#
# Environment: PT2TS_FUZZ_SECONDS (per target), PT2TS_FUZZ_BUILD_DIR (default
# build-fuzz), PT2TS_FUZZ_JOBS (build parallelism, default 2), CC/CXX
# (default clang-14/clang++-14).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${PT2TS_FUZZ_SECONDS:-30}"
build_dir="${PT2TS_FUZZ_BUILD_DIR:-build-fuzz}"
jobs="${PT2TS_FUZZ_JOBS:-2}"
targets=(fuzz_literal fuzz_input_spec fuzz_depfile)

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
echo "+ configure $build_dir"
CC="${CC:-clang-14}" CXX="${CXX:-clang++-14}" cmake -S . -B "$build_dir" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPT2TS_BUILD_FUZZERS=ON -DPT2TS_BUILD_TESTS=OFF >/dev/null
echo "+ build ${targets[*]}"
cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}"

# halt_on_error etc.: a sanitizer report is a crash, never a warning.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
summary=()
for target in "${targets[@]}"; do
  fuzzer="$build_dir/fuzz/$target"
  artifacts="$build_dir/fuzz-artifacts/$target"
  work_corpus="$build_dir/fuzz-corpus/$target"
  log="$build_dir/fuzz-logs/$target.log"
  mkdir -p "$artifacts" "$work_corpus" "$(dirname "$log")"

  # 1. Known crash inputs and the seed corpus, each run once.
  inputs=()
  for dir in "fuzz/regressions/$target" "fuzz/corpus/$target"; do
    if [ -d "$dir" ]; then
      while IFS= read -r -d '' file; do inputs+=("$file"); done < <(find "$dir" -type f -print0 | sort -z)
    fi
  done
  echo "+ $target: ${#inputs[@]} regression and corpus inputs"
  if [ "${#inputs[@]}" -gt 0 ] && ! "$fuzzer" -artifact_prefix="$artifacts/" "${inputs[@]}" >"$log.replay" 2>&1; then
    tail -n 60 "$log.replay" >&2
    echo "FAIL: $target crashes on a saved input (full log: $log.replay)" >&2
    status=1
    summary+=("$target: FAILED on saved inputs")
    continue
  fi
  summary+=("$target: ${#inputs[@]} saved inputs pass")

  # 2. Fuzzing for a bounded time. New inputs go to a work corpus in the build
  #    folder; the checked-in seed corpus is only read.
  if [ "$seconds" -gt 0 ]; then
    echo "+ $target: fuzzing for $seconds s"
    start=$(date +%s)
    if "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
         -print_final_stats=1 -artifact_prefix="$artifacts/" \
         "$work_corpus" "fuzz/corpus/$target" >"$log" 2>&1; then
      runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
      cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
      elapsed=$(( $(date +%s) - start ))
      summary+=("$target: ${runs:-?} executions in ${elapsed} s, ${cov:-cov: ?}, no crash")
    else
      tail -n 60 "$log" >&2
      echo "FAIL: $target crashed; the input is in $artifacts/ (full log: $log)." >&2
      echo "      Fix the bug, then save the input under fuzz/regressions/$target/." >&2
      status=1
      summary+=("$target: CRASHED (see $artifacts/)")
    fi
  fi
done

echo
echo "Fuzzing summary:"
for line in "${summary[@]}"; do echo "  $line"; done
exit "$status"
