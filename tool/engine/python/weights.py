"""Reads a weights file (always onto the CPU), safely unless trusted."""

import inspect
import zipfile

from _pt2ts import reporting, safe_pickle
from _pt2ts.errors import ConversionError


def _is_torchscript_archive(path):
    try:
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as archive:
            return any(n.endswith("/constants.pkl") or "/code/" in n for n in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def load_weights(path, trust):
    import torch

    if _is_torchscript_archive(path):
        raise ConversionError(
            "weights file '%s' is a TorchScript archive (an already converted model), not weights; "
            "pass the file written by torch.save(model.state_dict(), ...)" % path)
    options = {"map_location": "cpu"}  # a checkpoint saved on a GPU converts anywhere
    if "weights_only" in inspect.signature(torch.load).parameters:
        options["weights_only"] = False  # our own allow-list decides (torch 2.x)
    if not trust:
        options["pickle_module"] = safe_pickle
    try:
        return torch.load(path, **options)
    except safe_pickle.ForbiddenGlobal as exc:
        raise ConversionError(
            "refusing to load weights file '%s': unpickling it would import and run '%s'. "
            "Weights holding only tensors, numbers, strings and containers load as they are; "
            "if you trust this file, pass --trust-weights" % (path, exc.qualified_name)) from None
    except (ModuleNotFoundError, AttributeError) as exc:
        raise ConversionError(
            "cannot load weights file '%s': it refers to Python code that cannot be found (%s); "
            "add the folder defining it with --pythonpath, or save only the state dict "
            "(torch.save(model.state_dict(), path))" % (path, reporting.describe(exc))) from None
    except MemoryError:
        raise ConversionError("not enough memory to load weights file '%s'" % path) from None
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: B902 - corrupt files raise many different types
        raise ConversionError(
            "cannot read weights file '%s': not a readable PyTorch checkpoint (%s)"
            % (path, reporting.describe(exc))) from None
