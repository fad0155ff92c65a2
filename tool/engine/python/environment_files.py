"""The files that stand for the Python environment a conversion ran in: the
interpreter, the libpython the engine embeds and torch's version file. The
front end's conversion cache hashes them, so another Python or torch never
gets an artifact made with this one."""

import os
import sys


def _loaded_libpython():
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.rstrip("\n").split(" ")[-1]
                if os.path.basename(path).startswith("libpython"):
                    return path
    except OSError:
        pass
    return None


def collect():
    """Absolute, resolved paths of existing files, sorted."""
    candidates = [sys.executable, _loaded_libpython()]
    version = sys.modules.get("torch.version")
    candidates.append(getattr(version, "__file__", None))
    files = {os.path.realpath(path) for path in candidates if path}
    return tuple(sorted(path for path in files if os.path.isfile(path)))
