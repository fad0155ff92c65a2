"""Finding, importing and building models: single files, sibling imports,
packages with relative imports, factories, constructor arguments of every
literal kind, and errors particular to them (the catalogue of bad inputs,
each checked against the whole error contract, is test_bad_inputs)."""

import os
import shutil
import unittest

import torch

from pt2ts_testing import EXIT_CONVERSION_FAILED, Pt2tsTestCase, fixture, import_file


class SingleFileTest(Pt2tsTestCase):
    def test_class_with_kwargs_matches_eager(self):
        out = self.path("mlp.pt")
        self.convert(fixture("models", "single", "mlp.py"), "MLP", "-s", out,
                     "--kwargs", "hidden", "32", "activation", "tanh")
        torch.manual_seed(0)  # pt2ts seeds the same way, so random init matches
        eager = import_file(fixture("models", "single", "mlp.py")).MLP(hidden=32, activation="tanh")
        self.assert_matches_eager(out, eager, torch.randn(3, 4))

    def test_factory_function(self):
        out = self.path("factory.pt")
        self.convert(fixture("models", "single", "mlp.py"), "make_mlp", "-s", out,
                     "--args", "24")
        loaded = torch.jit.load(out)
        self.assertEqual(loaded(torch.zeros(2, 4)).shape, (2, 3))
        self.assertEqual(loaded.fc1.weight.shape, (24, 4))

    def test_seed_defaults_save_path(self):
        """Without -s the seed's default ./torchScriptModel.pt is written."""
        self.convert(fixture("models", "single", "mlp.py"), "MLP", cwd=self.tmp)
        self.assertTrue(os.path.isfile(self.path("torchScriptModel.pt")))


class MultiFileTest(Pt2tsTestCase):
    def test_sibling_imports(self):
        out = self.path("cnn.pt")
        self.convert(fixture("models", "multi", "net.py"), "SmallCNN", "-s", out,
                     "--kwargs", "depth", "3")
        torch.manual_seed(0)
        eager = import_file(fixture("models", "multi", "net.py")).SmallCNN(depth=3)
        self.assert_matches_eager(out, eager, torch.randn(2, 3, 16, 16), atol=1e-5)

    def test_relative_path_from_another_folder(self):
        shutil.copytree(fixture("models", "multi"), self.path("src"))
        os.mkdir(self.path("build"))
        self.convert("../src/net.py", "SmallCNN", "-s", "out/cnn.pt", cwd=self.path("build"))
        self.assertTrue(os.path.isfile(self.path("build", "out", "cnn.pt")))


class PackageTest(Pt2tsTestCase):
    def test_file_inside_package_with_relative_imports(self):
        out = self.path("zoo.pt")
        self.convert(fixture("models", "zoo", "models", "tiny_resnet.py"), "TinyResNet",
                     "-s", out, "--args", "7")
        outputs = torch.jit.load(out)(torch.randn(1, 3, 8, 8))
        self.assertEqual(sorted(outputs), ["features", "logits"])
        self.assertEqual(outputs["logits"].shape, (1, 7))

    def test_dotted_module_name_with_pythonpath(self):
        out = self.path("zoo.pt")
        self.convert("--pythonpath", fixture("models"), "zoo.models", "tiny_resnet",
                     "-s", out, "--kwargs", "num_classes", "3")
        torch.manual_seed(0)
        import sys
        sys.path.insert(0, fixture("models"))
        try:
            import zoo.models
            eager = zoo.models.tiny_resnet(num_classes=3)
        finally:
            sys.path.remove(fixture("models"))
        self.assert_matches_eager(out, eager, torch.randn(2, 3, 8, 8), atol=1e-5)

    def test_package_folder(self):
        out = self.path("zoo.pt")
        self.convert(fixture("models", "zoo", "models"), "TinyResNet", "-s", out)
        self.assertTrue(os.path.isfile(out))

    def test_dotted_name_not_on_path(self):
        result = self.run_fail("zoo.models", "TinyResNet")
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "no module named 'zoo.models'",
                          "--pythonpath")

    def run_fail(self, *args):
        from pt2ts_testing import run_pt2ts
        result = run_pt2ts(*args, "-s", self.path("out", "m.pt"))
        self.assert_no_output_left(self.path("out"))
        return result


