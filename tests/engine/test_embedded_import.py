"""Unit tests of the _pt2ts package as the engine sets it up (embedded_import.py's
hook over every tool/engine/python/*.py, installed by pt2ts_engine.py the way
engine.cpp does): every module imports, in any order, without torch, under
the names and file names the tool gives them."""

import importlib
import sys
import unittest

from engine import pt2ts_engine


class EmbeddedPackageTest(unittest.TestCase):
    def test_every_module_imports(self):
        for name in pt2ts_engine.sources():
            with self.subTest(module=name):
                module = importlib.import_module("_pt2ts." + name)
                self.assertEqual(module.__name__, "_pt2ts." + name)
                self.assertEqual(module.__file__, "<pt2ts>/%s.py" % name)
                self.assertEqual(module.__spec__.origin, "<pt2ts>/%s.py" % name)

    def test_the_driver_the_engine_imports(self):
        driver = importlib.import_module("_pt2ts.driver")
        self.assertTrue(callable(getattr(driver, "main", None)))

    def test_package(self):
        package = sys.modules["_pt2ts"]
        self.assertEqual(package.__path__, [])
        self.assertIs(pt2ts_engine.install(), package)

    def test_hook_comes_first(self):
        hook = sys.meta_path[0]
        self.assertEqual(type(hook).__module__, "_pt2ts.embedded_import")
        self.assertIsNotNone(hook.find_spec("_pt2ts.errors"))
        self.assertIsNone(hook.find_spec("errors"))
        self.assertIsNone(hook.find_spec("_pt2ts.no_such_module"))

    def test_unknown_module(self):
        with self.assertRaises(ModuleNotFoundError):
            importlib.import_module("_pt2ts.no_such_module")


if __name__ == "__main__":
    unittest.main()
