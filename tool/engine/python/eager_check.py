"""The eager model's outputs on each input set, and the check file that
carries them, with the inputs, to the LibTorch side
(tool/libtorch/artifact_check.cpp). Outputs are flattened by
torch.utils._pytree (pytree_paths.py) into leaves named by their path
(output[0], output['boxes'], output.last_hidden_state); the C++ side
flattens what the artifact returns by the same rules (tuples, lists and
dicts in order) and compares leaf by leaf, naming each by its eager path."""

from _pt2ts import precision, pytree_paths, reporting
from _pt2ts.errors import ConversionError


def _leaf(torch, path, value):
    if isinstance(value, torch.Tensor):
        return value.detach().contiguous()
    if isinstance(value, (bool, int, float, str)):
        return value
    raise ConversionError(
        "cannot compare %s: the model returns %s there, which torch.utils._pytree does not "
        "flatten (supported: tensors, numbers, strings and None in tuples, lists, dicts, named "
        "tuples and containers registered with torch.utils._pytree)"
        % (path, reporting.a_type(value)))


def output_leaves(torch, outputs):
    """[(path, leaf)] of the eager outputs, in the form LibTorch reads. None
    is no leaf (an empty node in newer pytree, a leaf in older: left out on
    both sides, so every torch compares alike)."""
    return [(path, _leaf(torch, path, leaf))
            for path, leaf in pytree_paths.flatten(outputs, "output") if leaf is not None]


def run_eager(torch, model, input_set, dtype=""):
    """The eager model's outputs on one set, flattened (output_leaves);
    dtype: the --dtype the model was cast to, or ""."""
    args, kwargs = input_set.cloned()
    try:
        with torch.no_grad():
            outputs = model(*args, **kwargs)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: B902 - the user's forward may raise anything
        precision.check_eager_failure(torch, dtype, exc)
        raise ConversionError(
            "the eager model fails on the %s: %s; check their shapes and dtypes"
            % (input_set.title(), reporting.describe(exc)),
            reporting.user_traceback(exc)) from None
    return output_leaves(torch, outputs)


def _returns_a_pair(module):
    """Whether the scripted forward is declared to return a 2-tuple."""
    try:
        [returned] = module.forward.schema.returns
        return len(returned.type.elements()) == 2
    except (AttributeError, RuntimeError, TypeError, ValueError):
        return False


def scripted_detections_element(model, captured):
    """torchvision's detection models (Faster R-CNN, SSD, RetinaNet, FCOS...)
    return (losses, detections) when scripted and the detections alone in
    eager evaluation, by design (their eager_outputs()): the artifact's
    element 1 is what corresponds to the eager outputs. None otherwise."""
    if (captured.method != "script" or not callable(getattr(model, "eager_outputs", None))
            or not _returns_a_pair(captured.module)):
        return None
    reporting.note("%s returns (losses, detections) when scripted and the detections alone in "
                   "eager Python (torchvision's detection models do so by design): the "
                   "artifact's detections, its output[1], are compared with the eager outputs"
                   % type(model).__name__)
    return 1


def _encoded(torch, value):
    """An input as LibTorch's unpickler reads it back with its Python type:
    containers as tagged tuples ('list', items), ('tuple', items), ('dict',
    keys, values). LibTorch reads Python lists as lists of Any (and lacks
    the APPEND opcode of one-item lists); the C++ side rebuilds typed ones."""
    if isinstance(value, torch.Tensor):
        return value.detach().contiguous()
    if isinstance(value, dict):
        return ("dict", tuple(value.keys()), tuple(_encoded(torch, v) for v in value.values()))
    return ("list" if isinstance(value, list) else "tuple",
            tuple(_encoded(torch, v) for v in value))


def write_check(torch, runs, check_path, mismatch_hint, artifact_element=None):
    """Saves each set with the eager outputs on it, and the advice to print
    when the artifact computes something else, for the LibTorch side.
    runs: [(InputSet, output leaves)]; artifact_element: compare this
    element of the artifact's outputs (scripted_detections_element)."""
    # Tuples: LibTorch's unpickler lacks the APPEND opcode of one-item lists.
    record = {"sets": tuple({"name": input_set.title(),
                             "args": tuple(_encoded(torch, a) for a in input_set.args),
                             "kwargs": (tuple(input_set.kwargs.keys()),
                                        tuple(_encoded(torch, v)
                                              for v in input_set.kwargs.values())),
                             "output_paths": tuple(path for path, _ in leaves),
                             "outputs": tuple(leaf for _, leaf in leaves)}
                            for input_set, leaves in runs),
              "artifact_element": -1 if artifact_element is None else artifact_element,
              "mismatch_hint": mismatch_hint}
    try:
        torch.save(record, check_path)
    except (OSError, RuntimeError) as exc:
        raise ConversionError("cannot write the example inputs beside the output: %s"
                              % reporting.describe(exc)) from None
