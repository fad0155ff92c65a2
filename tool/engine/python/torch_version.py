"""Refuses, before torch is imported, a Python torch of another version than
the LibTorch pt2ts links: its artifacts may not load in the C++ runtime, and
two torch builds must never share a process."""

import importlib.metadata
import os
import re

from _pt2ts.errors import ConversionError

# Test hook: pretend the Python environment has this torch version.
FAKE_VERSION_VARIABLE = "PT2TS_TEST_PYTHON_TORCH_VERSION"


def release(version):
    """'1.13.0a0+gitunknown' -> (1, 13, 0); None when unparsable."""
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", version or "")
    return tuple(int(part or 0) for part in match.groups()) if match else None


def python_torch_version():
    fake = os.environ.get(FAKE_VERSION_VARIABLE)
    if fake:
        return fake
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return None  # not installed: the import reports it


def check(libtorch_version, allow_mismatch, python_executable):
    """Returns whether the versions match; raises on a mismatch unless allowed."""
    version = python_torch_version()
    if version is None or release(version) == release(libtorch_version):
        return True
    if allow_mismatch:
        return False
    raise ConversionError(
        "the Python environment (%s) has torch %s, but pt2ts was built with LibTorch %s: the "
        "artifact might not load in a C++ program using that LibTorch, and pt2ts cannot check "
        "it in-process. Use a Python environment with torch %s (--python VENV/bin/python), "
        "rebuild pt2ts against your LibTorch, or pass --allow-torch-version-mismatch to convert "
        "anyway (the artifact is then checked by LibTorch %s in a separate process)"
        % (python_executable, version, libtorch_version, libtorch_version, libtorch_version))


def loaded_libtorch_path():
    """The libtorch_cpu library this process has loaded (Python's torch)."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split(None, 5)[-1].strip()
                if "/libtorch_cpu." in path:
                    return path
    except OSError:
        pass
    return ""
