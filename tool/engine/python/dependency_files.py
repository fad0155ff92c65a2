"""The files a conversion depends on, for --depfile: every imported Python
file that is not part of the Python installation (the model's file, its
siblings, packages under --pythonpath, transitively), plus the weights."""

import os
import site
import sys
import sysconfig


def _installation_folders():
    paths = sysconfig.get_paths()
    folders = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    folders.update(site.getsitepackages())
    return [os.path.join(os.path.abspath(f), "") for f in folders]


def collect(extra=()):
    """Sorted absolute paths, without duplicates."""
    installed = _installation_folders()
    files = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path or path.startswith("<") or not os.path.isfile(path):
            continue
        path = os.path.abspath(path)
        if not any(path.startswith(folder) for folder in installed):
            files.add(path)
    files.update(os.path.abspath(p) for p in extra)
    return sorted(files)
