"""Unit tests of path_prefix_map, the engine half of --path-prefix-map
OLD=NEW: parsing the texts, the rule that maps a path (the last map whose
OLD is the path or a folder above it), the code objects of the user's
modules renamed only while torch.jit.trace runs, and install()'s effect on
the file names TorchScript records (in a child interpreter, since install
changes torch for the rest of the process)."""

import importlib
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

from engine.pt2ts_engine import TORCH_MISSING, torch_available

from _pt2ts import path_prefix_map

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ParseTest(unittest.TestCase):
    def test_old_and_new(self):
        self.assertEqual(path_prefix_map.parse(["/src=/build", "/home/me/x=y"]),
                         [("/src", "/build"), ("/home/me/x", "y")])

    def test_split_at_the_first_equals_sign(self):
        self.assertEqual(path_prefix_map.parse(["/a=b=c"]), [("/a", "b=c")])

    def test_empty_new(self):
        self.assertEqual(path_prefix_map.parse(["/a/="]), [("/a/", "")])

    def test_keeps_command_line_order(self):
        texts = ["/b=2", "/a=1", "/b=3"]
        self.assertEqual(path_prefix_map.parse(texts), [("/b", "2"), ("/a", "1"), ("/b", "3")])

    def test_nothing(self):
        self.assertEqual(path_prefix_map.parse([]), [])
        self.assertEqual(path_prefix_map.parse(()), [])

    def test_malformed_texts_are_not_checked_here(self):
        # The front end refuses them first (PathPrefixMap::ParseProblem:
        # "'x' is not OLD=NEW", "has an empty OLD folder"); the engine
        # takes them apart as they come.
        self.assertEqual(path_prefix_map.parse(["no-equals", "=new"]),
                         [("no-equals", ""), ("", "new")])


class ApplyTest(unittest.TestCase):
    def apply(self, texts, path):
        return path_prefix_map.apply(path_prefix_map.parse(texts), path)

    def test_file_in_the_folder(self):
        self.assertEqual(self.apply(["/src=/build"], "/src/model.py"), "/build/model.py")

    def test_deeper_file(self):
        self.assertEqual(self.apply(["/src=/build"], "/src/a/b/model.py"), "/build/a/b/model.py")

    def test_the_folder_itself(self):
        self.assertEqual(self.apply(["/src=/build"], "/src"), "/build")

    def test_a_file_named_exactly(self):
        self.assertEqual(self.apply(["/src/model.py=m.py"], "/src/model.py"), "m.py")

    def test_only_whole_folder_names(self):
        # "/src" is no folder above "/srcs/..." or "/src2/...".
        for path in ["/srcs/model.py", "/src2", "/sr/model.py", "/other/src/model.py"]:
            with self.subTest(path=path):
                self.assertEqual(self.apply(["/src=/build"], path), path)

    def test_old_with_a_trailing_slash(self):
        self.assertEqual(self.apply(["/src/=/build/"], "/src/model.py"), "/build/model.py")
        # The folder itself, written without the slash, is no match.
        self.assertEqual(self.apply(["/src/=/build/"], "/src"), "/src")

    def test_slashes_are_kept_as_written(self):
        self.assertEqual(self.apply(["/src=/build/"], "/src/model.py"), "/build//model.py")
        self.assertEqual(self.apply(["/src/=/build"], "/src/model.py"), "/buildmodel.py")

    def test_empty_new_makes_paths_relative(self):
        self.assertEqual(self.apply(["/src/="], "/src/pkg/model.py"), "pkg/model.py")
        self.assertEqual(self.apply(["/src=."], "/src/pkg/model.py"), "./pkg/model.py")

    def test_last_match_wins(self):
        texts = ["/home/me=/me", "/home/me/project=/project"]
        self.assertEqual(self.apply(texts, "/home/me/project/m.py"), "/project/m.py")
        self.assertEqual(self.apply(list(reversed(texts)), "/home/me/project/m.py"),
                         "/me/project/m.py")

    def test_later_non_matching_maps_do_not_matter(self):
        self.assertEqual(self.apply(["/src=/a", "/other=/b"], "/src/m.py"), "/a/m.py")

    def test_mapped_once_not_chained(self):
        self.assertEqual(self.apply(["/b=/c", "/a=/b"], "/a/m.py"), "/b/m.py")

    def test_no_match_and_no_maps(self):
        self.assertEqual(self.apply(["/src=/build"], "/elsewhere/m.py"), "/elsewhere/m.py")
        self.assertEqual(path_prefix_map.apply([], "/src/m.py"), "/src/m.py")

    def test_relative_paths(self):
        self.assertEqual(self.apply(["src=lib"], "src/m.py"), "lib/m.py")
        self.assertEqual(self.apply(["src=lib"], "./src/m.py"), "./src/m.py")

    def test_same_rule_as_the_front_end(self):
        # Cases of tool/path_prefix_map.cpp's IsFolderPrefix, which must agree.
        cases = [("/a", "/a", True), ("/a", "/a/b", True), ("/a", "/ab", False),
                 ("/a/", "/a/b", True), ("/a/", "/a", False), ("/", "/x", True),
                 ("/a/b", "/a", False)]
        for old, path, maps in cases:
            with self.subTest(old=old, path=path):
                self.assertEqual(path_prefix_map.apply([(old, "N")], path) != path, maps)


