"""--dtype: the model converted in float64 computes in double and matches the
eager double model to 1e-10; in bfloat16 it matches eager bfloat16 within
that precision's default tolerance; the metadata records the precision; a
precision pt2ts does not know is a usage error. One conversion per
precision, shared by the assertions."""

import json
import unittest

import torch

from pt2ts_testing import (EXIT_CONVERSION_FAILED, EXIT_USAGE_ERROR, NEEDS_AOTI, Pt2tsTestCase,
                           fixture, import_file, run_pt2ts)

CONVNET = fixture("models", "precision", "convnet.py")
BFLOAT16_TOLERANCE = 5e-2  # tool/options/precision.cpp, docs/formats.md


def torch_runs(dtype):
    """Whether this torch has the model's CPU kernels in this precision
    (torch 1.13 has no float16 convolution on the CPU)."""
    try:
        torch.nn.functional.conv2d(torch.ones(1, 1, 3, 3, dtype=dtype),
                                   torch.ones(1, 1, 1, 1, dtype=dtype))
        return True
    except RuntimeError:
        return False


def metadata(path):
    extra = {"pt2ts.json": ""}
    torch.jit.load(path, _extra_files=extra)
    return json.loads(extra["pt2ts.json"])


class DtypeTest(Pt2tsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        folder = cls.class_folder("pt2ts-dtype-")
        torch.manual_seed(1)
        cls.model = import_file(CONVNET).ConvNet().eval()
        with torch.no_grad():  # batch norm statistics that are not the identity
            cls.model.norm.running_mean.uniform_(-1, 1)
            cls.model.norm.running_var.uniform_(0.5, 2)
        cls.weights = folder + "/weights.pt"
        torch.save(cls.model.state_dict(), cls.weights)
        cls.artifacts, cls.results = {}, {}
        # float64 with --atol given: its default rtol, the atol given.
        for dtype, extra in (("float64", ["--atol", "1e-9"]), ("bfloat16", [])):
            cls.artifacts[dtype] = "%s/%s.pt" % (folder, dtype)
            cls.results[dtype] = run_pt2ts(CONVNET, "ConvNet", "-w", cls.weights, "--dtype", dtype,
                                           "--example-input", "2x3x8x8", "-v",
                                           "-s", cls.artifacts[dtype], *extra)

    def converted(self, dtype):
        result = self.results[dtype]
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("LibTorch output matches eager PyTorch on the example inputs (2x3x8x8 %s)"
                      % dtype, result.stderr)
        return torch.jit.load(self.artifacts[dtype])

    def test_float64_computes_in_double_and_matches_eager_double(self):
        loaded = self.converted("float64")
        self.assertIn("comparing with eager PyTorch at rtol 1e-10, atol 1e-09 in float64",
                      self.results["float64"].stderr, "float64's rtol, the --atol given")
        dtypes = {name: t.dtype for name, t in loaded.state_dict().items()}
        self.assertEqual(dtypes["conv.weight"], torch.float64)
        self.assertEqual(dtypes["norm.running_var"], torch.float64)
        self.assertEqual(dtypes["norm.num_batches_tracked"], torch.int64, "integers keep theirs")
        x = torch.randn(3, 3, 8, 8, dtype=torch.float64)
        eager = import_file(CONVNET).ConvNet().eval()
        eager.load_state_dict(torch.load(self.weights))
        with torch.no_grad():
            expected = eager.double()(x)
            actual = loaded(x)
        self.assertEqual(actual.dtype, torch.float64)
        torch.testing.assert_close(actual, expected, rtol=1e-10, atol=1e-10)

    def test_bfloat16_matches_eager_bfloat16_within_its_tolerance(self):
        loaded = self.converted("bfloat16")
        self.assertIn("comparing with eager PyTorch at rtol 0.05, atol 0.05 in bfloat16",
                      self.results["bfloat16"].stderr, "bfloat16's default tolerances")
        self.assertEqual(loaded.state_dict()["fc.weight"].dtype, torch.bfloat16)
        x = torch.randn(2, 3, 8, 8).bfloat16()
        eager = import_file(CONVNET).ConvNet().eval()
        eager.load_state_dict(torch.load(self.weights))
        with torch.no_grad():
            expected = eager.bfloat16()(x)
            actual = loaded(x)
        self.assertEqual(actual.dtype, torch.bfloat16)
        torch.testing.assert_close(actual, expected, rtol=BFLOAT16_TOLERANCE,
                                   atol=BFLOAT16_TOLERANCE)

    def test_metadata_records_the_precision(self):
        self.converted("float64")
        self.assertEqual(metadata(self.artifacts["float64"])["export"]["dtype"], "float64")
        self.assertEqual(metadata(self.artifacts["bfloat16"])["export"]["dtype"], "bfloat16")

    def test_unknown_precision_is_a_usage_error(self):
        result = run_pt2ts(CONVNET, "ConvNet", "--dtype", "float8", "-s", self.path("m.pt"))
        self.assert_fails(result, EXIT_USAGE_ERROR, "'float8' is not a precision",
                          "float32, float64, float16, bfloat16")
        self.assert_no_output_left(self.tmp)

    @unittest.skipIf(torch_runs(torch.float16),
                     "this torch has float16 convolutions on the CPU: nothing to refuse")
    def test_float16_without_cpu_kernels_names_bfloat16(self):
        result = run_pt2ts(CONVNET, "ConvNet", "--dtype", "float16", "--example-input",
                           "1x3x8x8", "-s", self.path("out", "h.pt"))
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "cannot run this model in float16 on "
                          "the CPU", "--dtype bfloat16")
        self.assert_no_output_left(self.path("out"))


@NEEDS_AOTI
class Float64PackageTest(Pt2tsTestCase):
    """A float64 .pt2 package computes in double and matches eager double to
    1e-10: AOTInductor's freezing is left off for it (its oneDNN weight
    prepacking takes no float64, and the package failed at run time)."""

    def test_float64_package_matches_eager_double(self):
        package = self.path("double.pt2")
        weights = self.path("weights.pt")
        torch.manual_seed(2)
        eager = import_file(CONVNET).ConvNet().eval()
        torch.save(eager.state_dict(), weights)
        result = run_pt2ts(CONVNET, "ConvNet", "-w", weights, "--dtype", "float64",
                           "--example-input", "2x3x8x8", "-v", "-s", package)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("compiles it without freezing", result.stderr)
        loaded = torch._inductor.aoti_load_package(package)
        settings = json.loads(loaded.get_metadata()["pt2ts.inductor"])
        self.assertFalse(settings["freezing"])
        x = torch.randn(2, 3, 8, 8, dtype=torch.float64)
        with torch.no_grad():
            actual, expected = loaded(x), eager.double()(x)
        self.assertEqual(actual.dtype, torch.float64)
        torch.testing.assert_close(actual, expected, rtol=1e-10, atol=1e-10)


if __name__ == "__main__":
    unittest.main()
