"""How the captured module is written (--format): each format is a module
format_<name>.py with one entry point, write(torch, module, path,
extra_files), so a new format is one new file. Optional hooks there:
CAPTURE (the module that captures the model: "capture", TorchScript's,
unless the format names another, such as "export_capture"),
and check_ready(torch, options) (refuses what the write would fail on,
before the model is built). This module does
what every format needs around it: room on the disk, the previous
artifact's page cache, and write errors as one clear line."""

import importlib
import os
import stat

from _pt2ts import reporting
from _pt2ts.errors import ConversionError


def _writer(format_name):
    return importlib.import_module("_pt2ts.format_" + format_name)


def capture_module(format_name):
    """The module whose capture() makes what this format writes."""
    return importlib.import_module("_pt2ts." + getattr(_writer(format_name), "CAPTURE", "capture"))


def is_torchscript(format_name):
    """Whether the format is captured by TorchScript (capture.py)."""
    return getattr(_writer(format_name), "CAPTURE", "capture") == "capture"


def check_ready(torch, format_name, options):
    check = getattr(_writer(format_name), "check_ready", None)
    if check is not None:
        check(torch, options)


def _check_free_space(module, staging_path, save_path):
    """torch 1.13 aborts the process when the disk fills up mid-write, so a
    save that cannot fit is refused up front (the tensors' bytes plus room
    for code and the zip's own records)."""
    # A ScriptModule's state_dict is a method, an ExportedProgram's a dict.
    state = module.state_dict() if callable(module.state_dict) else module.state_dict
    needed = sum(t.numel() * t.element_size() for t in state.values())
    needed = int(needed * 1.02) + (1 << 20)
    try:
        filesystem = os.statvfs(os.path.dirname(staging_path))
    except OSError:
        return
    free = filesystem.f_bavail * filesystem.f_frsize
    if free < needed:
        raise ConversionError(
            "not enough disk space for '%s': the artifact needs about %.1f MB, the folder's file "
            "system has %.1f MB free (No space left on device)"
            % (save_path, needed / 1e6, free / 1e6))


def _drop_cached_previous_artifact(save_path):
    """Asks the kernel to drop the page cache of the artifact this conversion
    replaces (the file itself is untouched and stays until the rename). The
    new file then reuses those just-freed pages instead of claiming as much
    fresh memory: measured on a 1 GB model on a VM, where fresh memory is
    slow, torch.jit.save took 0.6-0.8 s instead of 2.9-3.9 s. Best effort."""
    try:
        fd = os.open(save_path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    except OSError:
        pass
    finally:
        os.close(fd)


def write(torch, format_name, module, staging_path, save_path, extra_files):
    """Writes the module to staging_path (which has the final file name)."""
    writer = _writer(format_name)
    _check_free_space(module, staging_path, save_path)
    _drop_cached_previous_artifact(save_path)
    try:
        writer.write(torch, module, staging_path, extra_files)
    except OSError as exc:
        raise ConversionError("cannot write '%s': %s" % (save_path, exc.strerror or exc)) from None
    except RuntimeError as exc:
        message = str(exc)
        if "write" in message or "file" in message.split(":")[0]:
            raise ConversionError("cannot write '%s': %s"
                                  % (save_path, reporting.describe(exc))) from None
        raise ConversionError("%s cannot export the model: %s"
                              % (writer.WRITER, message.strip().splitlines()[0]),
                              message) from None
