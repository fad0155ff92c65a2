"""Imports the user's module (a .py file, a package folder or a dotted name),
finds the model class or factory in it and builds the model."""

import difflib
import importlib
import importlib.util
import inspect
import os
import sys
import traceback

from _pt2ts.errors import ConversionError
from _pt2ts import reporting


def _package_root(path):
    """For a file or folder inside packages (folders with __init__.py), the
    folder above the outermost package and the dotted module name."""
    path = os.path.abspath(path)
    if os.path.isdir(path):
        parts = [os.path.basename(path)]
        folder = os.path.dirname(path)
    else:
        parts = [os.path.splitext(os.path.basename(path))[0]]
        if parts[0] == "__init__":
            parts = []
        folder = os.path.dirname(path)
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    return folder, ".".join(parts)


def _import_failed(name, path, exc):
    """Turns an exception raised while importing the user's code into a
    ConversionError that points at the user's file and line."""
    where = "'%s'" % (path or name)
    if isinstance(exc, SyntaxError):
        location = "%s, line %s" % (exc.filename, exc.lineno)
        details = "".join(traceback.format_exception_only(type(exc), exc))
        return ConversionError("syntax error in %s: %s" % (location, exc.msg), details)
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        missing = exc.name
        if name == missing or name.startswith(missing + "."):
            return ConversionError(
                "no module named '%s' on the Python path; add the folder that holds it with "
                "--pythonpath DIR, or give the .py file's path" % name,
                "Python path searched:\n" + "\n".join("  " + p for p in sys.path if p),
            )
        return ConversionError(
            "module %s imports '%s', which is not installed for the Python at %s; install it "
            "there, or run in a virtual environment that has it with --python VENV/bin/python"
            % (where, missing, sys.executable),
            reporting.user_traceback(exc),
        )
    if isinstance(exc, SystemExit):
        return ConversionError(
            "module %s called sys.exit(%s) while being imported; move script code under "
            "'if __name__ == \"__main__\":'" % (where, exc.code),
            reporting.user_traceback(exc),
        )
    return ConversionError(
        "importing module %s failed: %s" % (where, reporting.describe(exc)),
        reporting.user_traceback(exc),
    )


def _check_not_shadowed(name, path):
    loaded = sys.modules.get(name)
    if loaded is not None and os.path.abspath(getattr(loaded, "__file__", "") or "") != path:
        raise ConversionError(
            "module file '%s' has the same name as the already loaded Python module '%s' (%s); "
            "rename the file" % (path, name, getattr(loaded, "__file__", "built in")))


def import_user_module(module_path):
    """Returns the imported module. A file's own folder goes on sys.path so
    sibling imports work; a file inside a package is imported under its full
    dotted name from the package root so relative imports work."""
    path = os.path.abspath(module_path) if os.path.exists(module_path) else None
    top_level_file = False
    if path is None:
        name = module_path
    else:
        root, name = _package_root(path)
        top_level_file = not os.path.isdir(path) and root == os.path.dirname(path) and (
            os.path.basename(path) != "__init__.py")
        if top_level_file:
            # A file outside packages may have dots in its name (resnet.v2.py):
            # as a module name they would mean a package, so they become '_'.
            name = name.replace(".", "_")
            sys.path.insert(0, os.path.dirname(path))
            _check_not_shadowed(name, path)
        else:
            sys.path.insert(0, root)
    try:
        if top_level_file:
            # Loaded from its path, whatever its name (my-model.py works too).
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
        else:
            module = importlib.import_module(name)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: B902 - user code may raise anything, even SystemExit
        raise _import_failed(name, module_path if path else None, exc) from None
    if path is not None and not os.path.isdir(path):
        loaded = os.path.abspath(getattr(module, "__file__", "") or "")
        if loaded != path:
            raise ConversionError(
                "'%s' imports as module '%s', but that name resolves to %s; another module of "
                "that name comes first on the Python path" % (module_path, name, loaded))
    return module


def _offers(module):
    """The nn.Module subclasses and functions a module defines, for messages."""
    import torch

    classes, functions = [], []
    for key, value in sorted(vars(module).items()):
        if key.startswith("_"):
            continue
        if inspect.isclass(value) and issubclass(value, torch.nn.Module):
            if value.__module__ == module.__name__:
                classes.append(key)
        elif inspect.isfunction(value) and value.__module__ == module.__name__:
            functions.append(key)
    return classes, functions


def find_model(module, model_name, module_path):
    """The attribute model_name (dotted: Outer.Inner) of the module."""
    target = module
    for part in model_name.split("."):
        if not hasattr(target, part):
            classes, functions = _offers(module)
            candidates = classes + functions
            close = difflib.get_close_matches(model_name, candidates, n=1, cutoff=0.6)
            hint = " Did you mean '%s'?" % close[0] if close else ""
            details = "Module '%s' offers:\n  nn.Module classes: %s\n  functions: %s" % (
                module_path,
                ", ".join(classes[:30]) or "(none)",
                ", ".join(functions[:30]) or "(none)",
            )
            raise ConversionError(
                "'%s' not found in module '%s'.%s" % (model_name, module_path, hint), details)
        target = getattr(target, part)
    return target


def _call_text(model_name, args, kwargs):
    parts = [reporting.short_repr(a) for a in args]
    parts += ["%s=%s" % (k, reporting.short_repr(v)) for k, v in kwargs.items()]
    return "%s(%s)" % (model_name, ", ".join(parts))


def build_model(factory, model_name, args, kwargs):
    """Calls the class or factory and checks it returned an nn.Module."""
    import torch

    call = _call_text(model_name, args, kwargs)
    if isinstance(factory, torch.nn.Module):
        if args or kwargs:
            raise ConversionError(
                "'%s' is already a model instance (%s), so --args/--kwargs cannot be applied; "
                "drop them or name its class instead" % (model_name, type(factory).__name__))
        return factory
    if not callable(factory):
        raise ConversionError(
            "'%s' is %s, not a class or function returning a torch.nn.Module"
            % (model_name, reporting.a_type(factory)))
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        signature = None
    if signature is not None:
        try:
            signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise ConversionError(
                "cannot call %s: %s" % (call, exc),
                "%s takes: %s%s\nPass constructor arguments with --args V... and --kwargs KEY "
                "VALUE..." % (model_name, model_name, signature),
            ) from None
    try:
        model = factory(*args, **kwargs)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: B902 - the user's constructor may raise anything
        raise ConversionError(
            "building the model %s failed: %s" % (call, reporting.describe(exc)),
            reporting.user_traceback(exc),
        ) from None
    if not isinstance(model, torch.nn.Module):
        raise ConversionError(
            "%s returned %s, not a torch.nn.Module" % (call, reporting.short_repr(model, 80)))
    return model