class _UserModules(unittest.TestCase):
    """A module file under a temporary folder, imported for real."""

    def setUp(self):
        folder = tempfile.TemporaryDirectory(prefix="pt2ts-prefix-map-")
        self.addCleanup(folder.cleanup)
        self.folder = os.path.realpath(folder.name)
        sys.path.insert(0, self.folder)
        self.addCleanup(sys.path.remove, self.folder)

    def import_source(self, name, source):
        with open(os.path.join(self.folder, name + ".py"), "w") as file:
            file.write(textwrap.dedent(source))
        importlib.invalidate_caches()
        self.addCleanup(sys.modules.pop, name, None)
        return importlib.import_module(name)


USER_MODULE = """
    class Model:
        def forward(self, x):
            return [v for v in x]

        @staticmethod
        def make():
            return lambda: 1

        @classmethod
        def build(cls):
            return cls()

        @property
        def size(self):
            return 1

        class Inner:
            def method(self):
                return 2

    def helper():
        def inner():
            return 3
        return inner

    imported = len  # not the module's own: left alone
    """


class MappedCodeObjectsTest(_UserModules):
    """_mapped_code_objects: while torch.jit.trace runs, the functions of
    modules whose files lie under an OLD carry the NEW file name."""

    def test_functions_renamed_inside_and_restored_after(self):
        module = self.import_source("pt2ts_prefix_user", USER_MODULE)
        maps = [(self.folder, "/mapped")]
        expected = "/mapped/pt2ts_prefix_user.py"
        original = module.__file__
        functions = [module.Model.forward, module.Model.make, module.Model.build.__func__,
                     module.Model.size.fget, module.Model.Inner.method, module.helper]
        codes = [f.__code__ for f in functions]
        with path_prefix_map._mapped_code_objects(maps):
            for function in functions:
                with self.subTest(function=function.__qualname__):
                    self.assertEqual(function.__code__.co_filename, expected)
            # Nested code (comprehensions, lambdas, inner functions) too.
            self.assertEqual(module.Model.make().__code__.co_filename, expected)
            self.assertEqual(module.helper().__code__.co_filename, expected)
            self.assertIs(module.imported, len)
            # The code still runs.
            self.assertEqual(module.Model().forward((1, 2)), [1, 2])
        for function, code in zip(functions, codes):
            self.assertIs(function.__code__, code)
            self.assertEqual(function.__code__.co_filename, original)

    def test_modules_outside_the_old_folder_are_left_alone(self):
        module = self.import_source("pt2ts_prefix_other", "def f():\n    return 1\n")
        code = module.f.__code__
        with path_prefix_map._mapped_code_objects([("/no/such/folder", "/mapped")]):
            self.assertIs(module.f.__code__, code)
            self.assertIs(os.path.join.__code__, os.path.join.__code__)

    def test_restored_when_the_block_raises(self):
        module = self.import_source("pt2ts_prefix_raises", "def f():\n    return 1\n")
        code = module.f.__code__
        with self.assertRaises(ZeroDivisionError):
            with path_prefix_map._mapped_code_objects([(self.folder, "N")]):
                self.assertEqual(module.f.__code__.co_filename, "N/pt2ts_prefix_raises.py")
                1 / 0
        self.assertIs(module.f.__code__, code)


_INSTALL_CHECK = """
import importlib, inspect, sys
sys.path[:0] = [{tests!r}, {folder!r}]
import engine.pt2ts_engine
import torch
from _pt2ts import path_prefix_map
path_prefix_map.install(["/unrelated=/x", {folder!r} + "=/mapped/src"])
user = importlib.import_module("pt2ts_install_user")
print("sources", torch._sources.get_source_lines_and_file(user.Model.forward)[2])
print("jit.frontend", torch.jit.frontend.get_source_lines_and_file is
      torch._sources.get_source_lines_and_file)
seen = []
def record(x):
    seen.append(inspect.currentframe().f_back.f_code.co_filename)
    return x
user.record = record
torch.jit.trace(user.Model(), torch.ones(2))
print("during trace", seen[0])
print("after trace", user.Model.forward.__code__.co_filename)
print("scripted", torch.jit.script(user.Scripted()).forward.schema is not None)
"""

_INSTALL_USER = """
import torch

class Model(torch.nn.Module):
    def forward(self, x):
        return record(x) * 2

class Scripted(torch.nn.Module):
    def forward(self, x):
        return x + 1
"""


@unittest.skipUnless(torch_available(), TORCH_MISSING)
class InstallTest(_UserModules):
    def test_torchscript_sees_the_mapped_names(self):
        with open(os.path.join(self.folder, "pt2ts_install_user.py"), "w") as file:
            file.write(_INSTALL_USER)
        script = _INSTALL_CHECK.format(tests=TESTS, folder=self.folder)
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                timeout=300)
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = dict(line.split(" ", 1) if line.count(" ") else (line, "")
                     for line in result.stdout.splitlines())
        mapped = "/mapped/src/pt2ts_install_user.py"
        self.assertEqual(lines.get("sources"), mapped, result.stdout)
        self.assertEqual(lines.get("during"), "trace " + mapped, result.stdout)
        self.assertEqual(lines.get("after"),
                         "trace " + os.path.join(self.folder, "pt2ts_install_user.py"),
                         result.stdout)
        self.assertEqual(lines.get("scripted"), "True", result.stdout)
        # Modules that imported the function by name hold the mapped one too.
        self.assertEqual(lines.get("jit.frontend"), "True", result.stdout)

    def test_no_maps_changes_nothing(self):
        import torch

        sources = torch._sources.get_source_lines_and_file
        trace = torch.jit.trace
        path_prefix_map.install([])
        self.assertIs(torch._sources.get_source_lines_and_file, sources)
        self.assertIs(torch.jit.trace, trace)


if __name__ == "__main__":
    unittest.main()
