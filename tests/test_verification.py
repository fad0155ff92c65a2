"""Every artifact is loaded by LibTorch in C++; with example inputs its
outputs are compared with the eager model's. Torch version safety. The
pt2ts.json metadata embedded in artifacts."""

import hashlib
import json
import os
import re
import shutil
import unittest

import torch

from pt2ts_testing import (EXIT_CONVERSION_FAILED, EXIT_USAGE_ERROR, Pt2tsTestCase, fixture,
                           import_file, run_pt2ts)

CHECKED = fixture("models", "verification", "checked.py")


def sha256(path):
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


class NumericalCheckTest(Pt2tsTestCase):
    def test_matching_model_passes_and_reports_differences(self):
        out = self.path("m.pt")
        result = self.convert(CHECKED, "Matching", "-s", out, "--example-input", "2x3x8x8", "-v")
        self.assertIn("LibTorch (C++) loads the artifact", result.stderr)
        self.assertRegex(result.stderr, r"LibTorch output matches eager PyTorch on the example "
                                        r"inputs \(2x3x8x8 float32\): 1 tensor\(s\), "
                                        r"largest absolute difference \S+")

    def test_tuple_dict_and_list_outputs_are_compared(self):
        result = self.convert(CHECKED, "Structured", "-s", self.path("s.pt"),
                              "--example-input", "5x4:float32", "-v")
        self.assertIn("5 tensor(s)", result.stderr)

    def test_infinity_of_the_other_sign_is_caught(self):
        result = run_pt2ts(CHECKED, "InfinitySignDiffers", "-s", self.path("i.pt"),
                           "--example-input", "2x4", "--rtol", "1", "--atol", "1")
        self.assert_fails(result, EXIT_CONVERSION_FAILED,
                          "computes something else than the eager Python model",
                          "largest absolute difference inf")

    def test_scripting_difference_is_caught(self):
        out = self.path("d.pt")
        shutil.copy(fixture("models", "single", "mlp.py"), self.path("previous.pt"))
        os.rename(self.path("previous.pt"), out)
        with open(out, "rb") as file:
            previous = file.read()
        result = run_pt2ts(CHECKED, "ScriptedDiffers", "-s", out, "--example-input", "2x4")
        line = self.assert_fails(result, EXIT_CONVERSION_FAILED,
                                 "computes something else than the eager Python model",
                                 "output['scaled']", "largest absolute difference")
        self.assertNotIn("output['same']", line)
        with open(out, "rb") as kept:
            self.assertEqual(kept.read(), previous, "the previous artifact must stay")
        self.assert_no_output_left(self.tmp, allowed=["d.pt"])

    def test_unused_python_path_fails_in_libtorch(self):
        result = run_pt2ts(CHECKED, "UnusedPath", "-s", self.path("out", "u.pt"),
                           "--example-input", "2x4")
        self.assert_fails(result, EXIT_CONVERSION_FAILED,
                          "fails when LibTorch runs it on the example inputs")
        self.assert_no_output_left(self.path("out"))

    def test_without_inputs_the_unused_path_is_not_run(self):
        """Only the load check happens without inputs: the same model converts."""
        self.convert(CHECKED, "UnusedPath", "-s", self.path("u.pt"))

    def test_ignored_python_call_cannot_be_exported(self):
        result = run_pt2ts(CHECKED, "IgnoredPath", "-s", self.path("out", "i.pt"))
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "torch.jit.save cannot export",
                          "postprocess")
        self.assert_no_output_left(self.path("out"))

    def test_inputs_file_with_valid_token_ids(self):
        inputs = self.path("inputs.pt")
        torch.save((torch.tensor([[3, 7, 49, 0], [1, 2, 0, 0]]), torch.tensor([3, 2])), inputs)
        out = self.path("tokens.pt")
        result = self.convert(CHECKED, "TokenClassifier", "-s", out, "--example-inputs", inputs,
                              "-v", "--depfile", self.path("tokens.d"))
        self.assertIn("matches eager PyTorch", result.stderr)
        with open(self.path("tokens.d")) as depfile:
            self.assertIn(inputs, depfile.read(), "the inputs file is a dependency")

    def test_random_ids_out_of_range_fail_in_eager(self):
        result = run_pt2ts(CHECKED, "TokenClassifier", "-s", self.path("out", "t.pt"),
                           "--kwargs", "vocabulary", "5", "--example-input", "2x4:int64",
                           "--example-input", "2:int64")
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "the eager model fails on the example "
                          "inputs (2x4 int64, 2 int64)")

    def test_tolerance_can_accept_a_known_difference(self):
        """A difference within --atol is accepted: the tolerances are used."""
        self.convert(CHECKED, "ScriptedDiffers", "-s", self.path("d.pt"),
                     "--example-input", "2x4", "--atol", "1000")

    def test_inputs_file_not_tensors(self):
        inputs = self.path("inputs.pt")
        torch.save((torch.ones(2), "ids"), inputs)
        result = run_pt2ts(CHECKED, "Matching", "-s", self.path("out", "m.pt"),
                           "--example-inputs", inputs)
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "argument 1 is a str",
                          "a dict of keyword arguments")

    def test_usage_errors(self):
        cases = [(["--example-input", "2xx3"], "not a dimension size"),
                 (["--example-input", "2x3:complex"], "unknown dtype 'complex'"),
                 (["--example-input", "2x3", "--example-inputs", CHECKED], "exclude each other"),
                 (["--rtol", "0.1"], "give the inputs"),
                 (["--example-input", "2x3", "--atol", "-1"], "--atol"),
                 (["--example-inputs", self.path("missing.pt")], "does not exist")]
        for extra, fragment in cases:
            with self.subTest(extra=extra):
                result = run_pt2ts(CHECKED, "Matching", "-s", self.path("out", "m.pt"), *extra)
                self.assert_fails(result, EXIT_USAGE_ERROR, fragment)
                self.assertFalse(os.path.exists(self.path("out")))


