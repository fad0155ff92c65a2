#!/usr/bin/env bash
# Static analysis of pt2ts's C++: clang-tidy-14 with the checked-in
# .clang-tidy, every warning an error, on the front end (tool/*.cpp), the
# engine (tool/engine/*.cpp), the LibTorch library (tool/libtorch/*.cpp) and
# the fuzz targets (fuzz/*.cpp); then cppcheck on the same files. Fails on any
# finding. Silence a false positive where it happens, with a reason:
#   // NOLINT(check-name): why      (clang-tidy)
#   // cppcheck-suppress id          (cppcheck, on the line before)
#
# Installs nothing: needs clang-tidy-14 and cppcheck besides what the normal
# build needs (configuring build-lint finds Python, pybind11 and Torch, whose
# headers the engine and the LibTorch library include).
#
# Environment: PT2TS_LINT_BUILD_DIR (default build-lint), PT2TS_LINT_JOBS
# (parallel clang-tidy processes, default 2), CLANG_TIDY (default clang-tidy-14),
# PT2TS_LINT_CACHE (where clean results are remembered, default
# /var/tmp/pt2ts-lint-cache; an empty folder analyses everything).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${PT2TS_LINT_BUILD_DIR:-build-lint}"
cache_dir="${PT2TS_LINT_CACHE:-/var/tmp/pt2ts-lint-cache}"
jobs="${PT2TS_LINT_JOBS:-2}"
clang_tidy="${CLANG_TIDY:-clang-tidy-14}"

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
# Configuring writes compile_commands.json and the generated headers
# (pt2ts_version.h, library_locations.h, ...); nothing needs to be built.
echo "+ configure $build_dir (compile_commands.json)"
cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DPT2TS_BUILD_TESTS=OFF >/dev/null

# The project's own sources that the build compiles (not the generated
# embedded_python.cpp, which is Python text in a C++ string).
mapfile -t sources < <(python3 - "$build_dir/compile_commands.json" <<'EOF'
import json, os, sys
root = os.getcwd()
seen = set()
for entry in json.load(open(sys.argv[1])):
    path = os.path.relpath(os.path.join(entry["directory"], entry["file"]), root)
    if path.startswith("tool/") and path not in seen:
        seen.add(path)
        print(path)
EOF
)
fuzz_sources=(fuzz/*.cpp)
echo "+ $clang_tidy: ${#sources[@]} files from compile_commands.json and ${#fuzz_sources[@]} fuzz targets"

status=0
log_dir="$build_dir/lint-logs"
rm -rf "$log_dir"
mkdir -p "$log_dir"
# One clang-tidy per file, $jobs at a time; each writes its own log. A file
# clang-tidy passed before with the same input (.ci/lint_key.py: version,
# configuration, command, preprocessed text) is not analysed again: the
# torch TUs cost a minute each, their preprocessing a second.
mkdir -p "$cache_dir"
run_tidy() {
  local file="$1" log="$log_dir/$(echo "$1" | tr / _).log" key
  key=$(python3 .ci/lint_key.py "$clang_tidy" "$build_dir" "$file") || key=
  if [ -n "$key" ] && [ -e "$cache_dir/$key" ]; then
    : >"$log"
    echo "ok   $file (unchanged since a clean run)"
    return 0
  fi
  case "$file" in
    fuzz/*) "$clang_tidy" --quiet --warnings-as-errors='*' "$file" -- -std=c++17 -Itool -Ifuzz >"$log" 2>&1 ;;
    *) "$clang_tidy" --quiet --warnings-as-errors='*' -p "$build_dir" "$file" >"$log" 2>&1 ;;
  esac || { echo "FAIL $file"; return 1; }
  if [ -n "$key" ]; then echo "$file" >"$cache_dir/$key"; fi
  echo "ok   $file"
}
export -f run_tidy
export clang_tidy build_dir log_dir cache_dir
if ! printf '%s\0' "${sources[@]}" "${fuzz_sources[@]}" | xargs -0 -n 1 -P "$jobs" bash -c 'run_tidy "$0"'; then
  status=1
fi
# Show findings (clang-tidy's "N warnings generated" lines are noise).
grep -hv -e '^[0-9]* warnings\? \(and [0-9]* errors\? \)\?generated\.$' \
         -e '^Suppressed [0-9]* warnings' -e '^Use -header-filter' "$log_dir"/*.log || true

echo "+ cppcheck"
if ! cppcheck --std=c++17 --language=c++ --enable=warning,performance,portability --inline-suppr \
     --error-exitcode=1 --quiet -I tool -I "$build_dir/tool" --suppress=missingIncludeSystem \
     "${sources[@]}" "${fuzz_sources[@]}"; then
  status=1
fi

if [ "$status" -eq 0 ]; then echo "lint.sh: clean"; else echo "lint.sh: findings above" >&2; fi
exit "$status"
