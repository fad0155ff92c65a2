"""The conversion, step by step: import torch and the user's module, build the
model, load its weights, script it and save it where the front end asked."""

import gc
import os
import random
import re
import stat
import sys

from _pt2ts import (dependency_files, example_inputs, fast_build, metadata, module_loader,
                    reporting, signal_handlers, state_dict, torch_version, torchscript_support,
                    weights)
from _pt2ts.errors import ConversionError


def _import_torch(python_executable):
    try:
        import torch
    except ImportError as exc:
        raise ConversionError(
            "the Python at %s cannot import torch (%s); install python3-torch, or pass "
            "--python with a virtual environment made with --system-site-packages"
            % (python_executable, reporting.describe(exc))) from None
    return torch


def _script(torch, model, model_name):
    try:
        return torch.jit.script(model)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: B902 - torch raises several types here
        torchscript_support.raise_if_refused(exc)
        text = str(exc).strip("\n")
        headline = next((line for line in text.splitlines() if line.strip()), type(exc).__name__)
        location = re.search(r'File "([^"]+)", line (\d+)', text)
        where = " (%s, line %s)" % location.groups() if location else ""
        raise ConversionError(
            "torch.jit.script cannot compile model '%s'%s: %s"
            % (model_name, where, headline.strip().rstrip(":")),
            text) from None


def _check_free_space(scripted, staging_path, save_path):
    """torch 1.13 aborts the process when the disk fills up mid-write, so a
    save that cannot fit is refused up front (the tensors' bytes plus room
    for code and the zip's own records)."""
    needed = sum(t.numel() * t.element_size() for t in scripted.state_dict().values())
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


def _save(torch, scripted, staging_path, save_path, extra_files):
    _check_free_space(scripted, staging_path, save_path)
    _drop_cached_previous_artifact(save_path)
    try:
        torch.jit.save(scripted, staging_path, _extra_files=extra_files)
    except OSError as exc:
        raise ConversionError("cannot write '%s': %s" % (save_path, exc.strerror or exc)) from None
    except RuntimeError as exc:
        message = str(exc)
        if "write" in message or "file" in message.split(":")[0]:
            raise ConversionError("cannot write '%s': %s"
                                  % (save_path, reporting.describe(exc))) from None
        raise ConversionError("torch.jit.save cannot export the scripted model: %s"
                              % message.strip().splitlines()[0], message) from None


def _build(torch, factory, options, skip_init=False):
    # Fixed seeds: a model converted without weights keeps the same random
    # initial values, so its artifact is byte-reproducible too.
    random.seed(0)
    torch.manual_seed(0)
    model = module_loader.build_model(factory, options["model_name"], options["args"],
                                      options["kwargs"])
    reporting.step("built %s%s" % (type(model).__name__,
                                   " (initialisation skipped)" if skip_init else ""))
    return model


def _find_weights(options):
    path = options["state_dict_path"]
    loaded = weights.load_weights(path, options["trust_weights"])
    return state_dict.find_state_dict(loaded, options["state_key"], path)


def _build_with_weights(torch, factory, options):
    """The fast path (fast_build.py): returns the model with its weights in
    place, or None when the plain path must run."""
    if options["non_strict"] or not fast_build.enabled():
        return None
    with fast_build.SkippedInit() as init:
        model = _build(torch, factory, options, skip_init=True)
    found = _find_weights(options)
    found = state_dict.strip_wrapper_prefix(found, set(model.state_dict().keys()))
    if not fast_build.try_assign(model, found, init.skipped):
        reporting.step("the weights do not cover the model exactly: building it again normally")
        return None
    reporting.step("loaded %d tensors from %s (as the model's own)"
                   % (len(found), options["state_dict_path"]))
    return model


def convert(options):
    for folder in reversed(options["python_paths"]):
        sys.path.insert(0, os.path.abspath(folder))
    reporting.step("started Python %s (%s)" % (sys.version.split()[0], sys.executable))
    weights_path = options["state_dict_path"]
    weights_digest = metadata.FileDigest(weights_path) if weights_path else None
    same_version = torch_version.check(options["libtorch_version"],
                                       options["allow_torch_version_mismatch"],
                                       options["python_executable"])
    with signal_handlers.kept():  # libraries torch loads may take over SIGHUP
        torch = _import_torch(options["python_executable"])
    reporting.step("imported torch %s" % torch.__version__)
    global python_libtorch_path
    # Another version is another build: check the artifact in a fresh process.
    python_libtorch_path = torch_version.loaded_libtorch_path() if same_version else ""
    module_path, model_name = options["module_path"], options["model_name"]
    module = module_loader.import_user_module(module_path)
    reporting.step("imported %s" % module_path)
    factory = module_loader.find_model(module, model_name, module_path)
    model = _build_with_weights(torch, factory, options) if weights_path else None
    if model is None:
        model = _build(torch, factory, options)
        if weights_path:
            found = _find_weights(options)
            state_dict.load_into(model, found, not options["non_strict"], weights_path,
                                 model_name)
            reporting.step("loaded %d tensors from %s" % (len(found), weights_path))
            del found

    model.train(options["train"])
    scripted = _script(torch, model, model_name)
    reporting.step("scripted %s (%s mode)" % (model_name, "training" if options["train"] else "eval"))

    inputs_path = options["example_inputs_path"]
    if options["example_inputs"] or inputs_path:
        inputs = example_inputs.make_inputs(torch, options["example_inputs"], inputs_path,
                                            options["trust_weights"])
        described = ", ".join("%s %s" % (list(t.shape), str(t.dtype).replace("torch.", ""))
                              for t in inputs)
        example_inputs.write_check(torch, model, inputs, options["check_path"], described)
        global wrote_check
        wrote_check = True
        reporting.step("ran the eager model on the example inputs (%s)" % described)

    read = dependency_files.collect(extra=[p for p in (weights_path, inputs_path) if p])
    record = metadata.build(options, torch.__version__, module, model, read, weights_digest)
    _save(torch, scripted, options["staging_path"], options["save_path"],
          {metadata.METADATA_FILE: record})
    reporting.step("wrote the artifact (staged beside %s)" % options["save_path"])
    dependencies[:] = read
    # Free the model before LibTorch loads the artifact to check it: the peak
    # memory stays near one copy of the weights.
    del model, scripted
    gc.collect()
    return 0


# Results for the C++ side, filled on success: absolute paths of the files
# the conversion read, whether the check file was written, and the
# libtorch_cpu library Python's torch loaded.
dependencies = []
wrote_check = False
python_libtorch_path = ""


def main(options):
    """Runs the conversion; returns the process exit code."""
    reporting.configure(options["start_time"], options["verbose"])
    torchscript_support.install()
    try:
        return convert(options)
    except ConversionError as exc:
        reporting.error(exc.message, exc.details)
        return exc.exit_code
