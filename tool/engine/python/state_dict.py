"""Finds the state dict inside a loaded weights file and loads it into the
model, strictly unless told otherwise."""

import collections.abc

from _pt2ts import reporting, safe_pickle
from _pt2ts.errors import ConversionError

# Keys under which training scripts commonly store the model's state dict,
# tried in this order when the file itself is not a state dict.
WELL_KNOWN_KEYS = ("state_dict", "model_state_dict", "model_state", "model", "net", "network",
                   "module", "weights", "params")

# Prefixes wrappers add to every key: DataParallel/DistributedDataParallel
# ("module.") and torch.compile ("_orig_mod.").
WRAPPER_PREFIXES = ("module.", "_orig_mod.")

_SHOWN = 5  # entries listed per kind of mismatch


def _is_extra_state_key(key):
    # A module with get_extra_state() saves whatever it returns there.
    return key == "_extra_state" or key.endswith("._extra_state")


def _state_dict_kind(value):
    """"clean" for a state dict (tensors under text keys; anything under an
    extra-state key), "blocked" for one that holds a stand-in of
    safe_pickle's (a class the file named, not imported), else None."""
    import torch

    if not isinstance(value, collections.abc.Mapping):
        return None
    for key, entry in value.items():
        if not isinstance(key, str):
            return None
        if not (isinstance(entry, torch.Tensor) or _is_extra_state_key(key)
                or safe_pickle.is_stand_in(entry)):
            return None
    return "blocked" if safe_pickle.find_stand_in(value) is not None else "clean"


def _is_state_dict(value):
    return _state_dict_kind(value) == "clean"


def _as_state_dict(value):
    """A state dict from a state dict or a whole pickled model, else None."""
    import torch

    if isinstance(value, torch.nn.Module):
        return value.state_dict()
    return value if _is_state_dict(value) else None


def _is_blocked(value):
    """Would be the state dict (or a whole model) if the classes the file
    names were imported: what --trust-weights would load."""
    return safe_pickle.is_stand_in(value) or _state_dict_kind(value) == "blocked"


def _refuse_stand_in(value, path, where):
    """The error for a state dict (or a whole model) holding a stand-in."""
    trust = ("only tensors, numbers, strings and containers load without --trust-weights; "
             "if you trust this file, pass --trust-weights")
    if safe_pickle.is_stand_in(value):
        name = safe_pickle.qualified_name(value)
        if where is None:
            return ConversionError(
                "refusing to load weights file '%s': unpickling it would import and run '%s'. "
                "Weights holding only tensors, numbers, strings and containers load as they "
                "are; if you trust this file, pass --trust-weights" % (path, name))
        return ConversionError(
            "refusing to load weights file '%s': %s is a pickled '%s' (a whole model or "
            "another object), which pt2ts neither imports nor runs; save model.state_dict() "
            "instead, or: %s" % (path, where, name, trust))
    entries = [("its entry '%s'" % key, entry) for key, entry in value.items()]
    entries.append(("its metadata (_metadata)", getattr(value, "__dict__", {})))
    for entry_name, entry in entries:
        found = safe_pickle.find_stand_in(entry)
        if found is not None:
            return ConversionError(
                "refusing to load the state dict %sof weights file '%s': %s holds a pickled "
                "'%s', which pt2ts neither imports nor runs (a state dict holds tensors); %s"
                % (where + " " if where else "", path, entry_name,
                   safe_pickle.qualified_name(found), trust))
    raise AssertionError("no stand-in in a blocked state dict")