class ConstructorArgumentsTest(Pt2tsTestCase):
    def received(self, *args):
        out = self.path("recorder.pt")
        self.convert(fixture("models", "kinds", "recorder.py"), "Recorder", "-s", out, *args)
        return torch.jit.load(out).received

    def test_every_literal_kind(self):
        received = self.received(
            "--args", "3", "-1", "3.0", "1e-3", "010", "relu", "True", "False", "None",
            "'quoted'", "[1, 2]", "(2, 2, 2, 2)", "{'a': 1}", "0x1f", "hello world", "",
            "--kwargs", "name", "\"x y\"", "inf", "inf", "nested", "{'k': [1, (2, 3)], 'n': None}")
        expected = ((3, -1, 3.0, 0.001, 10, "relu", True, False, None, "quoted", [1, 2],
                     (2, 2, 2, 2), {"a": 1}, 31, "hello world", ""),
                    [("inf", float("inf")), ("name", "x y"),
                     ("nested", {"k": [1, (2, 3)], "n": None})])
        self.assertEqual(received, repr(expected))

    def test_positionals_after_double_dash(self):
        out = self.path("recorder.pt")
        self.convert("--args", "1", "2", "--", fixture("models", "kinds", "recorder.py"),
                     "Recorder", "-s", out)
        self.assertEqual(torch.jit.load(out).received, repr(((1, 2), [])))

    def test_positionals_before_options(self):
        self.assertEqual(self.received("--kwargs", "a", "1", "--args", "x"),
                         repr((("x",), [("a", 1)])))

    def test_signature_mismatch_shows_signature(self):
        from pt2ts_testing import run_pt2ts
        result = run_pt2ts(fixture("models", "kinds", "recorder.py"), "Strict",
                           "-s", self.path("m.pt"), "--kwargs", "width", "3")
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "cannot call Strict(width=3)")
        self.assertIn("(features: int, bias: bool = True, *, scale: float = 1.0)", result.stderr)
        self.assert_no_output_left(self.tmp)


class ModelLookupErrorsTest(Pt2tsTestCase):
    """(Names that are not models, constructors and modules that raise,
    syntax errors, missing files: test_bad_inputs.)"""

    def fails(self, module, model, *args):
        from pt2ts_testing import run_pt2ts
        result = run_pt2ts(module, model, "-s", self.path("out", "m.pt"), *args)
        self.assert_no_output_left(self.path("out"))
        return result

    def test_sys_exit_at_import(self):
        result = self.fails(fixture("models", "broken", "exits_on_import.py"), "Net")
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "called sys.exit(2)")


class UnscriptableTest(Pt2tsTestCase):
    def assert_unscriptable(self, model, *fragments):
        from pt2ts_testing import run_pt2ts
        result = run_pt2ts(fixture("models", "broken", "unscriptable.py"), model,
                           "-s", self.path("out", "m.pt"))
        line = self.assert_fails(result, EXIT_CONVERSION_FAILED, "torch.jit.script cannot compile",
                                 "unscriptable.py, line", *fragments)
        self.assert_no_output_left(self.path("out"))
        return line, result

    def test_builtin_open(self):
        _, result = self.assert_unscriptable("OpensFiles")
        self.assertIn("<--- HERE", result.stderr)  # torch's own pointer into the user's source

    def test_numpy_in_forward(self):
        self.assert_unscriptable("UsesNumpy")

    def test_variable_changing_type(self):
        self.assert_unscriptable("DynamicTypes", "'y'")


if __name__ == "__main__":
    unittest.main()
