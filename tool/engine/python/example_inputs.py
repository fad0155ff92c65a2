"""The input sets a conversion is checked on: the example inputs (random
tensors from --example-input shapes, or the tensors of an --example-inputs
file; tracing records the model on them) and the further --check-input /
--check-inputs sets. The eager model's outputs on each set are saved beside
the artifact for the LibTorch side to compare with."""

import collections.abc
import dataclasses

from _pt2ts import precision, reporting, weights
from _pt2ts.errors import ConversionError


@dataclasses.dataclass(frozen=True)
class InputSet:
    name: str  # "example inputs", "check inputs 2": for messages
    tensors: tuple  # one per forward argument

    def describe(self):
        return ", ".join("%s %s" % ("x".join(map(str, t.shape)) or "scalar",
                                    str(t.dtype).replace("torch.", "")) for t in self.tensors)

    def title(self):
        return "%s (%s)" % (self.name, self.describe())


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


def _tensors(torch, value, path, what):
    values = tuple(value) if isinstance(value, (list, tuple)) else (value,)
    if not all(isinstance(v, torch.Tensor) for v in values):
        raise ConversionError(
            "%s '%s' holds %s; it must hold a tensor or a tuple/list of tensors, one per "
            "forward argument" % (what, path, reporting.a_type(value)))
    return values


def example_set(torch, options):
    """The example inputs, or None without any."""
    if options.example_inputs:
        return InputSet("example inputs", _random_tensors(torch, options.example_inputs, seed=0))
    if not options.example_inputs_path:
        return None
    what = "example inputs file"
    loaded = weights.load_weights(options.example_inputs_path, options.trust_weights, what=what)
    return InputSet("example inputs", _tensors(torch, loaded, options.example_inputs_path, what))


def check_sets(torch, options):
    """The further input sets, only ever used to check (a list)."""
    found = []  # tuples of tensors
    if options.check_inputs:
        found.append(_random_tensors(torch, options.check_inputs, seed=1))
    path = options.check_inputs_path
    if path:
        what = "check inputs file"
        loaded = weights.load_weights(path, options.trust_weights, what=what)
        # A list of tuples/lists is several sets; anything else is one set.
        several = (isinstance(loaded, list) and loaded
                   and all(isinstance(item, (list, tuple)) for item in loaded))
        found.extend(_tensors(torch, item, path, what) for item in (loaded if several else [loaded]))
    if len(found) == 1:
        return [InputSet("check inputs", found[0])]
    return [InputSet("check inputs %d" % number, tensors)
            for number, tensors in enumerate(found, start=1)]


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


def run_eager(torch, model, input_set, dtype=""):
    """The eager model's outputs on one set, in the form LibTorch reads;
    dtype: the --dtype the model was cast to, or ""."""
    try:
        with torch.no_grad():
            outputs = model(*[t.clone() for t in input_set.tensors])
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: B902 - the user's forward may raise anything
        precision.check_eager_failure(torch, dtype, exc)
        raise ConversionError(
            "the eager model fails on the %s: %s; check their shapes and dtypes"
            % (input_set.title(), reporting.describe(exc)),
            reporting.user_traceback(exc)) from None
    return _plain(torch, outputs)


def write_check(torch, runs, check_path, mismatch_hint):
    """Saves each set with the eager outputs on it, and the advice to print
    when the artifact computes something else, for the LibTorch side.
    runs: [(InputSet, outputs)]."""
    # A tuple: LibTorch's unpickler lacks the APPEND opcode of one-item lists.
    record = {"sets": tuple({"name": input_set.title(), "inputs": tuple(input_set.tensors),
                             "outputs": outputs} for input_set, outputs in runs),
              "mismatch_hint": mismatch_hint}
    try:
        torch.save(record, check_path)
    except (OSError, RuntimeError) as exc:
        raise ConversionError("cannot write the example inputs beside the output: %s"
                              % reporting.describe(exc)) from None
