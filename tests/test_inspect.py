"""pt2ts inspect: describes any TorchScript file without starting Python,
as text or JSON; refuses files that are not TorchScript cleanly."""

import json
import os
import subprocess
import unittest

import torch

from pt2ts_testing import (EXIT_CONVERSION_FAILED, EXIT_USAGE_ERROR, PT2TS, Pt2tsTestCase,
                           fixture, run_pt2ts)


class InspectOurArtifactTest(Pt2tsTestCase):
    def setUp(self):
        super().setUp()
        self.artifact = self.path("cnn.pt")
        self.convert(fixture("models", "multi", "net.py"), "SmallCNN", "-s", self.artifact,
                     "--kwargs", "depth", "2")

    def test_text(self):
        result = run_pt2ts("inspect", self.artifact)
        self.assertEqual(result.returncode, 0, result.stderr)
        text = result.stdout
        for fragment in ("format version: ", "producer: torch %s (recorded by pt2ts)" % torch.__version__,
                         "mode: eval", "forward(Tensor x) -> Tensor", "(SmallCNN)", "blocks",
                         "stem (Conv2d)", "float32:", "buffers: ", "pt2ts metadata (pt2ts.json):",
                         '"model": "SmallCNN"'):
            self.assertIn(fragment, text)

    def test_json_matches_the_module(self):
        result = run_pt2ts("inspect", "--json", self.artifact)
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        loaded = torch.jit.load(self.artifact)
        self.assertEqual(report["parameters"]["elements"],
                         sum(p.numel() for p in loaded.parameters()))
        self.assertEqual(report["buffers"]["tensors"], len(list(loaded.buffers())))
        self.assertEqual(report["parameters"]["by_dtype"]["float32"]["bytes"],
                         4 * report["parameters"]["elements"])
        self.assertFalse(report["training"])
        self.assertEqual([c["name"] for c in report["modules"]["children"]],
                         [name for name, _ in loaded.named_children()])
        self.assertEqual(report["methods"][0]["signature"], "forward(Tensor x) -> Tensor")
        self.assertEqual(report["pt2ts"]["kwargs"], {"depth": "2"})
        self.assertEqual(report["producer_torch_version"], torch.__version__)

    def test_starts_no_python(self):
        env = dict(os.environ, LD_DEBUG="libs")
        result = subprocess.run([PT2TS, "inspect", self.artifact], env=env, capture_output=True,
                                text=True, timeout=120)
        self.assertEqual(result.returncode, 0)
        self.assertIn("libtorch", result.stderr)  # the positive control: LD_DEBUG works
        self.assertNotIn("libpython", result.stderr)


class InspectForeignFileTest(Pt2tsTestCase):
    def test_torchvision_model_saved_by_plain_torch(self):
        try:
            import torchvision
        except ImportError:
            self.skipTest("python3-torchvision is not installed")
        model = torchvision.models.resnet18()
        path = self.path("resnet18.pt")
        torch.jit.script(model.eval()).save(path)
        result = run_pt2ts("inspect", "--json", path)
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        self.assertEqual(report["parameters"]["elements"], 11689512)
        self.assertIsNone(report["pt2ts"])
        self.assertIsNone(report["producer_torch_version"])
        self.assertIn("layer4", [c["name"] for c in report["modules"]["children"]])
        self.assertTrue(report["methods"][0]["signature"].startswith("forward(Tensor x)"))
        text = run_pt2ts("inspect", path).stdout
        self.assertIn("pt2ts metadata: none", text)
        self.assertIn("not recorded", text)


class InspectBadFileTest(Pt2tsTestCase):
    def write(self, name, data):
        with open(self.path(name), "wb") as file:
            file.write(data)
        return self.path(name)

    def test_not_torchscript(self):
        torch.save({"w": torch.ones(2)}, self.path("state_dict.pt"))
        model = self.path("model.pt")
        torch.jit.script(torch.nn.Linear(2, 2)).save(model)
        with open(model, "rb") as file:
            complete = file.read()
        cases = {
            "plain state dict": self.path("state_dict.pt"),
            "truncated": self.write("truncated.pt", complete[: len(complete) // 2]),
            "random bytes": self.write("random.pt", os.urandom(4096)),
            "empty": self.write("empty.pt", b""),
            "text": self.write("notes.txt", b"hello\n"),
        }
        for what, path in cases.items():
            with self.subTest(what=what):
                result = run_pt2ts("inspect", path)
                self.assert_fails(result, EXIT_CONVERSION_FAILED, "is not a TorchScript file",
                                  path)
                self.assertNotIn("Exception raised from", result.stderr)  # no C++ backtrace

    def test_usage_errors(self):
        self.assert_fails(run_pt2ts("inspect", self.path("missing.pt")), EXIT_USAGE_ERROR,
                          "missing.pt")
        self.assert_fails(run_pt2ts("inspect"), EXIT_USAGE_ERROR, "usage: pt2ts inspect")


if __name__ == "__main__":
    unittest.main()
