"""How the eager model becomes an ExportedProgram for the formats compiled
ahead of time (AOTInductor .pt2 packages): torch.export on the example
inputs, with the --dynamic-dim dimensions left free. One entry point:
capture(), like capture.py's for TorchScript."""

import inspect
import os
import re
import sysconfig
import traceback

from _pt2ts import reporting
from _pt2ts.capture import Captured
from _pt2ts.errors import ConversionError

# Non-strict export runs the model's Python as Python (the default of newer
# torch releases); given explicitly, so every torch version captures alike.
_STRICT = False


def _dim_text(spec):
    return "%d:%d" % spec[:2] + (":%d:%d" % spec[2:] if spec[2] is not None else "")


def _check_dims(dims, example):
    """The front end checks --dynamic-dim against --example-input shapes; an
    --example-inputs file is checked here, against its tensors."""
    for spec in dims:
        where = "--dynamic-dim %s: " % _dim_text(spec)
        arg, dim, low, high = spec
        arguments = example.arguments()
        if arg >= len(arguments):
            raise ConversionError(where + "there is no argument %d: the example inputs have %d "
                                  "(INPUT counts from 0, keyword arguments after the "
                                  "positional ones)" % (arg, len(arguments)), exit_code=2)
        name, value = arguments[arg]
        if not hasattr(value, "shape"):
            raise ConversionError(where + "%s is not a tensor (%s); --dynamic-dim applies to "
                                  "tensor arguments" % (name, type(value).__name__),
                                  exit_code=2)
        shape = tuple(value.shape)
        if dim >= len(shape):
            raise ConversionError(where + "argument %d (%s) has no dimension %d (DIM counts from "
                                  "0)" % (arg, "x".join(map(str, shape)) or "scalar", dim),
                                  exit_code=2)
        size = shape[dim]
        if size < 2:
            raise ConversionError(where + "the example input's size there is %d; torch.export "
                                  "treats sizes 0 and 1 as fixed: give the example input a size "
                                  "of at least 2 in that dimension" % size, exit_code=2)
        if low is not None and not low <= size <= high:
            raise ConversionError(where + "the example input's size there, %d, is outside "
                                  "%d..%d" % (size, low, high), exit_code=2)


def _shape_text(tensor):
    return "x".join(map(str, tensor.shape)) or "scalar"


def _check_sets_fit(dims, example, check_sets):
    """The package accepts the example inputs' dtypes and shapes, each
    --dynamic-dim dimension within its bounds: a check input set outside
    them is refused here, before anything is compiled, with the --dynamic-dim
    to add. The front end applies the same rule (CheckInputsFitShapes,
    tool/options/dynamic_dim.cpp) to --check-input shapes; this covers input
    files."""
    dynamic = {(arg, dim): (low, high) for arg, dim, low, high in dims}
    missing = {}  # (argument, dimension) -> [smallest, largest] size
    small_example = ""
    for check in check_sets:
        if [n for n, _ in check.arguments()] != [n for n, _ in example.arguments()]:
            continue  # the artifact check names the count (as for TorchScript)
        pairs = zip(example.arguments(), check.arguments())
        for arg, ((name, want), (_, got)) in enumerate(pairs):
            if not (hasattr(want, "shape") and hasattr(got, "shape")):
                _check_nested_fits(example, check, name, want, got)
                continue
            where = "the %s: %s (%s %s)" % (check.name, name, _shape_text(got),
                                            str(got.dtype).replace("torch.", ""))
            if got.dtype != want.dtype:
                raise ConversionError(
                    "%s: the example input there is %s; a .pt2 package accepts the example "
                    "inputs' dtypes only: give the check input the same dtype"
                    % (where, str(want.dtype).replace("torch.", "")), exit_code=2)
            if got.dim() != want.dim():
                raise ConversionError(
                    "%s: has %d dimensions and the example input (%s) %d; a .pt2 package "
                    "accepts the example inputs' numbers of dimensions only"
                    % (where, got.dim(), _shape_text(want), want.dim()), exit_code=2)
            for dim, (size, example_size) in enumerate(zip(got.shape, want.shape)):
                if (arg, dim) in dynamic:
                    low, high = dynamic[(arg, dim)]
                    if low is not None and not low <= size <= high:
                        raise ConversionError(
                            "--dynamic-dim %s: the check input's size there, %d (%s), is "
                            "outside %d..%d: widen the bounds"
                            % (_dim_text((arg, dim, low, high)), size, where, low, high),
                            exit_code=2)
                    continue
                if size == example_size:
                    continue
                sizes = missing.setdefault((arg, dim), [example_size, example_size])
                sizes[0], sizes[1] = min(sizes[0], size), max(sizes[1], size)
                if example_size < 2 and not small_example:
                    small_example = ("; torch.export treats sizes 0 and 1 as fixed: give the "
                                     "example input argument %d a size of at least 2 in "
                                     "dimension %d too" % (arg, dim))
    if missing:
        keys = sorted(missing)
        raise ConversionError(
            "the check inputs differ from the example inputs in %s, and a .pt2 package accepts "
            "there only the example inputs' size (it is compiled for the example shapes): add "
            "%s (bounds covering the sizes given; widen them to the sizes your program "
            "passes), or check at the example's sizes%s"
            % (", ".join("dimension %d of argument %d" % (d, a) for a, d in keys),
               " ".join("--dynamic-dim %d:%d:%d:%d" % (a, d, missing[(a, d)][0],
                                                       max(missing[(a, d)][1], 2))
                        for a, d in keys), small_example), exit_code=2)


