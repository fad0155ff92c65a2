"""--path-prefix-map OLD=NEW in the engine: TorchScript records source file
names in the archive's debug info (code/__torch__/*.debug_pkl), in two ways:
- scripting takes them from torch._sources.get_source_lines_and_file, whose
  result is mapped here;
- tracing records the Python call stack from the frames' code objects
  (co_filename, read in C++): while torch.jit.trace runs, the code objects of
  the functions in the user's modules carry the mapped name.
So the archive records NEW/... wherever a file lay under OLD. The front end
maps paths with the same rule (tool/path_prefix_map.cpp)."""

import contextlib
import functools
import inspect
import os
import sys
import types


def parse(texts):
    """[(OLD, NEW)] from "OLD=NEW" texts (split at the first '=')."""
    maps = []
    for text in texts:
        old, _, new = text.partition("=")
        maps.append((old, new))
    return maps


def apply(maps, path):
    """The last map whose OLD is `path` or a folder above it rewrites it."""
    for old, new in reversed(maps):
        if path == old or path.startswith(old if old.endswith("/") else old + "/"):
            return new + path[len(old):]
    return path


def install(texts):
    """Maps the file names TorchScript records from now on (torch imported)."""
    maps = parse(texts)
    if not maps:
        return
    sources = sys.modules["torch._sources"]
    original = sources.get_source_lines_and_file

    @functools.wraps(original)
    def mapped(obj, *args, **kwargs):
        lines, first_line, filename = original(obj, *args, **kwargs)
        return lines, first_line, apply(maps, filename) if filename else filename

    # Modules that imported the function by name hold their own reference.
    for name, module in list(sys.modules.items()):
        if ((name == "torch" or name.startswith("torch."))
                and getattr(module, "get_source_lines_and_file", None) is original):
            module.get_source_lines_and_file = mapped

    jit = sys.modules["torch.jit"]
    trace = jit.trace

    @functools.wraps(trace)
    def mapped_trace(*args, **kwargs):
        with _mapped_code_objects(maps):
            return trace(*args, **kwargs)

    jit.trace = mapped_trace


def _mapped_code(code, maps):
    """The code object with its file name mapped, nested code (lambdas,
    comprehensions, inner functions) too."""
    consts = tuple(_mapped_code(const, maps) if isinstance(const, types.CodeType) else const
                   for const in code.co_consts)
    return code.replace(co_filename=apply(maps, code.co_filename), co_consts=consts)


def _functions_of(namespace, module_name, seen):
    """The plain functions of a module or class, classes defined in the
    module included, each once."""
    for value in list(vars(namespace).values()):
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        elif isinstance(value, property):
            yield from (f for f in (value.fget, value.fset, value.fdel)
                        if isinstance(f, types.FunctionType))
            continue
        is_function = isinstance(value, types.FunctionType)
        is_own_class = (inspect.isclass(value)
                        and getattr(value, "__module__", None) == module_name)
        if not (is_function or is_own_class) or id(value) in seen:
            continue
        seen.add(id(value))
        if is_function:
            yield value
        else:
            yield from _functions_of(value, module_name, seen)


@contextlib.contextmanager
def _mapped_code_objects(maps):
    swapped = []
    try:
        seen = set()
        for name, module in list(sys.modules.items()):
            path = getattr(module, "__file__", None)
            if not path or apply(maps, os.path.abspath(path)) == os.path.abspath(path):
                continue
            for function in _functions_of(module, name, seen):
                code = function.__code__
                function.__code__ = _mapped_code(code, maps)
                swapped.append((function, code))
        yield
    finally:
        for function, code in swapped:
            function.__code__ = code
