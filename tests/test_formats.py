"""How the artifact is written (--format): TorchScript archives and
lite-interpreter files, each loaded back by its own C++ loader in pt2ts's
check and by torch here, and described by pt2ts inspect."""

import json
import os
import subprocess
import unittest

import torch

from pt2ts_testing import (EXIT_USAGE_ERROR, PT2TS, Pt2tsTestCase, fixture, import_file,
                           read_bytes, run_pt2ts)

FROZEN = fixture("models", "capture", "frozen.py")
UNSCRIPTABLE = fixture("models", "capture", "unscriptable.py")
frozen = import_file(FROZEN, name="formats_frozen")


def inspect_json(path):
    result = subprocess.run([PT2TS, "inspect", "--json", path], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout)


class LiteFormatTest(Pt2tsTestCase):
    """A lite-interpreter file chosen by its .ptl extension, shared by the tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = cls.class_folder("pt2ts-lite-")
        cls.artifact = os.path.join(cls.folder, "convbn.ptl")
        cls.args = (FROZEN, "trained", "--example-input", "2x3x10x10", "--check-input",
                    "1x3x12x12")
        cls.make_known_good_artifact(cls.artifact, *cls.args)

    def test_lite_file_runs_in_the_mobile_loader_like_eager(self):
        from torch.jit.mobile import _load_for_lite_interpreter
        loaded = _load_for_lite_interpreter(self.artifact)
        eager = frozen.trained().eval()
        x = torch.randn(3, 3, 14, 14)
        with torch.no_grad():
            torch.testing.assert_close(loaded(x), eager(x), rtol=1e-5, atol=1e-6)

    def test_inspect_describes_it(self):
        report = inspect_json(self.artifact)
        self.assertEqual(report["format"], "lite")
        self.assertIsInstance(report["bytecode_version"], int)
        self.assertGreaterEqual(report["bytecode_version"], 4)
        self.assertIn("forward", report["lite_methods"])
        self.assertEqual(report["pt2ts"]["export"]["format"], "lite")
        self.assertEqual(report["pt2ts"]["model"], "trained")
        text = subprocess.run([PT2TS, "inspect", self.artifact], capture_output=True, text=True,
                              check=True).stdout
        self.assertIn("lite-interpreter file, bytecode version", text)

    def test_lite_file_is_byte_reproducible(self):
        again = os.path.join(self.folder, "again", "convbn.ptl")
        os.makedirs(os.path.dirname(again))
        self.make_known_good_artifact(again, *self.args)
        self.assertEqual(read_bytes(again), read_bytes(self.artifact))

    def test_traced_and_frozen_model_as_lite_file(self):
        out = self.path("configured.ptl")
        self.convert(UNSCRIPTABLE, "configured_net", "-s", out, "--method", "trace",
                     "--example-input", "2x8", "--check-input", "4x8", "--freeze")
        export = inspect_json(out)["pt2ts"]["export"]
        self.assertEqual((export["format"], export["method"], export["freeze"]),
                         ("lite", "trace", True))

    def test_format_option_with_a_neutral_extension(self):
        out = self.path("model.bin")
        self.convert(FROZEN, "trained", "-s", out, "--format", "lite")
        self.assertEqual(inspect_json(out)["format"], "lite")


class TorchScriptFormatTest(Pt2tsTestCase):
    def test_default_and_explicit_torchscript(self):
        for args in ((), ("--format", "torchscript")):
            with self.subTest(args=args):
                out = self.path("m%d.pt" % len(args))
                self.convert(FROZEN, "trained", "-s", out, *args)
                report = inspect_json(out)
                self.assertEqual((report["format"], report["bytecode_version"]),
                                 ("torchscript", None))
                self.assertEqual(report["pt2ts"]["export"]["format"], "torchscript")

    def test_usage_errors(self):
        for args, fragments in ((("--format", "onnx"), ("'onnx'", "torchscript, lite")),
                                (("--format", "lite", "-s", self.path("m.pt")), ("--format",)),
                                (("--format", "torchscript", "-s", self.path("m.ptl")),
                                 ("--format",))):
            with self.subTest(args=args):
                self.assert_fails(run_pt2ts(FROZEN, "trained", *args), EXIT_USAGE_ERROR,
                                  *fragments)


if __name__ == "__main__":
    unittest.main()
