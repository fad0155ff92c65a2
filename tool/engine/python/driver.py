"""The conversion, step by step: import torch and the user's module, build the
model, load its weights, script it and save it where the front end asked."""

import copy
import gc
import os
import random
import sys

from _pt2ts import (artifact_formats, eager_check, example_inputs, fast_build, inventory, metadata,
                    module_loader, path_prefix_map, precision, reporting, safetensors_file,
                    signal_handlers, state_dict, torch_version, torchscript_support, weights)
from _pt2ts.errors import ConversionError
from _pt2ts.options import Options, Result


def _import_torch(python_executable):
    try:
        import torch
    except ImportError as exc:
        raise ConversionError(
            "the Python at %s cannot import torch (%s); install python3-torch, or pass "
            "--python with a virtual environment made with --system-site-packages"
            % (python_executable, reporting.describe(exc))) from None
    return torch


def _build(torch, factory, options, skip_init=False):
    # Fixed seeds: a model converted without weights keeps the same random
    # initial values, so its artifact is byte-reproducible too.
    random.seed(0)
    torch.manual_seed(0)
    # Copies: the metadata records the values given, even if the model
    # changes a list it was passed.
    model = module_loader.build_model(factory, options.model_name, copy.deepcopy(options.args),
                                      copy.deepcopy(options.kwargs))
    reporting.step("built %s%s" % (type(model).__name__,
                                   " (initialisation skipped)" if skip_init else ""))
    return model


def _find_weights(torch, options, model):
    path = options.state_dict_path
    # Stand-ins for the classes a checkpoint names (its configuration, say)
    # are fine: find_state_dict refuses them in the state dict it returns.
    loaded = weights.load_weights(path, options.trust_weights, stand_ins=True)
    found = state_dict.find_state_dict(loaded, options.state_key, path)
    del loaded
    if safetensors_file.is_safetensors(path):
        # Published half-precision weights into a float32 model: converted, said.
        found = safetensors_file.match_model_dtypes(torch, found, model,
                                                    state_dict.WRAPPER_PREFIXES, path)
    return found


def _build_with_weights(torch, factory, options):
    """The fast path (fast_build.py): returns the model with its weights in
    place, or None when the plain path must run, and the state dict found
    (None if not looked for), which the plain path then uses (its notes said
    once)."""
    if options.non_strict or not fast_build.enabled():
        return None, None
    with fast_build.SkippedInit() as init:
        model = _build(torch, factory, options, skip_init=True)
    found = _find_weights(torch, options, model)
    found = state_dict.strip_wrapper_prefix(found, set(model.state_dict().keys()))
    if not fast_build.try_assign(model, found, init.skipped):
        reporting.step("the weights do not cover the model exactly: building it again normally")
        return None, found
    reporting.step("loaded %d tensors from %s (as the model's own)"
                   % (len(found), options.state_dict_path))
    return model, None


def _mismatch_hint(captured):
    """What to look for when LibTorch computes something else than eager."""
    if captured.method == "export":
        return ("AOTInductor compiled the exported graph into code that computes something else "
                "than eager PyTorch; if the difference is acceptable rounding, raise "
                "--rtol/--atol.")
    if captured.method == "trace":
        return ("The trace recorded one path through the model for the example inputs' shapes "
                "and values (look for the tracer warnings above: Python bools, ints or lists "
                "taken from tensors); script the model, or make that code tensor-only; if the "
                "difference is acceptable rounding, raise --rtol/--atol.")
    return ("TorchScript compiled the model differently from how Python runs it (look for "
            "Python-only logic, @torch.jit.ignore/@torch.jit.unused, or "
            "torch.jit.is_scripting() branches); if the difference is acceptable rounding, "
            "raise --rtol/--atol.")


def convert(options):
    """Runs the conversion; returns its Result."""
    for folder in reversed(options.python_paths):
        sys.path.insert(0, os.path.abspath(folder))
    reporting.step("started Python %s (%s)" % (sys.version.split()[0], sys.executable))
    read = inventory.Inventory(options)  # starts hashing the weights
    same_version = torch_version.check(options.libtorch_version,
                                       options.allow_torch_version_mismatch,
                                       options.python_executable)
    with signal_handlers.kept():  # libraries torch loads may take over SIGHUP
        torch = _import_torch(options.python_executable)
    reporting.step("imported torch %s" % torch.__version__)
    artifact_formats.check_ready(torch, options.format, options)
    path_prefix_map.install(options.path_prefix_maps)
    # Another version is another build: check the artifact in a fresh process.
    python_libtorch_path = torch_version.loaded_libtorch_path() if same_version else ""
    module_path, model_name = options.module_path, options.model_name
    module = module_loader.import_user_module(module_path)
    reporting.step("imported %s" % module_path)
    factory = module_loader.find_model(module, model_name, module_path)
    weights_path = options.state_dict_path
    model, found = _build_with_weights(torch, factory, options) if weights_path else (None, None)
    if model is None:
        model = _build(torch, factory, options)
        if weights_path:
            found = found if found is not None else _find_weights(torch, options, model)
            state_dict.load_into(model, found, not options.non_strict, weights_path, model_name)
            reporting.step("loaded %d tensors from %s" % (len(found), weights_path))
            del found

    model.train(options.train)
    example = example_inputs.example_set(torch, options, model)
    checks = example_inputs.check_sets(torch, options, model)
    if options.dtype:
        precision.cast_model(torch, model, options.dtype)
        example = precision.cast_inputs(torch, example, options.dtype)
        checks = [precision.cast_inputs(torch, check, options.dtype) for check in checks]
    # The eager outputs first, on the untouched model: the check compares the
    # artifact with them on every input set.
    runs = [(input_set, eager_check.run_eager(torch, model, input_set, options.dtype))
            for input_set in ([example] if example else []) + checks]
    if runs:
        reporting.step("ran the eager model on the %s"
                       % ", ".join(input_set.title() for input_set, _ in runs))
    # The model's files, before capturing: torch.export imports a module of
    # its own from a temporary folder (_remote_module_non_scriptable.py),
    # which is no source of the model and must not enter the depfile.
    files = read.complete()
    capturer = artifact_formats.capture_module(options.format)
    captured = capturer.capture(torch, model, options, example, checks)
    if runs:
        eager_check.write_check(torch, runs, options.check_path, _mismatch_hint(captured),
                                eager_check.scripted_detections_element(model, captured))

    record = metadata.build(options, torch.__version__, module, model, files, captured)
    artifact_formats.write(torch, options.format, captured.module, options.staging_path,
                           options.save_path, {metadata.METADATA_FILE: record})
    reporting.step("wrote the artifact (staged beside %s)" % options.save_path)
    # Free the model before LibTorch loads the artifact to check it: the peak
    # memory stays near one copy of the weights.
    del model, captured
    gc.collect()
    return Result(exit_code=0, inputs=files, wrote_check=bool(runs),
                  python_libtorch_path=python_libtorch_path)


def main(values, schema):
    """Runs the conversion on the front end's options (a dict, with the
    schema of their types); returns a Result, whose exit_code is the
    process's."""
    options = Options.from_front_end(values, schema)
    reporting.configure(options.start_time, options.verbose)
    torchscript_support.install(writes_torchscript=artifact_formats.is_torchscript(options.format))
    try:
        return convert(options)
    except ConversionError as exc:
        reporting.error(exc.message, exc.details)
        return Result(exit_code=exc.exit_code)
