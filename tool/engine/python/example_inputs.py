"""The input sets a conversion is checked on: the example inputs (random
tensors from --example-input shapes, or what an --example-inputs file
holds; tracing records the model on them) and the further --check-input /
--check-inputs sets. A set is the forward's positional arguments and its
keyword arguments; each argument a tensor or a tuple, list or dict of them
(a detection model's list of images). The eager model's outputs on each set
are saved beside the artifact for the LibTorch side to compare with
(eager_check.py)."""

import dataclasses
import inspect

from _pt2ts import reporting, weights
from _pt2ts.errors import ConversionError

FORMS = ("a tensor, a tuple/list of positional arguments, a dict of keyword arguments, or a "
         "tuple (positional arguments, keyword arguments); each argument a tensor or a "
         "tuple/list/dict of tensors")


def _describe(torch, value):
    if isinstance(value, torch.Tensor):
        return "%s %s" % ("x".join(map(str, value.shape)) or "scalar",
                          str(value.dtype).replace("torch.", ""))
    if isinstance(value, dict):
        return "{%s}" % ", ".join("%r: %s" % (k, _describe(torch, v)) for k, v in value.items())
    inner = ", ".join(_describe(torch, v) for v in value)
    return ("[%s]" if isinstance(value, list) else "(%s)") % inner


@dataclasses.dataclass(frozen=True)
class InputSet:
    name: str  # "example inputs", "check inputs 2": for messages
    args: tuple  # positional arguments
    kwargs: dict = dataclasses.field(default_factory=dict)  # keyword arguments, in order

    def arguments(self):
        """[(name, value)]: the positional arguments ("argument 0", ...), then
        the keyword ones; what --dynamic-dim's INPUT counts."""
        return ([("argument %d" % i, v) for i, v in enumerate(self.args)]
                + [(k, v) for k, v in self.kwargs.items()])

    def describe(self):
        import torch
        return ", ".join(_describe(torch, v) if name.startswith("argument ")
                         else "%s=%s" % (name, _describe(torch, v))
                         for name, v in self.arguments())

    def title(self):
        return "%s (%s)" % (self.name, self.describe())

    def cloned(self):
        """(args, kwargs) with every tensor cloned: a forward that changes its
        inputs in place leaves the set as it was."""
        import torch
        import torch.utils._pytree as pytree
        return pytree.tree_map(lambda v: v.clone() if isinstance(v, torch.Tensor) else v,
                               (tuple(self.args), dict(self.kwargs)))


def _random_tensor(torch, shape, dtype_name, generator):
    dtype = getattr(torch, dtype_name)
    if dtype.is_floating_point:
        return torch.randn(shape, generator=generator).to(dtype)
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=generator).bool()
    return torch.randint(0, 10, shape, generator=generator).to(dtype)


def _random_tensors(torch, specs, seed):
    generator = torch.Generator().manual_seed(seed)
    return tuple(_random_tensor(torch, shape, dtype, generator) for shape, dtype in specs)


def _is_keywords(value):
    return isinstance(value, dict) and all(isinstance(k, str) for k in value)


def _check_argument(torch, value, where, path, what):
    """An argument is a tensor or a tuple/list/dict of them (nested)."""
    if isinstance(value, (list, tuple, dict)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            _check_argument(torch, item, "%s[%r]" % (where, key), path, what)
        return
    if not isinstance(value, torch.Tensor):
        raise ConversionError("%s '%s': %s is %s; the file must hold %s"
                              % (what, path, where, reporting.a_type(value), FORMS))


def _split(torch, value, path, what):
    """(args, kwargs) from what a file holds for one set."""
    if isinstance(value, torch.Tensor):
        args, kwargs = (value,), {}
    elif (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], (tuple, list))
          and _is_keywords(value[1])):
        args, kwargs = tuple(value[0]), dict(value[1])
    elif _is_keywords(value):
        args, kwargs = (), dict(value)
    elif isinstance(value, (tuple, list)):
        args, kwargs = tuple(value), {}
    else:
        raise ConversionError("%s '%s' holds %s; it must hold %s"
                              % (what, path, reporting.a_type(value), FORMS))
    for name, argument in ([("argument %d" % i, a) for i, a in enumerate(args)]
                           + list(kwargs.items())):
        _check_argument(torch, argument, name, path, what)
    return args, kwargs


def _parameters(model):
    try:
        return list(inspect.signature(model.forward).parameters.values())
    except (TypeError, ValueError):
        return None


def _in_forward_order(model, args, kwargs):
    """(args, kwargs) with the keyword arguments in the forward's order, and
    those that fill the parameters right after the positional ones made
    positional: every way of capturing takes positional arguments (torch
    1.13's tracer takes nothing else), and a C++ program passes them so."""
    parameters = _parameters(model)
    if not kwargs or parameters is None:
        return args, kwargs
    order = {p.name: i for i, p in enumerate(parameters)}
    kwargs = dict(sorted(kwargs.items(), key=lambda item: order.get(item[0], len(order))))
    args = list(args)
    positional = [p for p in parameters
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    while len(args) < len(positional) and positional[len(args)].name in kwargs:
        args.append(kwargs.pop(positional[len(args)].name))
    return tuple(args), kwargs


def _loaded_sets(torch, path, options, several_allowed, what):
    loaded = weights.load_weights(path, options.trust_weights, what=what)
    # A list of sets (tuples, lists, dicts) is several sets; anything else is one.
    several = (several_allowed and isinstance(loaded, list) and loaded
               and all(isinstance(item, (list, tuple, dict)) for item in loaded))
    return [_split(torch, item, path, what) for item in (loaded if several else [loaded])]


def example_set(torch, options, model):
    """The example inputs, or None without any."""
    if options.example_inputs:
        return InputSet("example inputs", _random_tensors(torch, options.example_inputs, seed=0))
    if not options.example_inputs_path:
        return None
    [(args, kwargs)] = _loaded_sets(torch, options.example_inputs_path, options, False,
                                    "example inputs file")
    return InputSet("example inputs", *_in_forward_order(model, args, kwargs))


def check_sets(torch, options, model):
    """The further input sets, only ever used to check (a list)."""
    found = []  # (args, kwargs)
    if options.check_inputs:
        found.append((_random_tensors(torch, options.check_inputs, seed=1), {}))
    if options.check_inputs_path:
        found.extend(_loaded_sets(torch, options.check_inputs_path, options, True,
                                  "check inputs file"))
    found = [_in_forward_order(model, args, kwargs) for args, kwargs in found]
    if len(found) == 1:
        return [InputSet("check inputs", *found[0])]
    return [InputSet("check inputs %d" % number, args, kwargs)
            for number, (args, kwargs) in enumerate(found, start=1)]

