"""Example and check inputs beyond one tensor per argument: keyword
arguments (a dict, or positional and keyword ones), arguments that are
lists of tensors of different sizes, checked in C++ for TorchScript and the
lite interpreter; mismatches named by the output leaf's path; torchvision's
detection models, whose scripted form returns (losses, detections)."""

import importlib.util
import inspect
import os
import unittest

import torch

from pt2ts_testing import EXIT_CONVERSION_FAILED, HAS_AOTI, Pt2tsTestCase, fixture, run_pt2ts

NESTED = fixture("models", "nested", "nested.py")
NO_TORCHVISION = ("needs torchvision beside this torch (Debian: python3-torchvision; pip: the "
                  "torchvision release made for this torch)")


def ids(*shape, high=50):
    return torch.randint(0, high, shape, generator=torch.Generator().manual_seed(sum(shape)))


def images(*sizes):
    generator = torch.Generator().manual_seed(len(sizes))
    return [torch.rand(3, h, w, generator=generator) for h, w in sizes]


class KeywordInputsTest(Pt2tsTestCase):
    """A transformer-style forward fed by keyword: the ids and segment ids
    skip the mask, so the artifact is called with a keyword argument."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = cls.class_folder("pt2ts-nested-kw-")
        cls.example = os.path.join(cls.folder, "example.pt")
        torch.save({"input_ids": ids(2, 5), "token_type_ids": ids(2, 5, high=2)}, cls.example)
        cls.checks = os.path.join(cls.folder, "checks.pt")
        torch.save([((ids(3, 7),), {"token_type_ids": ids(3, 7, high=2)}),
                    {"attention_mask": ids(1, 4, high=2), "input_ids": ids(1, 4)}], cls.checks)

    def test_scripted_and_lite_are_checked_with_keywords(self):
        for name in ("tokens.pt", "tokens.ptl"):
            result = self.convert(NESTED, "Tokens", "-s", self.path(name), "--example-inputs",
                                  self.example, "--check-inputs", self.checks, "-v")
            self.assertIn("LibTorch output matches eager PyTorch on the example inputs (2x5 "
                          "int64, token_type_ids=2x5 int64)", result.stderr)
            self.assertIn("on the check inputs 2 (1x4 int64, 1x4 int64): 2 tensor(s)",
                          result.stderr, "keywords that follow on are passed by position")

    @unittest.skipUnless(HAS_AOTI, "needs torch's AOTInductor packages (torch >= 2.6)")
    def test_package_takes_the_keywords_flattened(self):
        """torch.export with keyword arguments; the package takes the tensors
        flattened as pytree orders them, in C++ too."""
        checks = self.path("checks.pt")
        torch.save([{"token_type_ids": ids(2, 5, high=2), "input_ids": ids(2, 5, high=7)}],
                   checks)
        result = self.convert(NESTED, "Tokens", "-s", self.path("tokens.pt2"),
                              "--example-inputs", self.example, "--check-inputs", checks, "-v")
        self.assertIn("on the check inputs (2x5 int64, token_type_ids=2x5 int64): 2 tensor(s)",
                      result.stderr)

    def test_tracing_takes_the_keywords(self):
        result = run_pt2ts(NESTED, "Tokens", "-s", self.path("traced.pt"), "--method", "trace",
                           "--example-inputs", self.example, "-v")
        if "example_kwarg_inputs" in inspect.signature(torch.jit.trace).parameters:
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("matches eager PyTorch", result.stderr)
        else:  # torch 1.13's tracer takes positional inputs only
            self.assert_fails(result, EXIT_CONVERSION_FAILED, "takes positional inputs only",
                              "token_type_ids")


class ListInputsTest(Pt2tsTestCase):
    """A List[Tensor] argument of images of different sizes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = cls.class_folder("pt2ts-nested-list-")
        cls.example = os.path.join(cls.folder, "example.pt")
        torch.save((images((8, 8), (6, 10)),), cls.example)
        cls.checks = os.path.join(cls.folder, "checks.pt")
        torch.save([(images((5, 5)),), (images((9, 7), (4, 4), (8, 8)),)], cls.checks)

    def test_list_of_images_is_checked(self):
        result = self.convert(NESTED, "Images", "-s", self.path("images.pt"), "--example-inputs",
                              self.example, "--check-inputs", self.checks, "-v")
        self.assertIn("on the example inputs ([3x8x8 float32, 3x6x10 float32]): 4 tensor(s)",
                      result.stderr)
        self.assertIn("check inputs 1 ([3x5x5 float32]): 2 tensor(s)", result.stderr)
        self.assertIn("check inputs 2 ([3x9x7 float32, 3x4x4 float32, 3x8x8 float32]): "
                      "6 tensor(s)", result.stderr)

    def test_mismatch_names_the_leaf(self):
        out = self.path("out", "differs.pt")
        result = run_pt2ts(NESTED, "ImagesScriptedDiffers", "-s", out, "--example-inputs",
                           self.example)
        line = self.assert_fails(result, EXIT_CONVERSION_FAILED,
                                 "computes something else than the eager Python model on the "
                                 "example inputs ([3x8x8 float32, 3x6x10 float32]): "
                                 "output[1]['scores']: values differ")
        self.assertNotIn("output[0]", line)
        self.assert_no_output_left(self.path("out"))


@unittest.skipUnless(importlib.util.find_spec("torchvision"), NO_TORCHVISION)
class DetectionModelTest(Pt2tsTestCase):
    """torchvision's SSDlite (random weights, 3 classes) on lists of images
    of several sizes: scripted, it returns (losses, detections); its
    detections are compared with eager's, said in a note."""

    def test_detections_are_compared(self):
        example = self.path("example.pt")
        torch.save((images((64, 64), (80, 96)),), example)
        checks = self.path("checks.pt")
        torch.save([(images((72, 60)),)], checks)
        result = self.convert("torchvision.models.detection", "ssdlite320_mobilenet_v3_large",
                              "--kwargs", "weights", "None", "weights_backbone", "None",
                              "num_classes", "3", "-s", self.path("ssd.pt"),
                              "--example-inputs", example, "--check-inputs", checks, "-v")
        self.assertIn("pt2ts: note: SSD returns (losses, detections) when scripted and the "
                      "detections alone in eager Python", result.stderr)
        self.assertIn("LibTorch output matches eager PyTorch on the example inputs "
                      "([3x64x64 float32, 3x80x96 float32]): 6 tensor(s)", result.stderr)
        self.assertIn("check inputs ([3x72x60 float32]): 3 tensor(s)", result.stderr)


if __name__ == "__main__":
    unittest.main()