class TorchVersionTest(Pt2tsTestCase):
    """A different torch in the Python environment is simulated with the test
    hook PT2TS_TEST_PYTHON_TORCH_VERSION (read before torch is imported). The
    simulated versions derive from the real one, so "another version" is
    another version on every torch (a fixed "2.6.0" was torch 2.6's own)."""

    RELEASE = tuple(int(part) for part in
                    re.match(r"(\d+)\.(\d+)\.(\d+)", torch.__version__).groups())

    def env(self, version):
        return dict(os.environ, PT2TS_TEST_PYTHON_TORCH_VERSION=version)

    def other_versions(self):
        major, minor, patch = self.RELEASE
        return ["%d.%d.%d" % (major + 1, minor, patch), "%d.%d.%d" % (major, minor + 1, patch),
                "%d.%d.%d+cpu" % (major, minor, patch + 1)]

    def test_mismatch_is_refused(self):
        for version in self.other_versions():
            with self.subTest(version):
                result = run_pt2ts(CHECKED, "Matching", "-s", self.path("out", "m.pt"),
                                   env=self.env(version))
                self.assert_fails(result, EXIT_CONVERSION_FAILED, "has torch %s" % version,
                                  "--allow-torch-version-mismatch")
                self.assert_no_output_left(self.path("out"))

    def test_override_checks_in_a_separate_process(self):
        result = self.convert(CHECKED, "Matching", "-s", self.path("m.pt"), "-v",
                              "--example-input", "1x3x4x4", "--allow-torch-version-mismatch",
                              env=self.env(self.other_versions()[0]))
        self.assertIn("checking in a separate process", result.stderr)
        self.assertIn("matches eager PyTorch", result.stderr)

    def test_same_release_in_every_spelling_is_accepted(self):
        """X.Y.Z, X.Y.Z+local (Debian's 2.6.0+debian, 2.6.0+cpu) and
        X.Y.ZaN (Debian 12's 1.13.0a0+gitunknown): the release is what
        LibTorch's CMake package records, so those all match it."""
        release = "%d.%d.%d" % self.RELEASE
        for version in (release, release + "+cpu", release + "a0", release + "a0+gitunknown"):
            with self.subTest(version):
                self.convert(CHECKED, "Matching", "-s", self.path("m.pt"),
                             env=self.env(version))


