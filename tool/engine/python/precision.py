"""--dtype: the model converted in another precision. Its floating
parameters and buffers are cast once the weights are in, and the floating
inputs of every check set with them, so that the eager model, the captured
model and the artifact's check all run in that precision."""

import dataclasses

from _pt2ts import reporting
from _pt2ts.errors import ConversionError


def cast_model(torch, model, name):
    """Casts the model's floating parameters and buffers (integer ones, such
    as batch norm's counters, keep their type) to the dtype `name`."""
    dtype = getattr(torch, name)
    # Module.to(dtype) would also cast complex tensors; _apply reaches the
    # same parameters and buffers and leaves everything else alone.
    model._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)
    reporting.step("cast the model's floating parameters and buffers to %s" % name)


def cast_inputs(torch, input_set, name):
    """The input set with its floating tensors in the dtype `name`."""
    if input_set is None:
        return None
    import torch.utils._pytree as pytree

    dtype = getattr(torch, name)

    def cast(value):
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            return value.to(dtype)
        return value

    # Nested arguments (a list of images, a dict of tensors) are cast too.
    args, kwargs = pytree.tree_map(cast, (tuple(input_set.args), dict(input_set.kwargs)))
    return dataclasses.replace(input_set, args=args, kwargs=kwargs)


def check_eager_failure(torch, name, exc):
    """Raises the clear error when the eager model failed because this torch
    has no kernel for one of its operations in the precision `name` (torch
    1.13 has no float16 convolution on the CPU, say): found by running the
    model, not by version."""
    text = str(exc)
    torch_name = {"float16": "Half", "bfloat16": "BFloat16", "float64": "Double",
                  "float32": "Float"}.get(name)
    if name and "not implemented for '%s'" % torch_name in text:
        first = text.strip().splitlines()[0]
        other = "bfloat16" if name == "float16" else "float32"
        raise ConversionError(
            "torch %s cannot run this model in %s on the CPU (%s); convert with --dtype %s "
            "instead" % (torch.__version__, name, first, other)) from None

