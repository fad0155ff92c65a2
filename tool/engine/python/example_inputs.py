"""Example inputs for the check against eager PyTorch: random tensors from
--example-input shapes, or the tensors of an --example-inputs file. The eager
model's outputs on them are saved beside the artifact for the LibTorch side to
compare with."""

import collections.abc

from _pt2ts import reporting, weights
from _pt2ts.errors import ConversionError


def _random_tensor(torch, shape, dtype_name, generator):
    dtype = getattr(torch, dtype_name)
    if dtype.is_floating_point:
        return torch.randn(shape, generator=generator).to(dtype)
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=generator).bool()
    return torch.randint(0, 10, shape, generator=generator).to(dtype)


def make_inputs(torch, specs, path, trust):
    """The forward arguments, as a tuple of tensors."""
    if specs:
        generator = torch.Generator().manual_seed(0)
        return tuple(_random_tensor(torch, shape, dtype, generator) for shape, dtype in specs)
    loaded = weights.load_weights(path, trust, what="example inputs file")
    values = tuple(loaded) if isinstance(loaded, (list, tuple)) else (loaded,)
    if not all(isinstance(v, torch.Tensor) for v in values):
        raise ConversionError(
            "example inputs file '%s' holds %s; it must hold a tensor or a tuple/list of "
            "tensors, one per forward argument" % (path, reporting.a_type(loaded)))
    return values


def _plain(torch, value, where="output"):
    """Outputs as types LibTorch can read back: tensors, tuples, lists, dicts
    with str/int keys, numbers, strings, None."""
    if isinstance(value, torch.Tensor):
        return value.detach().contiguous()
    if isinstance(value, tuple):  # namedtuples included
        return tuple(_plain(torch, v, "%s[%d]" % (where, i)) for i, v in enumerate(value))
    if isinstance(value, list):
        # As a tuple: LibTorch's unpickler lacks the APPEND opcode Python
        # uses for one-element lists; the comparison treats both alike.
        return tuple(_plain(torch, v, "%s[%d]" % (where, i)) for i, v in enumerate(value))
    if isinstance(value, collections.abc.Mapping):
        return {k: _plain(torch, v, "%s[%r]" % (where, k)) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ConversionError("cannot compare %s: the model returns a %s (supported: tensors, "
                          "tuples, lists, dicts of them)" % (where, type(value).__name__))


def write_check(torch, model, inputs, check_path, describe_inputs):
    """Runs the eager model on the inputs and saves both for LibTorch."""
    try:
        with torch.no_grad():
            outputs = model(*[t.clone() for t in inputs])
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: B902 - the user's forward may raise anything
        raise ConversionError(
            "the eager model fails on the example inputs (%s): %s; check their shapes and dtypes"
            % (describe_inputs, reporting.describe(exc)),
            reporting.user_traceback(exc)) from None
    try:
        torch.save({"inputs": tuple(inputs), "outputs": _plain(torch, outputs)}, check_path)
    except (OSError, RuntimeError) as exc:
        raise ConversionError("cannot write the example inputs beside the output: %s"
                              % reporting.describe(exc)) from None