def _check_nested_fits(example, check, name, want, got):
    """A tuple/list/dict argument: --dynamic-dim cannot reach inside it, so
    the package accepts only the example's structure, shapes and dtypes."""
    from _pt2ts import pytree_paths
    want_leaves = pytree_paths.flatten(want, name)
    got_leaves = pytree_paths.flatten(got, name)
    same = [p for p, _ in want_leaves] == [p for p, _ in got_leaves] and all(
        w.shape == g.shape and w.dtype == g.dtype
        for (_, w), (_, g) in zip(want_leaves, got_leaves))
    if not same:
        raise ConversionError(
            "the %s differ from the %s in %s (%s instead of %s); a .pt2 package accepts there "
            "only the example's tensors and shapes (--dynamic-dim applies to tensor arguments "
            "only): check at the example's sizes, or write a TorchScript file (.pt)"
            % (check.name, example.name, name, check.describe(), example.describe()),
            exit_code=2)


def _dynamic_shapes(torch, dims, example, model):
    """torch.export's dynamic_shapes: per argument, {dimension: Dim} or None;
    by parameter name when there are keyword arguments."""
    if not dims:
        return None
    shapes = [None] * len(example.arguments())
    for arg, dim, low, high in dims:
        bounds = {} if low is None else {"min": low, "max": high}
        shapes[arg] = dict(shapes[arg] or {})
        shapes[arg][dim] = torch.export.Dim("input%d_dim%d" % (arg, dim), **bounds)
    if not example.kwargs:
        return tuple(shapes)
    names = list(inspect.signature(model.forward).parameters)[:len(example.args)]
    return dict(zip(names + list(example.kwargs), shapes))


def _outside(folders, filename):
    filename = os.path.abspath(filename)
    return not filename.startswith("<") and not any(filename.startswith(f) for f in folders)


def _user_location(torch, exc, text):
    """' (model.py, line 12)': the innermost frame in the user's code, from
    the traceback or, for errors torch re-raises, from its message."""
    folders = [os.path.join(os.path.dirname(os.path.abspath(torch.__file__)), ""),
               os.path.join(os.path.abspath(sysconfig.get_paths()["stdlib"]), "")]
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith("<") and _outside(folders, f.filename)]
    if frames:
        return " (%s, line %s)" % (frames[-1].filename, frames[-1].lineno)
    found = [m for m in re.finditer(r'File "([^"]+)", line (\d+)', text)
             if _outside(folders, m.group(1))]
    return " (%s, line %s)" % found[-1].groups() if found else ""


def _headline(text, exc):
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("Traceback"):
            return line.rstrip(":")
    return type(exc).__name__


def capture(torch, model, options, example, check_sets):
    """Returns a Captured whose module is the torch.export.ExportedProgram."""
    name = options.model_name
    _check_dims(options.dynamic_dims, example)
    _check_sets_fit(options.dynamic_dims, example, check_sets)
    shapes = _dynamic_shapes(torch, options.dynamic_dims, example, model)
    try:
        with reporting.quiet_torch_logs():
            exported = torch.export.export(model, tuple(example.args), kwargs=example.kwargs,
                                           dynamic_shapes=shapes, strict=_STRICT)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: B902 - export raises many types
        text = str(exc).strip()
        headline = _headline(text, exc)
        details = text.split(headline, 1)[1].strip() if text.startswith(headline) else text
        raise ConversionError(
            "torch.export cannot capture model '%s'%s: %s"
            % (name, _user_location(torch, exc, text), headline), details) from None
    reporting.step("exported %s with torch.export on the %s%s"
                   % (name, example.title(),
                      "; dynamic: " + ", ".join(_dim_text(d) for d in options.dynamic_dims)
                      if options.dynamic_dims else ""))
    return Captured(exported, "export", None)
