"""Reads a weights file (always onto the CPU), safely unless trusted; a
safetensors file or sharded index (no code in it) by safetensors_file.py."""

import inspect
import io
import zipfile

from _pt2ts import reporting, safe_pickle, safetensors_file
from _pt2ts.errors import ConversionError


def _is_torchscript_archive(path):
    try:
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as archive:
            return any(n.endswith("/constants.pkl") or "/code/" in n for n in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def _load_options(torch, weights_only):
    options = {"map_location": "cpu"}  # a checkpoint saved on a GPU converts anywhere
    if "weights_only" in inspect.signature(torch.load).parameters:
        options["weights_only"] = weights_only  # torch 2.6 defaults to True
    return options


def _honours_pickle_module(torch):
    """Whether torch.load uses the pickle_module it is given. torch 1.13
    silently replaces it with plain pickle unless weights_only=True; a probe
    naming a global only safe_pickle answers (with ProbeReached) tells,
    whatever the version."""
    probe = io.BytesIO(safe_pickle.PROBE)
    try:
        torch.load(probe, pickle_module=safe_pickle, **_load_options(torch, weights_only=False))
    except safe_pickle.ProbeReached:
        return True
    except Exception:  # noqa: B902 - plain pickle read the probe and torch rejected it
        return False
    return False


def _safe_load(torch, path):
    """torch.load with safe_pickle deciding what may be imported."""
    if _honours_pickle_module(torch):
        return torch.load(path, pickle_module=safe_pickle,
                          **_load_options(torch, weights_only=False))
    # torch 1.13: its weights_only path takes the unpickler from a module
    # global; run that path with ours in its place (its own refuses floats).
    serialization = torch.serialization
    original = serialization._weights_only_unpickler
    serialization._weights_only_unpickler = safe_pickle
    try:
        return torch.load(path, **_load_options(torch, weights_only=True))
    finally:
        serialization._weights_only_unpickler = original


def load_weights(path, trust, what="weights file", stand_ins=False):
    """What the file holds. Untrusted, classes and functions it names become
    safe_pickle's inert stand-ins; with stand_ins=False any stand-in is
    refused here, otherwise the caller refuses those in what it uses."""
    import torch

    if safetensors_file.is_safetensors(path):
        return safetensors_file.load(torch, path)  # tensors only: nothing to trust
    if _is_torchscript_archive(path):
        raise ConversionError(
            "%s '%s' is a TorchScript archive (an already converted model), not weights; "
            "pass the file written by torch.save(model.state_dict(), ...)" % (what, path))
    try:
        if trust:
            return torch.load(path, **_load_options(torch, weights_only=False))
        loaded = _safe_load(torch, path)
        return loaded if stand_ins else safe_pickle.refuse_stand_ins(loaded)
    except safe_pickle.ForbiddenGlobal as exc:
        raise ConversionError(
            "refusing to load %s '%s': unpickling it would import and run '%s'. "
            "Weights holding only tensors, numbers, strings and containers load as they are; "
            "if you trust this file, pass --trust-weights" % (what, path, exc.qualified_name)) from None
    except (ModuleNotFoundError, AttributeError) as exc:
        raise ConversionError(
            "cannot load %s '%s': it refers to Python code that cannot be found (%s); "
            "add the folder defining it with --pythonpath, or save only the state dict "
            "(torch.save(model.state_dict(), path))" % (what, path, reporting.describe(exc))) from None
    except MemoryError:
        raise ConversionError("not enough memory to load %s '%s'" % (what, path)) from None
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: B902 - corrupt files raise many different types
        raise ConversionError(
            "cannot read %s '%s': not a readable PyTorch file (%s)"
            % (what, path, _without_torch_advice(reporting.describe(exc)))) from None


def _without_torch_advice(text):
    # torch's weights_only path prefixes errors with advice to disable it,
    # which is wrong here: pt2ts's own loader decides what is safe.
    marker = "WeightsUnpickler error: "
    return text.split(marker, 1)[1] if marker in text else text
