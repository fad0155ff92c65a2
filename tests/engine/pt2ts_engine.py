"""Makes pt2ts's engine sources (tool/engine/python/*.py) importable as the
_pt2ts package, the way the engine does it (tool/engine/engine.cpp,
LoadEmbeddedPackage): every file's text keyed by its name, an empty
`_pt2ts` package in sys.modules, embedded_import.py executed from its text
as `<pt2ts>/embedded_import.py`, and its install("_pt2ts", sources) hook
first on sys.meta_path. The files are read as they are, never copied or
edited; modules import as `<pt2ts>/NAME.py`, as in the tool, so that
reporting.user_traceback leaves their frames out here too.

The one addition: the texts are registered with linecache, so that a failing
test's traceback shows the lines of pt2ts's code (the tool shows none)."""

import contextlib
import glob
import io
import linecache
import os
import sys
import types

ENGINE_PYTHON = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                              os.pardir, os.pardir, "tool", "engine", "python"))
PACKAGE = "_pt2ts"


def sources():
    """{module name: source text} of every tool/engine/python/*.py, as
    tool/CMakeLists.txt embeds them."""
    texts = {}
    for path in sorted(glob.glob(os.path.join(ENGINE_PYTHON, "*.py"))):
        with open(path, encoding="utf-8") as file:
            texts[os.path.splitext(os.path.basename(path))[0]] = file.read()
    if "embedded_import" not in texts:
        raise RuntimeError("no embedded_import.py in %s" % ENGINE_PYTHON)
    return texts


def install():
    """Installs the _pt2ts package (once per process) and returns it."""
    package = sys.modules.get(PACKAGE)
    if package is not None:
        if getattr(package, "__pt2ts_sources__", None) != ENGINE_PYTHON:
            raise RuntimeError("another %s package is already loaded: %r" % (PACKAGE, package))
        return package
    texts = sources()
    for name, text in texts.items():
        filename = "<pt2ts>/%s.py" % name
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    package = types.ModuleType(PACKAGE)
    package.__path__ = []
    package.__pt2ts_sources__ = ENGINE_PYTHON  # tells this helper's package from another
    sys.modules[PACKAGE] = package
    hook = types.ModuleType(PACKAGE + ".embedded_import")
    hook.__file__ = "<pt2ts>/embedded_import.py"
    exec(compile(texts["embedded_import"], hook.__file__, "exec"), hook.__dict__)
    hook.install(PACKAGE, texts)
    return package


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


TORCH_MISSING = "torch is not installed for this Python (%s)" % sys.executable


@contextlib.contextmanager
def captured_stderr():
    """What pt2ts's reporting module prints (it writes to sys.stderr as it
    is at each call)."""
    stream = io.StringIO()
    with contextlib.redirect_stderr(stream):
        yield stream


@contextlib.contextmanager
def verbose_reporting():
    """reporting.configure(..., verbose=True) for the block, as -v does;
    what configure changes is put back afterwards."""
    import time
    import warnings

    from _pt2ts import reporting

    showwarning = warnings.showwarning
    state = dict(reporting._state)
    reporting.configure(time.monotonic(), True)
    try:
        yield
    finally:
        reporting._state.update(state)
        warnings.showwarning = showwarning


install()
