"""How the model is captured (--method script|trace|auto), checked on more
input sets (--check-input, --check-inputs) and frozen (--freeze,
--preserve): real models through the real tool, artifacts loaded by torch
and checked by pt2ts's LibTorch."""

import importlib.util
import json
import os
import re
import shutil
import unittest

import torch

from pt2ts_testing import (EXIT_CONVERSION_FAILED, EXIT_USAGE_ERROR, Pt2tsTestCase, fixture,
                           import_file, read_bytes, run_pt2ts, without_support_note)

UNSCRIPTABLE = fixture("models", "capture", "unscriptable.py")
FROZEN = fixture("models", "capture", "frozen.py")
SCRIPTABLE = fixture("models", "multi", "net.py")

unscriptable = import_file(UNSCRIPTABLE, name="capture_unscriptable")
frozen = import_file(FROZEN, name="capture_frozen")


def read_metadata(path):
    extra = {"pt2ts.json": ""}
    torch.jit.load(path, _extra_files=extra)
    return json.loads(extra["pt2ts.json"])


def lines(stderr, prefix):
    """stderr's lines starting with prefix, less the note newer torch
    releases get about TorchScript's support (tested in test_output)."""
    return [line for line in without_support_note(stderr).splitlines()
            if line.startswith(prefix)]