def _where(loaded, key):
    return ("its entry '%s'" if safe_pickle.is_stand_in(loaded[key]) else "under key '%s'") % key


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
        if found is None and _is_blocked(loaded[state_key]):
            raise _refuse_stand_in(loaded[state_key], path, _where(loaded, state_key))
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
    if safe_pickle.is_stand_in(loaded):
        raise _refuse_stand_in(loaded, path, None)
    # Nothing loadable as it is: one that holds a class the file names (not
    # imported) is refused, saying which entry.
    if _is_blocked(loaded):
        raise _refuse_stand_in(loaded, path, "")
    if isinstance(loaded, collections.abc.Mapping):
        for key in WELL_KNOWN_KEYS:
            if key in loaded and _is_blocked(loaded[key]):
                raise _refuse_stand_in(loaded[key], path, _where(loaded, key))
        candidates = [k for k, v in loaded.items() if _as_state_dict(v) is not None]
        hint = (" (try --state_key %s)" % candidates[0]) if candidates else ""
        raise ConversionError(
            "cannot find a state dict in weights file '%s': it is a dict whose keys are %s, "
            "and none of the usual keys (%s) holds a dict of tensors; pass --state_key KEY%s"
            % (path, _key_list(loaded), ", ".join(WELL_KNOWN_KEYS), hint))
    raise ConversionError(
        "weights file '%s' holds %s, not a state dict (a dict of tensors)"
        % (path, reporting.a_type(loaded)))


def _without_wrappers(key):
    """The key without the wrapper prefixes it starts with, stacked in any
    order ('module._orig_mod.fc.w' -> 'fc.w')."""
    stripped = True
    while stripped:
        stripped = False
        for prefix in WRAPPER_PREFIXES:
            if key.startswith(prefix):
                key, stripped = key[len(prefix):], True
    return key


def _one_prefix(prefix):
    return lambda key: key[len(prefix):] if key.startswith(prefix) else key


def _shared_component(keys):
    """The first component every key has ('model' of 'model.fc.w'), or None."""
    firsts = {key.split(".", 1)[0] if "." in key else None for key in keys}
    return firsts.pop() if len(firsts) == 1 and None not in firsts else None


def _renamed(state_dict, rename):
    renamed = collections.OrderedDict((rename(k), v) for k, v in state_dict.items())
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        # Module paths: the one a prefix names ("module" for "module.")
        # becomes the root.
        renamed._metadata = collections.OrderedDict(
            (rename(k + ".")[:-1] if rename(k + ".").endswith(".") else rename(k + "."), v)
            for k, v in metadata.items())
    return renamed


def strip_wrapper_prefix(state_dict, model_keys):
    """Removes prefixes from the keys when that makes more keys match the
    model's; only ever a prefix, never a substring ('submodule.w' stays).

    The wrappers' prefixes (DataParallel's 'module.', torch.compile's
    '_orig_mod.', alone or stacked) go when that matches more keys. One
    more leading component that every key shares (a LightningModule's
    attribute name: 'model.', 'net.') goes only when every key then is one
    of the model's, and says so in a note."""
    keys = list(state_dict)
    candidates = [("'%s' prefix" % prefix, _one_prefix(prefix), False)
                  for prefix in WRAPPER_PREFIXES if any(k.startswith(prefix) for k in keys)]
    stacked = {k[:len(k) - len(_without_wrappers(k))] for k in keys} - {""}
    if stacked and not stacked.issubset(WRAPPER_PREFIXES):
        candidates.append(("%s prefix%s" % (", ".join("'%s'" % p for p in sorted(stacked)),
                                            "es" if len(stacked) > 1 else ""),
                           _without_wrappers, False))
    shared = _shared_component([_without_wrappers(k) for k in keys])
    if shared is not None:
        cut = len(shared) + 1

        def without_shared(key):
            key = _without_wrappers(key)
            return _without_wrappers(key[cut:]) if key.startswith(shared + ".") else key

        if all(without_shared(k) in model_keys for k in keys):
            candidates.append(("'%s.' prefix" % shared, without_shared, True))
    best_matches, chosen = len(model_keys.intersection(keys)), None
    for candidate in candidates:  # the first of the best: ties keep the earlier
        matches = len(model_keys.intersection(candidate[1](k) for k in keys))
        if matches > best_matches:
            best_matches, chosen = matches, candidate
    if chosen is None:
        return state_dict
    label, rename, noted = chosen
    stripped = _renamed(state_dict, rename)
    if noted:
        reporting.note("removed the %s that every key of the weights has: the keys then "
                       "match the model's" % label)
    else:
        reporting.step("removed the %s from the weights' keys" % label)
    return stripped


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
                  if k in model_state and hasattr(v, "shape") and hasattr(model_state[k], "shape")
                  and tuple(v.shape) != tuple(model_state[k].shape)]
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
