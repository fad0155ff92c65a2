"""Makes pt2ts's embedded Python sources importable as the _pt2ts package:
an import hook over the sources compiled into the engine library, so modules
import each other in whatever order they need and a new module is just a
new file in tool/engine/python/. Run by the engine before anything else."""

import importlib.abc
import importlib.util
import sys


class _EmbeddedSources(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, package, sources):
        self._package = package
        self._sources = sources  # {module name: source text}

    def _file(self, fullname):
        # Frames from "<pt2ts>/..." files are left out of user tracebacks.
        return "<pt2ts>/%s.py" % fullname.rpartition(".")[2]

    def find_spec(self, fullname, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        if package != self._package or name not in self._sources:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=self._file(fullname))

    def create_module(self, spec):
        return None  # the default module object

    def exec_module(self, module):
        name = module.__name__.rpartition(".")[2]
        module.__file__ = self._file(module.__name__)
        exec(compile(self._sources[name], module.__file__, "exec"), module.__dict__)


def install(package, sources):
    """Puts the hook first on sys.meta_path, so nothing on sys.path can
    shadow pt2ts's own modules."""
    sys.meta_path.insert(0, _EmbeddedSources(package, sources))
