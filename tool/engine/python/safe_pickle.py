"""A pickle module for torch.load(pickle_module=...) that refuses to import or
call anything but plain data: tensors, numbers, strings, bools, None, lists,
tuples, dicts, OrderedDicts (and numpy scalars/arrays, torch dtypes).

torch 1.13's own weights_only=True also refuses Python floats, so ordinary
training checkpoints (loss, learning rate, optimizer state) would not load;
this allow-list accepts them. Anything else raises ForbiddenGlobal *before*
it is imported or called, so a malicious file never runs."""

import _compat_pickle
import pickle

# (module, name) pairs a weights file may reference. Each one only rebuilds
# data; none can call an arbitrary function.
_ALLOWED_GLOBALS = frozenset([
    ("collections", "OrderedDict"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "complex"),
    ("_codecs", "encode"),  # how protocol-2 pickles store bytes
    ("torch", "Size"),
    ("torch", "Tensor"),
    ("torch.nn.parameter", "Parameter"),
    ("torch._utils", "_rebuild_tensor"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_tensor_v3"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch._utils", "_rebuild_parameter_with_state"),
    ("torch._utils", "_rebuild_qtensor"),
    ("torch._utils", "_rebuild_sparse_tensor"),
    ("torch._utils", "_rebuild_sparse_csr_tensor"),
    ("torch._utils", "_rebuild_meta_tensor_no_storage"),
    ("torch._tensor", "_rebuild_from_type_v2"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
])


class ForbiddenGlobal(pickle.UnpicklingError):
    """The file asked to import module.name, which is not plain data."""

    def __init__(self, module, name):
        super().__init__("%s.%s" % (module, name))
        self.qualified_name = "%s.%s" % (module, name)


def _is_torch_constant(module, name):
    # torch.float32, torch.strided, torch.channels_last: pickled by name.
    if module != "torch":
        return False
    import torch

    value = getattr(torch, name, None)
    return isinstance(value, (torch.dtype, torch.layout, torch.memory_format))


def _python3_name(module, name):
    """torch.save writes protocol 2, which names globals the Python 2 way
    (__builtin__.set); pickle maps them when loading, so the check must too."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        checked_module, checked_name = _python3_name(module, name)
        if ((checked_module, checked_name) in _ALLOWED_GLOBALS
                or _is_torch_constant(checked_module, checked_name)):
            return super().find_class(module, name)
        raise ForbiddenGlobal(checked_module, checked_name)


def load(file, **kwargs):
    return Unpickler(file, **kwargs).load()


def loads(data, **kwargs):
    import io

    return Unpickler(io.BytesIO(data), **kwargs).load()
