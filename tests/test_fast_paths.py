"""The fast path (initialisation skipped, loaded tensors used in place) gives
byte-identical artifacts to the plain path, and steps aside where it would be
unsafe."""

import os
import unittest

import torch

from pt2ts_testing import Pt2tsTestCase, fixture, import_file

SPECIAL = fixture("models", "fast_paths", "special.py")
PLAIN = dict(os.environ, PT2TS_DISABLE_FAST_PATHS="1")


class FastPathTest(Pt2tsTestCase):
    def weights_of(self, module_path, model_name, **kwargs):
        module = import_file(module_path, "fast_path_%s_%d" % (model_name, id(self)))
        torch.manual_seed(42)  # other values than pt2ts's seed-0 initialisation
        model = getattr(module, model_name)(**kwargs)
        with torch.no_grad():
            for tensor in model.state_dict(keep_vars=True).values():
                if tensor.is_floating_point():  # positive: batch norm variances
                    tensor.copy_(torch.rand_like(tensor) + 0.5)
        path = self.path(model_name + "_weights.pt")
        torch.save(model.state_dict(), path)
        return path, model

    def convert_both_ways(self, module_path, model_name, *extra):
        """Returns (fast bytes, plain bytes, fast stderr)."""
        results = []
        for name, env in (("fast", None), ("plain", PLAIN)):
            out = self.path(name, "model.pt")  # same file name: the zip embeds it
            result = self.convert(module_path, model_name, "-s", out, "-v", *extra, env=env)
            with open(out, "rb") as file:
                results.append((file.read(), result.stderr))
        return results[0][0], results[1][0], results[0][1]

    def assert_identical(self, module_path, model_name, fast_expected, *extra, **kwargs):
        weights, eager = self.weights_of(module_path, model_name, **kwargs)
        fast, plain, log = self.convert_both_ways(module_path, model_name, "-w", weights, *extra)
        self.assertEqual(fast, plain, "the fast path changed the artifact")
        self.assertEqual("initialisation skipped" in log and "as the model's own" in log,
                         fast_expected, log)
        return weights, eager

    def test_mlp(self):
        _, eager = self.assert_identical(fixture("models", "single", "mlp.py"), "MLP", True)
        self.assert_matches_eager(self.path("fast", "model.pt"), eager, torch.randn(3, 4))

    def test_batchnorm_buffers(self):
        _, eager = self.assert_identical(fixture("models", "multi", "net.py"), "SmallCNN", True)
        self.assert_matches_eager(self.path("fast", "model.pt"), eager, torch.randn(2, 3, 8, 8),
                                  atol=1e-5)

    def test_tied_weights(self):
        _, eager = self.assert_identical(SPECIAL, "TiedWeights", True)
        self.assert_matches_eager(self.path("fast", "model.pt"), eager, torch.tensor([[1, 5, 7]]))

    def test_persistent_computed_buffer_and_attention(self):
        _, eager = self.assert_identical(SPECIAL, "PositionalEncoding", True)
        self.assert_matches_eager(self.path("fast", "model.pt"), eager, torch.randn(2, 5, 8),
                                  atol=1e-5)

    def test_non_persistent_buffer_falls_back(self):
        """The constructor fills a buffer the weights do not hold: the model is
        built normally, so the buffer has its real values (same bytes)."""
        self.assert_identical(SPECIAL, "ComputedBuffer", False)

    def test_wrapper_prefix(self):
        weights, eager = self.weights_of(fixture("models", "single", "mlp.py"), "MLP")
        state = torch.load(weights)
        torch.save({"module." + k: v for k, v in state.items()}, weights)
        fast, plain, log = self.convert_both_ways(fixture("models", "single", "mlp.py"), "MLP",
                                                  "-w", weights)
        self.assertEqual(fast, plain)
        self.assertIn("as the model's own", log)

    def test_non_strict_keeps_normal_initialisation(self):
        """Parameters absent from the weights keep their normal initial values."""
        weights, _ = self.weights_of(fixture("models", "single", "mlp.py"), "MLP")
        state = torch.load(weights)
        del state["fc2.weight"]
        torch.save(state, weights)
        fast, plain, log = self.convert_both_ways(fixture("models", "single", "mlp.py"), "MLP",
                                                  "-w", weights, "--non-strict")
        self.assertEqual(fast, plain)
        self.assertNotIn("initialisation skipped", log)
        torch.manual_seed(0)
        normal = import_file(fixture("models", "single", "mlp.py"), "fast_path_normal").MLP()
        loaded = torch.jit.load(self.path("fast", "model.pt"))
        torch.testing.assert_close(loaded.fc2.weight, normal.fc2.weight)

    def test_mismatch_still_reported(self):
        weights, _ = self.weights_of(fixture("models", "single", "mlp.py"), "MLP", hidden=5)
        from pt2ts_testing import EXIT_CONVERSION_FAILED, run_pt2ts
        result = run_pt2ts(fixture("models", "single", "mlp.py"), "MLP", "-w", weights,
                           "-s", self.path("m.pt"))
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "shape mismatches")


if __name__ == "__main__":
    unittest.main()
