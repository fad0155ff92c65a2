"""Unit tests of module_loader's rules for the module path (a .py file, a
package folder, a dotted name) and the messages users see when importing
fails; then finding the model in the module and building it. User modules
are real files in a temporary folder, imported for real; each test puts
sys.path and sys.modules back as they were."""

import importlib
import os
import sys
import tempfile
import textwrap
import unittest

from engine.pt2ts_engine import TORCH_MISSING, torch_available

from _pt2ts import module_loader
from _pt2ts.errors import ConversionError


class _UserFiles(unittest.TestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory(prefix="pt2ts-module-loader-")
        self.addCleanup(folder.cleanup)
        self.folder = os.path.realpath(folder.name)
        saved_path, saved_modules = list(sys.path), set(sys.modules)

        def restore():
            sys.path[:] = saved_path
            for name in set(sys.modules) - saved_modules:
                module = sys.modules[name]
                location = getattr(module, "__file__", None) or "".join(
                    getattr(module, "__path__", None) or [])
                if location.startswith(self.folder):
                    del sys.modules[name]
            importlib.invalidate_caches()

        self.addCleanup(restore)

    def write(self, relative, source=""):
        path = os.path.join(self.folder, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as file:
            file.write(textwrap.dedent(source))
        importlib.invalidate_caches()
        return path

    def import_fails(self, module_path):
        with self.assertRaises(ConversionError) as caught:
            module_loader.import_user_module(module_path)
        return caught.exception


class PackageRootTest(_UserFiles):
    def test_top_level_file(self):
        path = self.write("model.py")
        self.assertEqual(module_loader._package_root(path), (self.folder, "model"))

    def test_file_inside_packages(self):
        self.write("zoo/__init__.py")
        self.write("zoo/vision/__init__.py")
        path = self.write("zoo/vision/resnet.py")
        self.assertEqual(module_loader._package_root(path), (self.folder, "zoo.vision.resnet"))

    def test_package_init_and_folder(self):
        self.write("zoo/__init__.py")
        init = self.write("zoo/vision/__init__.py")
        expected = (self.folder, "zoo.vision")
        self.assertEqual(module_loader._package_root(init), expected)
        self.assertEqual(module_loader._package_root(os.path.dirname(init)), expected)

    def test_stops_at_the_first_folder_without_init(self):
        self.write("outer/__init__.py")
        self.write("outer/plain/pkg/__init__.py")
        path = self.write("outer/plain/pkg/m.py")
        self.assertEqual(module_loader._package_root(path),
                         (os.path.join(self.folder, "outer", "plain"), "pkg.m"))

    def test_relative_path(self):
        self.write("pkg/__init__.py")
        path = self.write("pkg/m.py")
        relative = os.path.relpath(path)
        self.assertEqual(module_loader._package_root(relative), (self.folder, "pkg.m"))


class ImportUserModuleTest(_UserFiles):
    def test_top_level_file(self):
        path = self.write("pt2ts_ul_plain.py", "VALUE = 1\n")
        module = module_loader.import_user_module(path)
        self.assertEqual(module.VALUE, 1)
        self.assertEqual(module.__name__, "pt2ts_ul_plain")
        self.assertEqual(module.__file__, path)
        self.assertIs(sys.modules["pt2ts_ul_plain"], module)
        self.assertEqual(sys.path[0], self.folder)

    def test_sibling_imports_work(self):
        self.write("pt2ts_ul_layers.py", "SIZE = 5\n")
        path = self.write("pt2ts_ul_net.py", "from pt2ts_ul_layers import SIZE\n")
        self.assertEqual(module_loader.import_user_module(path).SIZE, 5)

    def test_file_name_that_is_no_identifier(self):
        path = self.write("my-model.py", "VALUE = 2\n")
        module = module_loader.import_user_module(path)
        self.assertEqual(module.VALUE, 2)
        self.assertEqual(module.__name__, "my-model")

    def test_file_name_with_another_dot(self):
        """resnet.v2.py is a file, not a package "resnet": it imports under
        the name with '_' for the dot."""
        path = self.write("pt2ts_ul_resnet.v2.py", "VALUE = 2\n")
        module = module_loader.import_user_module(path)
        self.assertEqual(module.VALUE, 2)
        self.assertEqual(module.__name__, "pt2ts_ul_resnet_v2")

    def test_relative_path(self):
        path = self.write("pt2ts_ul_relative.py", "VALUE = 3\n")
        self.assertEqual(module_loader.import_user_module(os.path.relpath(path)).VALUE, 3)

    def test_same_file_twice(self):
        path = self.write("pt2ts_ul_twice.py", "VALUE = 4\n")
        module_loader.import_user_module(path)
        self.assertEqual(module_loader.import_user_module(path).VALUE, 4)

    def test_file_in_a_package_with_relative_imports(self):
        self.write("pt2ts_ul_zoo/__init__.py")
        self.write("pt2ts_ul_zoo/layers.py", "SIZE = 6\n")
        path = self.write("pt2ts_ul_zoo/net.py", "from .layers import SIZE\n")
        module = module_loader.import_user_module(path)
        self.assertEqual(module.SIZE, 6)
        self.assertEqual(module.__name__, "pt2ts_ul_zoo.net")
        self.assertEqual(sys.path[0], self.folder)

    def test_package_folder_and_its_init(self):
        init = self.write("pt2ts_ul_pkg/__init__.py", "from .model import Model\n")
        self.write("pt2ts_ul_pkg/model.py", "class Model:\n    pass\n")
        module = module_loader.import_user_module(os.path.dirname(init))
        self.assertEqual(module.__name__, "pt2ts_ul_pkg")
        self.assertTrue(hasattr(module, "Model"))
        self.assertIs(module_loader.import_user_module(init), module)

    def test_dotted_name_on_the_python_path(self):
        self.write("pt2ts_ul_dotted/__init__.py")
        self.write("pt2ts_ul_dotted/models.py", "VALUE = 7\n")
        sys.path.insert(0, self.folder)
        module = module_loader.import_user_module("pt2ts_ul_dotted.models")
        self.assertEqual(module.VALUE, 7)

    def test_dotted_name_not_found(self):
        error = self.import_fails("pt2ts_ul_nowhere.models")
        self.assertEqual(error.message,
                         "no module named 'pt2ts_ul_nowhere.models' on the Python path; add the "
                         "folder that holds it with --pythonpath DIR, or give the .py file's path")
        self.assertTrue(error.details.startswith("Python path searched:\n  "), error.details)
        self.assertIn("\n  %s" % sys.path[-1], error.details)

    def test_last_part_of_a_dotted_name_not_found(self):
        self.write("pt2ts_ul_half/__init__.py")
        sys.path.insert(0, self.folder)
        error = self.import_fails("pt2ts_ul_half.missing")
        self.assertTrue(error.message.startswith("no module named 'pt2ts_ul_half.missing' on the "
                                                 "Python path;"), error.message)

    def test_syntax_error(self):
        path = self.write("pt2ts_ul_syntax.py", "x = 1\ndef broken(:\n    pass\n")
        error = self.import_fails(path)
        self.assertRegex(error.message, r"^syntax error in %s, line 2: " % path)
        self.assertIn("SyntaxError", error.details)
        self.assertNotIn("pt2ts_ul_syntax", sys.modules)

    def test_missing_dependency(self):
        path = self.write("pt2ts_ul_dep.py", "import pt2ts_not_installed_dep\n")
        error = self.import_fails(path)
        self.assertEqual(error.message,
                         "module '%s' imports 'pt2ts_not_installed_dep', which is not installed "
                         "for the Python at %s; install it there, or run in a virtual environment "
                         "that has it with --python VENV/bin/python" % (path, sys.executable))
        self.assertIn('File "%s", line 1, in <module>' % path, error.details)
        self.assertNotIn("pt2ts_ul_dep", sys.modules)

    def test_missing_dependency_of_a_dotted_name(self):
        self.write("pt2ts_ul_depdot.py", "import pt2ts_not_installed_dep\n")
        sys.path.insert(0, self.folder)
        error = self.import_fails("pt2ts_ul_depdot")
        self.assertTrue(error.message.startswith(
            "module 'pt2ts_ul_depdot' imports 'pt2ts_not_installed_dep', which is not installed"),
            error.message)

    def test_sys_exit_while_imported(self):
        path = self.write("pt2ts_ul_exit.py", "import sys\nsys.exit(3)\n")
        error = self.import_fails(path)
        self.assertEqual(error.message,
                         "module '%s' called sys.exit(3) while being imported; move script code "
                         "under 'if __name__ == \"__main__\":'" % path)

    def test_exception_while_imported(self):
        path = self.write("pt2ts_ul_raises.py", """
            def fail():
                raise ValueError("bad config\\nsecond line")

            fail()
            """)
        error = self.import_fails(path)
        self.assertEqual(error.message, "importing module '%s' failed: ValueError: bad config" % path)
        # Only the user's frames: no importlib, no pt2ts.
        self.assertTrue(error.details.startswith("Traceback (most recent call last):\n"
                                                 '  File "%s", line 5, in <module>\n' % path),
                        error.details)
        self.assertIn('line 3, in fail', error.details)
        self.assertNotIn("<frozen", error.details)
        self.assertNotIn("<pt2ts>", error.details)
        self.assertTrue(error.details.endswith("ValueError: bad config\nsecond line\n"))
        self.assertNotIn("pt2ts_ul_raises", sys.modules)

    def test_keyboard_interrupt_goes_through(self):
        path = self.write("pt2ts_ul_interrupt.py", "raise KeyboardInterrupt\n")
        with self.assertRaises(KeyboardInterrupt):
            module_loader.import_user_module(path)

    def test_file_named_like_a_loaded_module(self):
        path = self.write("json.py", "VALUE = 1\n")
        import json

        error = self.import_fails(path)
        self.assertEqual(error.message,
                         "module file '%s' has the same name as the already loaded Python module "
                         "'json' (%s); rename the file" % (path, json.__file__))
        self.assertIsNotNone(sys.modules["json"].dumps)

    def test_file_named_like_a_built_in_module(self):
        path = self.write("sys.py", "")
        self.assertEqual(self.import_fails(path).message,
                         "module file '%s' has the same name as the already loaded Python module "
                         "'sys' (built in); rename the file" % path)

    def test_package_file_resolving_to_another_copy(self):
        first = os.path.join(self.folder, "first")
        for copy in ("first", "second"):
            self.write(copy + "/pt2ts_ul_dup/__init__.py")
            self.write(copy + "/pt2ts_ul_dup/net.py", "WHERE = %r\n" % copy)
        sys.path.insert(0, first)
        importlib.import_module("pt2ts_ul_dup.net")
        path = os.path.join(self.folder, "second", "pt2ts_ul_dup", "net.py")
        self.assertEqual(self.import_fails(path).message,
                         "'%s' imports as module 'pt2ts_ul_dup.net', but that name resolves to %s; "
                         "another module of that name comes first on the Python path"
                         % (path, os.path.join(first, "pt2ts_ul_dup", "net.py")))

    def test_package_file_when_another_package_of_that_name_is_loaded(self):
        # The loaded package has no such file: the message says to give the
        # .py file's path, which is what the user did.
        self.write("first/pt2ts_ul_other/__init__.py")
        sys.path.insert(0, os.path.join(self.folder, "first"))
        importlib.import_module("pt2ts_ul_other")
        self.write("second/pt2ts_ul_other/__init__.py")
        path = self.write("second/pt2ts_ul_other/net.py")
        self.assertTrue(self.import_fails(path).message.startswith(
            "no module named 'pt2ts_ul_other.net' on the Python path; add the folder that holds "
            "it with --pythonpath DIR, or give the .py file's path"))


@unittest.skipUnless(torch_available(), TORCH_MISSING)
class FindAndBuildModelTest(_UserFiles):
    SOURCE = """
        import torch
        from torch.nn import Linear

        class Net(torch.nn.Module):
            def __init__(self, width=2):
                super().__init__()
                self.fc = Linear(width, width)

            class Head(torch.nn.Module):
                pass

        class _Private(torch.nn.Module):
            pass

        def make_net(width):
            return Net(width)

        def make_nothing():
            return 42

        def make_failing():
            raise RuntimeError("no GPU\\nmore")

        instance = Net()
        number = 3
        """

    def setUp(self):
        super().setUp()
        self.path = self.write("pt2ts_ul_models.py", self.SOURCE)
        self.module = module_loader.import_user_module(self.path)

    def find(self, name):
        return module_loader.find_model(self.module, name, self.path)

    def build(self, name, *args, **kwargs):
        return module_loader.build_model(self.find(name), name, args, kwargs)

    def build_fails(self, name, *args, **kwargs):
        with self.assertRaises(ConversionError) as caught:
            self.build(name, *args, **kwargs)
        return caught.exception

    def test_found(self):
        self.assertIs(self.find("Net"), self.module.Net)
        self.assertIs(self.find("Net.Head"), self.module.Net.Head)

    def test_not_found_with_a_close_name(self):
        with self.assertRaises(ConversionError) as caught:
            self.find("Nett")
        self.assertEqual(caught.exception.message,
                         "'Nett' not found in module '%s'. Did you mean 'Net'?" % self.path)
        # Only what the module itself defines, and nothing private.
        self.assertEqual(caught.exception.details,
                         "Module '%s' offers:\n  nn.Module classes: Net\n  functions: "
                         "make_failing, make_net, make_nothing" % self.path)

    def test_not_found_without_a_close_name(self):
        with self.assertRaises(ConversionError) as caught:
            self.find("Transformer")
        self.assertEqual(caught.exception.message,
                         "'Transformer' not found in module '%s'." % self.path)

    def test_dotted_name_not_found(self):
        with self.assertRaises(ConversionError) as caught:
            self.find("Net.Tail")
        self.assertTrue(caught.exception.message.startswith(
            "'Net.Tail' not found in module '%s'." % self.path))

    def test_class_and_factory(self):
        self.assertEqual(self.build("Net", 3).fc.in_features, 3)
        self.assertEqual(self.build("Net", width=5).fc.in_features, 5)
        self.assertEqual(self.build("make_net", 4).fc.in_features, 4)

    def test_instance(self):
        self.assertIs(self.build("instance"), self.module.instance)
        self.assertEqual(self.build_fails("instance", 1).message,
                         "'instance' is already a model instance (Net), so --args/--kwargs cannot "
                         "be applied; drop them or name its class instead")

    def test_not_callable(self):
        self.assertEqual(self.build_fails("number").message,
                         "'number' is an int, not a class or function returning a torch.nn.Module")

    def test_wrong_arguments(self):
        error = self.build_fails("make_net", 1, 2, x="y")
        self.assertEqual(error.message, "cannot call make_net(1, 2, x='y'): too many positional "
                                        "arguments")
        self.assertEqual(error.details, "make_net takes: make_net(width)\nPass constructor "
                                        "arguments with --args V... and --kwargs KEY VALUE...")

    def test_constructor_raises(self):
        error = self.build_fails("make_failing")
        self.assertEqual(error.message,
                         "building the model make_failing() failed: RuntimeError: no GPU")
        self.assertIn('File "%s"' % self.path, error.details)
        self.assertNotIn("<pt2ts>", error.details)

    def test_returns_no_module(self):
        self.assertEqual(self.build_fails("make_nothing").message,
                         "make_nothing() returned 42, not a torch.nn.Module")


if __name__ == "__main__":
    unittest.main()