class TraceTest(Pt2tsTestCase):
    """One traced artifact of a dict-returning, dataclass-configured model,
    shared by the class's tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = cls.class_folder("pt2ts-trace-")
        cls.artifact = os.path.join(cls.folder, "configured.pt")
        cls.args = (UNSCRIPTABLE, "configured_net", "-s", cls.artifact, "--method", "trace",
                    "--example-input", "2x8", "--check-input", "5x8")
        cls.result = run_pt2ts(*cls.args)

    def test_traced_artifact_matches_eager_at_other_batch_sizes(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertEqual(without_support_note(self.result.stderr), "", "a clean trace is quiet")
        eager = unscriptable.configured_net()
        eager.load_state_dict(torch.jit.load(self.artifact).state_dict())
        for batch in (1, 7):
            self.assert_matches_eager(self.artifact, eager, torch.randn(batch, 8))

    def test_metadata_records_the_method_and_inputs(self):
        export = read_metadata(self.artifact)["export"]
        self.assertEqual(export["method"], "trace")
        self.assertEqual(export["requested_method"], "trace")
        self.assertFalse(export["trace_strict"], "a dict output needs strict=False")
        self.assertEqual(export["example_inputs"], ["2x8:float32"])
        self.assertEqual(export["check_inputs"], ["5x8:float32"])
        self.assertFalse(export["freeze"])
        self.assertEqual(export["format"], "torchscript")

    def test_trace_is_byte_reproducible(self):
        again = os.path.join(self.folder, "again", "configured.pt")
        os.makedirs(os.path.dirname(again))
        shutil.copyfile(self.artifact, again)
        self.convert(*self.args[:3], again, *self.args[4:])
        self.assertEqual(read_bytes(again), read_bytes(self.artifact))

    def test_trace_needs_example_inputs(self):
        result = run_pt2ts(UNSCRIPTABLE, "configured_net", "-s", self.path("m.pt"),
                           "--method", "trace")
        self.assert_fails(result, EXIT_USAGE_ERROR, "--example-input")
        self.assertFalse(os.path.exists(self.path("m.pt")))

    def test_unknown_method_is_a_usage_error(self):
        result = run_pt2ts(UNSCRIPTABLE, "configured_net", "--method", "compile")
        self.assert_fails(result, EXIT_USAGE_ERROR, "--method")


class ContainerOutputsTest(Pt2tsTestCase):
    def test_lists_and_namedtuples_trace(self):
        for kwargs in (("as_list", "True"), ()):
            with self.subTest(kwargs=kwargs):
                out = self.path("containers%d.pt" % len(kwargs))
                self.convert(UNSCRIPTABLE, "Containers", "-s", out, "--method", "trace",
                             "--example-input", "2x4", "--check-input", "3x4",
                             *(("--kwargs",) + kwargs if kwargs else ()))
                self.assertIsInstance(read_metadata(out)["export"]["trace_strict"], bool)
                eager = unscriptable.Containers(as_list=bool(kwargs))
                eager.load_state_dict(torch.jit.load(out).state_dict())
                self.assert_matches_eager(out, eager, torch.randn(5, 4))


class BakedShapeTest(Pt2tsTestCase):
    """A trace that bakes in the example's shape. (With a check input of
    another size it is refused and a previous artifact kept:
    test_bad_inputs, CaptureOptionsTest.)"""

    def test_without_a_check_input_the_trace_is_kept(self):
        """Tracing alone cannot see it: why check inputs exist."""
        self.convert(UNSCRIPTABLE, "BakedShape", "-s", self.path("baked.pt"), "--method",
                     "trace", "--example-input", "2x4")


class TracerWarningTest(Pt2tsTestCase):
    def test_each_distinct_warning_once_with_the_users_line_and_a_count(self):
        result = self.convert(UNSCRIPTABLE, "DataDependent", "-s", self.path("d.pt"),
                              "--method", "trace", "--example-input", "2x4")
        warnings = lines(result.stderr, "pt2ts: warning: ")
        with open(UNSCRIPTABLE) as source:
            line = next(number for number, text in enumerate(source, start=1)
                        if "the tracer's warning points here" in text)
        self.assertEqual(len(warnings), 1, result.stderr)
        self.assertIn("%s:%d: TracerWarning: Converting a tensor to a Python boolean"
                      % (UNSCRIPTABLE, line), warnings[0])
        # Three times per run of forward; torch's trace check runs it again.
        count = re.search(r"\((\d+) times\)$", warnings[0])
        self.assertTrue(count and int(count.group(1)) % 3 == 0, warnings[0])

    @unittest.skipUnless(importlib.util.find_spec("torchaudio"),
                         "needs torchaudio (apt-get install python3-torchaudio)")
    def test_torchaudio_deepspeech_traces_and_matches_at_other_sizes(self):
        """A real zoo model (scripting refuses it on torch 1.13): traced,
        checked on another batch size and length, its torch-internal warnings
        attributed to the model's own line. Narrow (n_hidden 64, not 2048):
        the same layers and code paths, without 50 s of 2048-wide LSTMs."""
        from torchaudio.models import DeepSpeech
        model_file = self.path("deepspeech_model.py")
        with open(model_file, "w") as file:
            file.write("from torchaudio.models import DeepSpeech\n\n\n"
                       "def make():\n    return DeepSpeech(n_feature=40, n_hidden=64, n_class=10)\n")
        out = self.path("deepspeech.pt")
        result = self.convert(model_file, "make", "-s", out, "--method", "trace",
                              "--example-input", "1x1x50x40", "--check-input", "3x1x77x40")
        for warning in lines(result.stderr, "pt2ts: warning: "):
            self.assertIn("deepspeech.py", warning.split(": ")[2])
            self.assertIn("(in torch/", warning)
        torch.manual_seed(0)
        eager = DeepSpeech(n_feature=40, n_hidden=64, n_class=10)
        eager.load_state_dict(torch.jit.load(out).state_dict())
        self.assert_matches_eager(out, eager, torch.randn(2, 1, 64, 40), atol=1e-5)


class AutoTest(Pt2tsTestCase):
    def test_scriptable_model_is_scripted(self):
        out = self.path("cnn.pt")
        result = self.convert(SCRIPTABLE, "SmallCNN", "-s", out, "--method", "auto",
                              "--example-input", "1x3x8x8")
        self.assertEqual(lines(result.stderr, "pt2ts: note: "), [])
        export = read_metadata(out)["export"]
        self.assertEqual((export["method"], export["requested_method"]), ("script", "auto"))

    def test_unscriptable_model_is_traced_with_one_note(self):
        out = self.path("configured.pt")
        result = self.convert(UNSCRIPTABLE, "configured_net", "-s", out, "--method", "auto",
                              "--example-input", "2x8")
        notes = lines(result.stderr, "pt2ts: note: ")
        self.assertEqual(len(notes), 1, result.stderr)
        self.assertIn("torch.jit.script cannot compile model 'configured_net' (%s, line"
                      % UNSCRIPTABLE, notes[0])
        self.assertIn("try blocks aren't supported", notes[0])
        self.assertIn("tracing it on the example inputs (2x8 float32)", notes[0])
        self.assertEqual(read_metadata(out)["export"]["method"], "trace")

    def test_without_example_inputs_fails_naming_example_input(self):
        out = self.path("configured.pt")
        result = run_pt2ts(UNSCRIPTABLE, "configured_net", "-s", out, "--method", "auto")
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "torch.jit.script cannot compile",
                          "--example-input")
        self.assertFalse(os.path.exists(out))

    def test_script_failure_suggests_tracing(self):
        result = run_pt2ts(UNSCRIPTABLE, "configured_net", "-s", self.path("m.pt"))
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "try blocks aren't supported",
                          "--method trace (or auto)", "--example-input")


class FreezeTest(Pt2tsTestCase):
    """Artifacts of one model: unfrozen (checked on the sets of a
    --check-inputs file), frozen, and frozen with a preserved method."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        folder = cls.class_folder("pt2ts-freeze-")
        cls.plain = os.path.join(folder, "plain.pt")
        cls.frozen = os.path.join(folder, "frozen.pt")
        cls.preserved = os.path.join(folder, "preserved.pt")
        common = (FROZEN, "trained", "--example-input", "2x3x10x10")
        # The unfrozen one is checked on two sets from a --check-inputs file.
        sets = os.path.join(folder, "sets.pt")
        torch.save([(torch.randn(1, 3, 9, 9),), (torch.randn(4, 3, 16, 16),)], sets)
        cls.plain_result = run_pt2ts(*common, "--check-inputs", sets, "-v", "-s", cls.plain)
        if cls.plain_result.returncode != 0:
            raise AssertionError("cannot convert %s:\n%s" % (cls.plain, cls.plain_result.stderr))
        for out, extra in ((cls.frozen, ("--freeze",)),
                           (cls.preserved, ("--freeze", "--preserve", "describe"))):
            cls.make_known_good_artifact(out, *common, "--check-input", "1x3x12x12", *extra)

    def test_several_sets_from_a_check_inputs_file_each_checked(self):
        for name in ("example inputs (2x3x10x10 float32)", "check inputs 1 (1x3x9x9 float32)",
                     "check inputs 2 (4x3x16x16 float32)"):
            self.assertIn("matches eager PyTorch on the " + name, self.plain_result.stderr)

    def test_freezing_folds_the_parameters_into_constants(self):
        self.assertGreater(len(list(torch.jit.load(self.plain).parameters())), 0)
        self.assertEqual(list(torch.jit.load(self.frozen).parameters()), [])
        eager = frozen.trained().eval()
        self.assert_matches_eager(self.frozen, eager, torch.randn(3, 3, 10, 10), atol=1e-5)
        export = read_metadata(self.frozen)["export"]
        self.assertTrue(export["freeze"])
        self.assertEqual(export["preserve"], [])

    def test_preserve_keeps_a_method(self):
        self.assertFalse(hasattr(torch.jit.load(self.frozen), "describe"))
        self.assertEqual(torch.jit.load(self.preserved).describe(), 7)
        self.assertEqual(read_metadata(self.preserved)["export"]["preserve"], ["describe"])

    def test_traced_model_freezes_too(self):
        out = self.path("traced_frozen.pt")
        self.convert(UNSCRIPTABLE, "configured_net", "-s", out, "--method", "trace",
                     "--example-input", "2x8", "--freeze")
        export = read_metadata(out)["export"]
        self.assertEqual((export["method"], export["freeze"]), ("trace", True))

    def test_usage_errors(self):
        for args, fragment in ((("--freeze", "--train"), "--train"),
                               (("--preserve", "describe"), "--freeze")):
            with self.subTest(args=args):
                result = run_pt2ts(FROZEN, "trained", "-s", self.path("m.pt"), *args)
                self.assert_fails(result, EXIT_USAGE_ERROR, fragment)


class CheckInputsFileTest(Pt2tsTestCase):
    """(Sets from a --check-inputs file, each checked: FreezeTest.)"""

    def test_count_mismatch_is_a_usage_error(self):
        result = run_pt2ts(FROZEN, "trained", "--example-input", "2x3x10x10",
                           "--check-input", "1x3x9x9", "--check-input", "1x3")
        self.assert_fails(result, EXIT_USAGE_ERROR, "--check-input", "--example-input")


if __name__ == "__main__":
    unittest.main()
