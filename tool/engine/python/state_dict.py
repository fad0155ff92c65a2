"""Finds the state dict inside a loaded weights file and loads it into the
model, strictly unless told otherwise."""

import collections.abc

from _pt2ts import reporting
from _pt2ts.errors import ConversionError

# Keys under which training scripts commonly store the model's state dict,
# tried in this order when the file itself is not a state dict.
WELL_KNOWN_KEYS = ("state_dict", "model_state_dict", "model_state", "model", "net", "network",
                   "module", "weights", "params")

# Prefixes wrappers add to every key: DataParallel/DistributedDataParallel
# ("module.") and torch.compile ("_orig_mod.").
WRAPPER_PREFIXES = ("module.", "_orig_mod.")

_SHOWN = 5  # entries listed per kind of mismatch


def _is_state_dict(value):
    import torch

    return isinstance(value, collections.abc.Mapping) and all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())


def _as_state_dict(value):
    """A state dict from a state dict or a whole pickled model, else None."""
    import torch

    if isinstance(value, torch.nn.Module):
        return value.state_dict()
    return value if _is_state_dict(value) else None


def _key_list(mapping):
    keys = [repr(k) for k in list(mapping.keys())[:20]]
    more = len(mapping) - len(keys)
    return ", ".join(keys) + (", ... (%d more)" % more if more > 0 else "")


def find_state_dict(loaded, state_key, path):
    """Returns the state dict held by a loaded weights file."""
    if state_key:
        if not isinstance(loaded, collections.abc.Mapping):
            raise ConversionError(
                "--state_key '%s' given, but weights file '%s' holds %s, not a dict"
                % (state_key, path, reporting.a_type(loaded)))
        if state_key not in loaded:
            raise ConversionError(
                "weights file '%s' has no key '%s'; its keys are: %s"
                % (path, state_key, _key_list(loaded)))
        found = _as_state_dict(loaded[state_key])
        if found is None:
            raise ConversionError(
                "checkpoint['%s'] in '%s' is %s, not a state dict (a dict of tensors)"
                % (state_key, path, reporting.a_type(loaded[state_key])))
        return found
    found = _as_state_dict(loaded)
    if found is not None:
        return found
    if isinstance(loaded, collections.abc.Mapping):
        for key in WELL_KNOWN_KEYS:
            found = _as_state_dict(loaded.get(key)) if key in loaded else None
            if found is not None:
                reporting.note("using the state dict under key '%s' of weights file '%s'"
                               % (key, path))
                return found
        candidates = [k for k, v in loaded.items() if _as_state_dict(v) is not None]
        hint = (" (try --state_key %s)" % candidates[0]) if candidates else ""
        raise ConversionError(
            "cannot find a state dict in weights file '%s': it is a dict whose keys are %s, "
            "and none of the usual keys (%s) holds a dict of tensors; pass --state_key KEY%s"
            % (path, _key_list(loaded), ", ".join(WELL_KNOWN_KEYS), hint))
    raise ConversionError(
        "weights file '%s' holds %s, not a state dict (a dict of tensors)"
        % (path, reporting.a_type(loaded)))


def strip_wrapper_prefix(state_dict, model_keys):
    """Removes a wrapper prefix from the keys when that makes more keys match;
    only ever a prefix, never a substring ('submodule.w' stays)."""
    best, best_matches = state_dict, len(model_keys.intersection(state_dict))
    for prefix in WRAPPER_PREFIXES:
        if not any(k.startswith(prefix) for k in state_dict):
            continue
        stripped = collections.OrderedDict(
            (k[len(prefix):] if k.startswith(prefix) else k, v) for k, v in state_dict.items())
        matches = len(model_keys.intersection(stripped))
        if matches > best_matches:
            metadata = getattr(state_dict, "_metadata", None)
            if metadata is not None:
                stripped._metadata = collections.OrderedDict(
                    (k[len(prefix):] if k.startswith(prefix) else ("" if k + "." == prefix else k), v)
                    for k, v in metadata.items())
            best, best_matches = stripped, matches
            reporting.step("removed the '%s' prefix from the weights' keys" % prefix)
    return best


def _listing(title, entries):
    if not entries:
        return ""
    shown = ", ".join(entries[:_SHOWN])
    more = " ... and %d more" % (len(entries) - _SHOWN) if len(entries) > _SHOWN else ""
    return "  %s (%d): %s%s\n" % (title, len(entries), shown, more)


def _count(number, singular, plural):
    return "%d %s" % (number, singular if number == 1 else plural)


def load_into(model, state_dict, strict, path, model_name):
    """Loads the state dict into the model; a mismatch is an error when strict
    and a warning otherwise."""
    model_state = model.state_dict()
    state_dict = strip_wrapper_prefix(state_dict, set(model_state.keys()))
    mismatched = [k for k, v in state_dict.items()
                  if k in model_state and tuple(v.shape) != tuple(model_state[k].shape)]
    loadable = collections.OrderedDict((k, v) for k, v in state_dict.items() if k not in mismatched)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        loadable._metadata = metadata
    result = model.load_state_dict(loadable, strict=False)
    missing = [k for k in result.missing_keys if k not in mismatched]
    unexpected = list(result.unexpected_keys)
    shapes = ["%s: weights %s, model %s" % (k, list(state_dict[k].shape),
                                            list(model_state[k].shape)) for k in mismatched]
    if not (missing or unexpected or shapes):
        return
    summary = ", ".join(s for s in (
        _count(len(missing), "missing key", "missing keys") if missing else "",
        _count(len(unexpected), "unexpected key", "unexpected keys") if unexpected else "",
        _count(len(shapes), "shape mismatch", "shape mismatches") if shapes else "") if s)
    details = (_listing("missing keys (in the model, not in the weights)", missing)
               + _listing("unexpected keys (in the weights, not in the model)", unexpected)
               + _listing("shape mismatches", shapes))
    if strict:
        raise ConversionError(
            "weights file '%s' does not match model '%s': %s; check the constructor arguments, "
            "or pass --non-strict to load only what matches" % (path, model_name, summary),
            details)
    reporting.warning("--non-strict: weights file '%s' does not fully match model '%s': %s; "
                      "the rest keeps its initial values" % (path, model_name, summary))
    reporting.details(details)
