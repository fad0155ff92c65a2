"""Keeps pt2ts's interrupt handlers when a library loaded with torch replaces
them.

The front end installs C handlers for SIGINT, SIGTERM and SIGHUP that remove
the staged output and end the process by that signal. Debian 13's and
testing's libtorch_cpu link MPI and UCX, and loading libucs installs UCX's own
SIGHUP handler (its "debug signal", UCX_DEBUG_SIGNO, default SIGHUP), which
neither stops the process nor calls the previous handler: without this, a
closed terminal left pt2ts running. Debian 12's torch links no UCX, which is
why only the newer releases showed it.

The handlers are read before torch is imported and put back afterwards
wherever they changed, through the C library itself (Python's signal module
only sees handlers it installed)."""

import contextlib
import ctypes
import signal

_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# An opaque buffer larger than any C library's struct sigaction (152 bytes
# with glibc on 64-bit Linux): the handler is read and written back whole.
_SIGACTION_SIZE = 512


def _libc_sigaction():
    try:
        function = ctypes.CDLL(None, use_errno=True).sigaction
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
    function.restype = ctypes.c_int
    return function


def _read(sigaction, signal_number):
    buffer = ctypes.create_string_buffer(_SIGACTION_SIZE)
    return buffer if sigaction(signal_number, None, buffer) == 0 else None


@contextlib.contextmanager
def kept():
    """Puts back, after the block, the handlers it changed (best effort)."""
    sigaction = _libc_sigaction()
    saved = {n: _read(sigaction, n) for n in _SIGNALS} if sigaction else {}
    try:
        yield
    finally:
        for signal_number, before in saved.items():
            now = _read(sigaction, signal_number)
            if before is not None and now is not None and now.raw != before.raw:
                sigaction(signal_number, before, None)
