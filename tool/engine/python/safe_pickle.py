"""A pickle module for torch.load(pickle_module=...) that never imports or
calls anything but plain data: tensors, numbers, strings, bools, None, lists,
tuples, dicts, OrderedDicts (and numpy scalars/arrays, torch dtypes).

torch 1.13's own weights_only=True also refuses Python floats, so ordinary
training checkpoints (loss, learning rate, optimizer state) would not load;
this allow-list accepts them.

Any other global (a class, a function) is not imported: the unpickler hands
pickle an inert stand-in instead, a fresh StandIn subclass that records the
module and name the file gave, and whose instances record what pickle passes
to them (the arguments of the call or of __new__, the state, list and dict
items). No code of the named module runs, none of its __reduce__,
__setstate__ or __init__; calling a stand-in makes another stand-in. So a
checkpoint can hold a training run's configuration (argparse.Namespace,
dataclasses, Lightning's AttributeDict) beside its tensors and still load:
the caller then refuses any stand-in in what it actually uses
(refuse_stand_ins(), find_stand_in()). The real functions of the allow-list
never receive a stand-in either: they refuse with ForbiddenGlobal first."""

import _compat_pickle
import collections.abc
import io
import pickle
import sys
import warnings

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
    ("torch.serialization", "_get_layout"),  # a layout by its name (sparse tensors)
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


class ProbeReached(pickle.UnpicklingError):
    """PROBE was read by this module's Unpickler (see weights.py)."""


# A pickle naming a global no file has a reason to name: this module's
# Unpickler raises ProbeReached for it; plain pickle looks it up in this
# (already imported) module, does not find it and raises AttributeError.
# torch.load's caller tells that way which unpickler torch used.
_PROBE_GLOBAL = ("_pt2ts.safe_pickle", "_pt2ts_probe_never_defined")
PROBE = b"\x80\x02c%s\n%s\nq\x00." % tuple(part.encode() for part in _PROBE_GLOBAL)


class StandIn:
    """What a global that is not allowed becomes: never the real class or
    function, only its name. Subclassed once per name and unpickler
    (stand_in_module and stand_in_name say which); an instance records
    what pickle gave it and does nothing else."""

    stand_in_module = ""
    stand_in_name = ""

    def __new__(cls, *args, **kwargs):
        instance = object.__new__(cls)
        instance.stand_in_args = args  # REDUCE's, NEWOBJ's, INST's arguments
        instance.stand_in_kwargs = kwargs  # NEWOBJ_EX's
        instance.stand_in_state = None  # BUILD's
        instance.stand_in_items = []  # SETITEMS' (key, value) pairs
        instance.stand_in_list = []  # APPENDS' values
        return instance

    def __init__(self, *args, **kwargs):
        pass  # __new__ recorded everything; nothing else happens

    def __setstate__(self, state):
        self.stand_in_state = state

    def __setitem__(self, key, value):
        self.stand_in_items.append((key, value))

    def append(self, value):
        self.stand_in_list.append(value)

    def extend(self, values):
        self.stand_in_list.extend(values)

    def add(self, value):  # ADDITEMS (sets)
        self.stand_in_list.append(value)

    def __repr__(self):
        return "<pt2ts stand-in for %s>" % qualified_name(self)


def is_stand_in(value):
    """Whether value is a stand-in: an instance or one of the classes."""
    if isinstance(value, type):
        return issubclass(value, StandIn)
    return isinstance(value, StandIn)


def qualified_name(stand_in):
    """'argparse.Namespace': the name the file gave the stand-in's global."""
    return "%s.%s" % (stand_in.stand_in_module, stand_in.stand_in_name)


def find_stand_in(value):
    """The first stand-in within value (itself, its containers' keys and
    items, attributes that dicts and tensors carry, depth first), or None.
    Stand-ins are not looked into: the outermost one is what the file named."""
    tensor_type = getattr(sys.modules.get("torch"), "Tensor", None)
    seen = set()
    pending = [value]
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if is_stand_in(item):
            return item
        inner = []
        if isinstance(item, collections.abc.Mapping):
            for key, entry in item.items():
                inner += [key, entry]
        elif isinstance(item, (list, tuple, set, frozenset)):
            inner += list(item)
        if (isinstance(item, (dict, list)) or (tensor_type is not None
                                              and isinstance(item, tensor_type))):
            # BUILD may give containers and tensors attributes (_metadata).
            inner += list(getattr(item, "__dict__", {}).values())
            hooks = getattr(item, "_backward_hooks", None) if tensor_type else None
            if hooks is not None:
                inner.append(hooks)
        pending.extend(reversed(inner))
    return None


def refuse_stand_ins(value):
    """Raises ForbiddenGlobal naming the first stand-in within value."""
    found = find_stand_in(value)
    if found is not None:
        raise ForbiddenGlobal(found.stand_in_module, found.stand_in_name)
    return value


def _is_torch_constant(module, name):
    # torch.float32, torch.strided, torch.channels_last: pickled by name.
    if module != "torch":
        return False
    import torch

    # vars(), not getattr(): torch's module __getattr__ imports lazy
    # submodules (torch._dynamo, torch.onnx) for a name a file merely mentions.
    value = vars(torch).get(name)
    return isinstance(value, (torch.dtype, torch.layout, torch.memory_format, torch.qscheme))


def _python3_name(module, name):
    """torch.save writes protocol 2, which names globals the Python 2 way
    (__builtin__.set); pickle maps them when loading, so the check must too."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _guarded(function):
    """An allowed function that refuses to run when given a stand-in (a
    tensor rebuilt from a stand-in storage, say): real code only ever sees
    plain data."""

    def call(*args, **kwargs):
        refuse_stand_ins((args, kwargs))
        return function(*args, **kwargs)

    call.__name__ = getattr(function, "__name__", "call")
    call.__qualname__ = getattr(function, "__qualname__", "call")
    call.__module__ = getattr(function, "__module__", None)
    return call


class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        checked_module, checked_name = _python3_name(module, name)
        if (checked_module, checked_name) == _PROBE_GLOBAL:
            raise ProbeReached(name)
        if ((checked_module, checked_name) in _ALLOWED_GLOBALS
                or _is_torch_constant(checked_module, checked_name)):
            found = super().find_class(module, name)
            # Classes stay themselves (NEWOBJ needs a type); dtypes are values.
            if isinstance(found, type) or not callable(found):
                return found
            return _guarded(found)
        return self._stand_in_class(checked_module, checked_name)

    def _stand_in_class(self, module, name):
        # One class per name, so that two references to one global are the
        # same object, as they would be with the real global.
        classes = self.__dict__.setdefault("_pt2ts_stand_ins", {})
        key = (str(module), str(name))
        if key not in classes:
            # No module of that name exists, so that inspect finds no source
            # for it (torch's legacy format looks for a pickled module's).
            classes[key] = type("StandIn", (StandIn,),
                                {"stand_in_module": key[0], "stand_in_name": key[1],
                                 "__module__": "<pt2ts stand-in>", "dump_patches": False})
        return classes[key]

    def load(self):
        # torch's legacy format checks a pickled nn.Module's source and warns
        # that a stand-in has none: nothing the user needs to hear.
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message="Couldn't retrieve source code for container of type StandIn")
            return super().load()


def load(file, **kwargs):
    return Unpickler(file, **kwargs).load()


def loads(data, **kwargs):
    return Unpickler(io.BytesIO(data), **kwargs).load()