class MetadataTest(Pt2tsTestCase):
    NET = fixture("models", "multi", "net.py")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One conversion with every input the metadata and the depfile record
        # (a checkpoint's state dict, an inputs file, a --depends file),
        # shared by the tests that only read its results.
        cls.folder = cls.class_folder("pt2ts-metadata-")
        cls.weights = os.path.join(cls.folder, "w.pt")
        torch.manual_seed(3)
        eager = import_file(cls.NET).SmallCNN(depth=1)
        torch.save({"state_dict": eager.state_dict()}, cls.weights)
        cls.inputs = os.path.join(cls.folder, "inputs.pt")
        torch.save(torch.randn(1, 3, 8, 8), cls.inputs)
        cls.vocabulary = os.path.join(cls.folder, "vocabulary.txt")
        with open(cls.vocabulary, "w") as file:
            file.write("a b c\n")
        cls.out, cls.depfile = (os.path.join(cls.folder, name) for name in ("cnn.pt", "cnn.d"))
        cls.make_known_good_artifact(cls.out, cls.NET, "SmallCNN", "-w", cls.weights,
                                     "--kwargs", "depth", "1", "--example-inputs", cls.inputs,
                                     "--depends", cls.vocabulary, "--depfile", cls.depfile)

    def read_metadata(self, path):
        extra = {"pt2ts.json": ""}
        torch.jit.load(path, _extra_files=extra)
        return json.loads(extra["pt2ts.json"])

    def test_metadata_round_trips_and_has_no_paths(self):
        record = self.read_metadata(self.out)
        self.assertEqual(record["model"], "SmallCNN")
        self.assertEqual(record["module"], "net")
        self.assertEqual(record["kwargs"], {"depth": "1"})
        self.assertEqual(record["torch_version"], torch.__version__)
        self.assertFalse(record["training"])
        self.assertTrue(record["export"]["checked_on_example_inputs"])
        self.assertEqual(record["weights"]["sha256"], sha256(self.weights))
        self.assertEqual(sorted(record["sources"]), ["activations", "blocks", "net"])
        self.assertEqual(record["sources"]["blocks"],
                         sha256(fixture("models", "multi", "blocks.py")))
        self.assertNotIn(self.folder, json.dumps(record))
        self.assertNotIn(os.path.dirname(fixture("x")), json.dumps(record))

    def test_one_inventory_feeds_depfile_and_metadata(self):
        """The depfile lists exactly the files whose hashes the metadata
        records: the imported modules, the weights, the inputs file and the
        --depends files."""
        with open(self.depfile) as file:
            listed = {line.strip(" \\\n") for line in file.read().split(":", 1)[1].splitlines()}
        folder = os.path.dirname(self.NET)
        modules = {name: os.path.join(folder, name + ".py") for name in ("net", "blocks", "activations")}
        self.assertEqual(listed - {""},
                         set(modules.values()) | {self.weights, self.inputs, self.vocabulary})
        record = self.read_metadata(self.out)
        self.assertEqual(record["sources"], {name: sha256(path) for name, path in modules.items()})
        self.assertEqual(record["weights"]["sha256"], sha256(self.weights))
        self.assertEqual(record["depends"],
                         [{"file": "vocabulary.txt", "sha256": sha256(self.vocabulary)}])

    def test_metadata_keeps_artifacts_reproducible(self):
        """Two conversions to the same path give the same bytes, metadata
        included (no timestamps)."""
        out = self.path("model.pt")
        contents = []
        for _ in range(2):
            self.convert(fixture("models", "multi", "net.py"), "SmallCNN", "-s", out)
            with open(out, "rb") as file:
                contents.append(file.read())
        self.assertEqual(contents[0], contents[1])
        self.assertIn(b"pt2ts.json", contents[0])


if __name__ == "__main__":
    unittest.main()
