#!/usr/bin/env bash
# CI stage: pt2ts against torch from pip, the way most users get torch.
#
#   .ci/pip.sh pip         torch 2.13.0 (CPU wheel): the whole test suite
#   .ci/pip.sh pip-cuda    torch 2.14.1 + torchvision 0.29.1 (CUDA wheel, run on
#                          the CPU): build, install, the zoo tests and both examples
#
# Each run makes a fresh virtual environment from the machine's `python3`
# under $PT2TS_PIP_ROOT (default /var/tmp/pt2ts-ci-pip), pip-installs the
# pinned wheels into it, configures with nothing but -DPython_EXECUTABLE (the
# LibTorch comes from the wheel), builds, installs under a user-style prefix,
# moves that install tree, builds the example project against the moved
# prefix and the wheel's LibTorch, runs it with a bare environment, then runs
# the tests. Installs nothing outside the venv and the build folder.
#
# Environment: PT2TS_PIP_ROOT (see above), PT2TS_PIP_JOBS (ctest
# parallelism, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

name=${1:?usage: .ci/pip.sh pip|pip-cuda}
case "$name" in
  pip)
    # numpy: the test fixtures use it, and without it torch warns
    # ("Failed to initialize NumPy") on every conversion. safetensors: its
    # library reads -w NAME.safetensors there (Debian's Python lacks it, so
    # the suite there tests pt2ts's own reader). lightning: the real Lightning
    # checkpoint of tests/test_checkpoints.py (its install took 59 s here,
    # 2026-12, on top of torch). transformers: the Hugging Face models of
    # tests/test_hf_models.py (timm is tested in pip-cuda: it needs
    # torchvision, and PyPI's torchvision 0.28.0 is built for the CUDA torch
    # 2.13.0 and does not import beside the CPU one).
    requirements=(torch==2.13.0 numpy safetensors==0.8.0 lightning==2.6.6 transformers==5.17.0)
    # The whole suite but the CMake generator variants (Makefiles, Ninja
    # Multi-Config): how a generator orders and reruns the conversions does
    # not depend on where torch comes from, and the release stages run them;
    # the Ninja tests here build the consumers against the wheel's LibTorch.
    tests=(-E '^test_cmake[.](Makefiles|NinjaMultiConfig|LinkedModelsMakefiles|LinkedModelsMultiConfig)Test$') ;;
  pip-cuda)
    # timm: a model of its zoo in tests/test_hf_models.py (its transformers
    # tests skip here: the pip stage runs them).
    requirements=(torch==2.14.1 torchvision==0.29.1 timm==1.0.29)
    # The model zoos and both C++ examples (TorchScript, .pt2): what a CI
    # runner that builds models for GPU servers does on its CPU. The pip
    # stage runs the rest against the same code (test_aoti alone would add
    # a minute and a half).
    tests=(-R '^(test_models|test_hf_models|test_cmake[.](Aoti)?ExampleTest|install_for_consumers)$') ;;
  *) echo ".ci/pip.sh: unknown stage '$name' (pip, pip-cuda)" >&2; exit 1 ;;
esac
work=${PT2TS_PIP_ROOT:-/var/tmp/pt2ts-ci-pip}/$name
build=$root/build-$name
jobs=${PT2TS_PIP_JOBS:-2}
step() { echo; echo "=== [$name] $* ($(date -u +%H:%M:%S))"; }

step "fresh venv from $(command -v python3) ($(python3 --version)), pip install ${requirements[*]}"
rm -rf "$work" "$build"
mkdir -p "$work"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]}"
"$work/venv/bin/python" -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda)"

step "configure with -DPython_EXECUTABLE only, build, install under a user prefix"
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
cmake -S . -B "$build" "${generator[@]}" -DPython_EXECUTABLE="$work/venv/bin/python"
cmake --build "$build"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
# An install tree the user moves keeps working (relative layout inside,
# absolute RPATHs only to the venv's libraries, which stay where they are).
mv "$work/prefix" "$work/moved"

step "the example against the moved install and the wheel's LibTorch"
torch_prefix=$("$work/venv/bin/python" -c "import torch; print(torch.utils.cmake_prefix_path)")
cmake -S examples/pattern_classifier -B "$build/example" "${generator[@]}" \
  "-DCMAKE_PREFIX_PATH=$work/moved;$torch_prefix"
cmake --build "$build/example"
env -i PATH=/usr/bin:/bin HOME="$HOME" "$build/example/classify"
env -i PATH=/usr/bin:/bin HOME="$HOME" "$work/moved/bin/pt2ts" --version

step "ctest ${tests[*]}"
ctest --test-dir "$build" -j "$jobs" --output-on-failure "${tests[@]}"
step "passed"
