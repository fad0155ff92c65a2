"""Messages on stderr in pt2ts's format, -v step timings, Python warnings and
tracebacks that show the user's code but none of pt2ts's own frames."""

import contextlib
import logging
import os
import sys
import sysconfig
import time
import traceback
import warnings

_state = {"start": None, "verbose": False}


def configure(start_time, verbose):
    _state["start"] = start_time
    _state["verbose"] = verbose
    warnings.showwarning = _show_warning


def _print(line):
    print(line, file=sys.stderr, flush=True)


def error(message, more=None):
    _print("pt2ts: error: " + message)
    details(more)


def warning(message):
    _print("pt2ts: warning: " + message)


def note(message):
    _print("pt2ts: note: " + message)


def verbose():
    return _state["verbose"]


def step(message):
    """Reports a finished step with the time since the process started (-v)."""
    if _state["verbose"]:
        elapsed = time.monotonic() - (_state["start"] or time.monotonic())
        _print("pt2ts: [%6.2f s] %s" % (elapsed, message))


@contextlib.contextmanager
def quiet_torch_logs():
    """torch.export and inductor log their inner workings on stderr ('W1202
    ... Ignored guard ...', and an 'E' line before every export error they
    raise): shown with -v only; failures come as pt2ts's own error."""
    logger = logging.getLogger("torch")
    level = logger.level
    if not _state["verbose"]:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


_DEPRECATIONS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def _in_installed_code(filename):
    """Whether a file belongs to the standard library or an installed package
    (site-packages, dist-packages) rather than to the user's sources."""
    path = os.path.realpath(filename)
    roots = {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots.update(p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages"))
    return any(path.startswith(os.path.realpath(root) + os.sep) for root in roots if root)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    # Warnings (TorchScript deprecations in newer torch, the user's own) are
    # shown, never fatal. A deprecation raised inside installed libraries by
    # their own calls to each other (torch 2.13's export warns about its own
    # pytree API from copyreg.py) is nothing the user can act on: -v only.
    if (issubclass(category, _DEPRECATIONS) and not _state["verbose"]
            and _in_installed_code(filename)):
        return
    _print("pt2ts: warning: %s:%s: %s: %s" % (filename, lineno, category.__name__, message))


def _is_internal(frame):
    return frame.filename.startswith("<pt2ts>") or frame.filename.startswith("<frozen ")


def user_traceback(exc):
    """The exception's traceback without pt2ts's or importlib's frames, or ''
    when no user frame is left."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not _is_internal(f)]
    if not frames:
        return ""
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


def describe(exc):
    """'TypeError: message', the way Python names an exception in one line."""
    text = str(exc).strip().splitlines()
    return type(exc).__name__ + (": " + text[0] if text else "")


def short_repr(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def details(text):
    """Indented lines that follow an error or warning."""
    if text:
        _print(text.rstrip("\n"))


def a_type(value):
    """'an int', 'a dict', 'an OrderedDict': the value's type with its article."""
    name = type(value).__name__
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name
