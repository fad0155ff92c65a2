"""The fast path for the common case, a model whose weights file covers it
exactly: build the model without random initialisation (the weights overwrite
it anyway) and make the loaded tensors the model's tensors instead of copying
them. That saves the init time (seconds for large models) and one copy of the
weights in memory.

Byte-identical to the plain path by construction: it is taken only when every
parameter and buffer gets its value from the weights file; otherwise the
model is built again the normal way. PT2TS_DISABLE_FAST_PATHS=1 turns it off
(the tests compare both)."""

import os

DISABLE_VARIABLE = "PT2TS_DISABLE_FAST_PATHS"

# torch.nn.init functions modules call from reset_parameters().
_INIT_FUNCTIONS = ("uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
                   "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
                   "kaiming_normal_", "orthogonal_", "sparse_")


def enabled():
    return os.environ.get(DISABLE_VARIABLE, "") in ("", "0")


class SkippedInit:
    """While active, torch.nn.init functions leave their tensor as allocated
    (uninitialised memory, never touched, so not even resident) and record
    which tensors they skipped."""

    def __init__(self):
        self.skipped = []
        self._originals = {}

    def _skip(self, name):
        def skip(tensor, *args, **kwargs):
            self.skipped.append(tensor)
            return tensor
        skip.__name__ = name
        return skip

    def __enter__(self):
        import torch

        for name in _INIT_FUNCTIONS:
            if hasattr(torch.nn.init, name):
                self._originals[name] = getattr(torch.nn.init, name)
                setattr(torch.nn.init, name, self._skip(name))
        return self

    def __exit__(self, *exc_info):
        import torch

        for name, function in self._originals.items():
            setattr(torch.nn.init, name, function)
        return False


def _has_custom_loading(model):
    """Modules that transform what they load (hooks, overridden loaders) need
    load_state_dict itself."""
    import torch
    from torch.nn.modules.batchnorm import _NormBase

    plain_loaders = (torch.nn.Module._load_from_state_dict, _NormBase._load_from_state_dict)
    for module in model.modules():
        if type(module)._load_from_state_dict not in plain_loaders:
            return True
        for hooks in ("_load_state_dict_pre_hooks", "_load_state_dict_post_hooks",
                      "_state_dict_hooks"):
            if getattr(module, hooks, None):
                return True
        if getattr(module, "_non_persistent_buffers_set", None):
            return True  # computed by the constructor, not in the weights
    return False


def _tensor_attributes(model):
    """ids of tensors held as plain module attributes (TorchScript saves
    them too), directly or in a list, tuple or dict."""
    import torch

    found = set()
    for module in model.modules():
        for value in vars(module).values():
            items = value.values() if isinstance(value, dict) else (
                value if isinstance(value, (list, tuple)) else [value])
            found.update(id(item) for item in items if isinstance(item, torch.Tensor))
    return found


def _storage(tensor):
    """The tensor's storage: untyped_storage() where it exists (torch 2.x
    deprecates storage()), storage() on torch 1.13."""
    if hasattr(tensor, "untyped_storage"):
        return tensor.untyped_storage()
    return tensor.storage()


def _is_compact(tensor):
    """Whether the tensor is all of its storage, in order (then it can be
    used as it is; views and slices are copied)."""
    storage = _storage(tensor)
    storage_bytes = storage.nbytes() if hasattr(storage, "nbytes") else (
        storage.size() * tensor.element_size())
    return (tensor.is_contiguous() and tensor.storage_offset() == 0
            and storage_bytes == tensor.numel() * tensor.element_size())


def try_assign(model, weights, skipped):
    """Makes the weights the model's tensors when they cover it exactly;
    returns False (model untouched) otherwise."""
    import torch

    # keep_vars: the model's own Parameter/buffer objects, under every key
    # (tied weights appear once per name).
    targets = model.state_dict(keep_vars=True)
    if set(targets) != set(weights) or _has_custom_loading(model):
        return False
    if not all(isinstance(v, torch.Tensor) for v in list(weights.values()) + list(targets.values())):
        return False  # extra state (get_extra_state()): load_state_dict hands it over
    owned = {id(t) for t in targets.values()}
    attributes = _tensor_attributes(model)
    if any(id(t) not in owned and id(t) in attributes for t in skipped):
        return False  # an init call filled a tensor attribute that is not a weight
    storages = {}
    for key, value in weights.items():
        target = targets[key]
        if value.shape != target.shape or value.dtype != target.dtype:
            return False
        # Two keys sharing storage in the file but not in the model would be
        # saved differently: take the plain path then.
        pointer = _storage(value).data_ptr()
        if pointer in storages and targets[storages[pointer]] is not target:
            return False
        storages[pointer] = key
    with torch.no_grad():
        for key, value in weights.items():
            if _is_compact(value):
                targets[key].data = value
            else:
                targets[key].copy_(value)
    return True
