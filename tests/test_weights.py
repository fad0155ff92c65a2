"""End-to-end tests of pt2ts's weights loading (-w): the layouts of weights
files it finds a state dict in, wrapper prefixes, real training and GPU
checkpoints, refusing pickles that would run code, and strict matching.
Files that are no weights at all, and that a failed load never harms a
previous artifact: test_bad_inputs (WeightsTest).

Every weights file is written at test time into the test's temporary folder
with torch.save; each success test loads the artifact and compares its
outputs with an eager model holding the same weights, so the weights really
arrived (the fixture's weights are random values far from any fresh
initialisation)."""

import collections
import os
import pickle
import unittest
import zipfile

import torch

from pt2ts_testing import (EXIT_CONVERSION_FAILED, Pt2tsTestCase, fixture, import_file,
                           run_pt2ts, without_support_note)

MODEL_FILE = fixture("weights", "classifier.py")
# Imported under the name pt2ts gives it ('classifier'), so a whole model
# pickled here refers to 'classifier.Classifier', which pt2ts can resolve.
classifier = import_file(MODEL_FILE, name="classifier")


# ---------------------------------------------------------------------------
# Helpers that build models, inputs and weights files.

def make_model(seed=1, cls=None, **kwargs):
    """A fixture model whose every parameter and buffer holds random values
    (seeded), unlike any freshly initialised model."""
    torch.manual_seed(seed)
    model = (cls or classifier.Classifier)(**kwargs)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name.endswith("num_batches_tracked"):
                tensor.fill_(10 * seed)
            elif name.endswith("running_var"):
                tensor.uniform_(0.5, 2.0)
            else:
                tensor.normal_()
    return model.eval()


def sample_input():
    generator = torch.Generator().manual_seed(1234)
    return torch.randn(2, 3, 8, 8, generator=generator)


def save(obj, path, **kwargs):
    torch.save(obj, path, **kwargs)
    return path


def trained_checkpoint(model):
    """A full training checkpoint after one real SGD step: numbers, strings,
    lists, None, the optimizer's and the scheduler's state."""
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)
    loss = model(sample_input()).logsumexp(dim=1).mean()
    loss.backward()
    optimizer.step()
    scheduler.step()
    model.eval()
    return {
        "epoch": 7,
        "loss": 0.123,
        "lr": 0.1,
        "best_acc": 91.5,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "notes": "text",
        "flags": [True, None],
    }


def save_claiming_cuda(obj, path):
    """torch.save, but every storage is recorded as living on 'cuda:0', as
    when a checkpoint is written on a GPU machine."""
    original = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: "cuda:0"
    try:
        torch.save(obj, path)
    finally:
        torch.serialization.location_tag = original
    return path


class RunsOsSystem:
    """Unpickling this runs a shell command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ("touch '%s'" % self.marker,))


class RunsExec:
    """Unpickling this runs Python code through builtins.exec."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (exec, ("open(%r, 'w').close()" % self.marker,))


def save_with_payload(path, payload):
    """A dict of tensors (a real state dict) with the payload among them."""
    state = make_model().state_dict()
    state["payload"] = payload
    return save(state, path)


def qualified_name(function):
    """The global name pickle records for a function ('posix.system')."""
    return "%s.%s" % (function.__module__, function.__name__)


def pickle_with_vanished_class(path, module, class_name):
    """Saves a whole model whose class is pickled as module.class_name, then
    deletes the class from the module, so that the name is unresolvable.
    (A class from a module that does not exist at all: test_bad_inputs.)"""
    cls = type(class_name, (classifier.Classifier,), {"__module__": module.__name__})
    cls.__qualname__ = class_name
    setattr(module, class_name, cls)
    try:
        torch.save(make_model(cls=cls), path)
    finally:
        delattr(module, class_name)
    return path


# ---------------------------------------------------------------------------

class WeightsTestCase(Pt2tsTestCase):
    """Runs pt2ts on the fixture model with the output in its own folder."""

    def setUp(self):
        super().setUp()
        self.out_dir = self.path("out")
        self.out = os.path.join(self.out_dir, "model.pt")

    def run_weights(self, weights, *options, model="Classifier"):
        return run_pt2ts(MODEL_FILE, model, "-s", self.out, "-w", weights, *options)

    def convert_weights(self, weights, *options, model="Classifier"):
        return self.convert(MODEL_FILE, model, "-s", self.out, "-w", weights, *options)

    def assert_converted(self, eager):
        """The artifact computes what the eager model with the same weights
        computes."""
        return self.assert_matches_eager(self.out, eager, sample_input())

    def assert_refused(self, result, exit_code, *fragments):
        """The error contract plus: nothing written to the output folder."""
        line = self.assert_fails(result, exit_code, *fragments)
        self.assert_no_output_left(self.out_dir)
        return line

    def notes(self, result):
        return [l for l in without_support_note(result.stderr).splitlines()
                if l.startswith("pt2ts: note: ")]


class StateDictLayoutTest(WeightsTestCase):
    """Where in the file pt2ts finds the state dict."""

    def test_plain_state_dict(self):
        """torch.save(model.state_dict()) loads as it is, without notes."""
        model = make_model()
        result = self.convert_weights(save(model.state_dict(), self.path("plain.pt")))
        self.assertEqual(self.notes(result), [])
        self.assert_converted(model)

    def test_legacy_serialization_format(self):
        """A state dict in torch's pre-1.6 (non-zip) file format loads."""
        model = make_model()
        weights = save(model.state_dict(), self.path("legacy.pt"),
                       _use_new_zipfile_serialization=False)
        self.assertFalse(zipfile.is_zipfile(weights))
        self.convert_weights(weights)
        self.assert_converted(model)

    def test_checkpoint_with_state_dict_key(self):
        """checkpoint['state_dict'] is found by itself, and a note says so."""
        model = make_model()
        weights = save({"state_dict": model.state_dict(), "epoch": 3}, self.path("ckpt.pt"))
        result = self.convert_weights(weights)
        notes = self.notes(result)
        self.assertEqual(len(notes), 1, result.stderr)
        self.assertIn("'state_dict'", notes[0])
        self.assertIn(weights, notes[0])
        self.assert_converted(model)

    def test_checkpoint_with_model_state_dict_key(self):
        """checkpoint['model_state_dict'] is found by itself, and a note says so."""
        model = make_model()
        weights = save({"model_state_dict": model.state_dict(), "epoch": 3},
                       self.path("ckpt.pt"))
        result = self.convert_weights(weights)
        notes = self.notes(result)
        self.assertEqual(len(notes), 1, result.stderr)
        self.assertIn("'model_state_dict'", notes[0])
        self.assert_converted(model)

    def test_unusual_key_with_state_key(self):
        """--state_key picks a key no heuristic knows, even when a usual key
        holds other tensors."""
        model = make_model()
        decoy = make_model(seed=2)
        weights = save({"ema_weights_v2": model.state_dict(), "state_dict": decoy.state_dict()},
                       self.path("ckpt.pt"))
        self.convert_weights(weights, "--state_key", "ema_weights_v2")
        self.assert_converted(model)


class StateKeyErrorTest(WeightsTestCase):
    """Checkpoints in which the state dict cannot be found."""

    def test_no_usual_key_suggests_state_key(self):
        """A checkpoint with its state dict under an unknown key: the error
        lists the keys and suggests --state_key with the key that would work."""
        weights = save({"my_weights": make_model().state_dict(), "epoch": 7},
                       self.path("ckpt.pt"))
        line = self.assert_refused(self.run_weights(weights), EXIT_CONVERSION_FAILED,
                                   weights, "'my_weights', 'epoch'", "--state_key")
        self.assertIn("--state_key my_weights", line)

class WrapperPrefixTest(WeightsTestCase):
    """Keys saved from a wrapped model lose the wrapper's prefix, and only that."""

    def test_data_parallel_checkpoint(self):
        """A DataParallel state dict ('module.submodule.weight') loads: the
        prefix goes, the 'module.' inside 'submodule.' stays."""
        model = make_model()
        state = torch.nn.DataParallel(model).state_dict()
        self.assertIn("module.submodule.weight", state)
        self.convert_weights(save(state, self.path("dp.pt")))
        loaded = self.assert_converted(model)
        self.assertIn("submodule.weight", loaded.state_dict())

    def test_hand_prefixed_keys_in_checkpoint(self):
        """'module.' added by hand to every key, inside a checkpoint, loads too."""
        model = make_model()
        state = collections.OrderedDict(("module." + k, v) for k, v in model.state_dict().items())
        self.convert_weights(save({"state_dict": state}, self.path("ckpt.pt")))
        self.assert_converted(model)

    def test_torch_compile_prefix(self):
        """Keys from a torch.compile'd model ('_orig_mod.conv.weight') load."""
        model = make_model()
        state = collections.OrderedDict(
            ("_orig_mod." + k, v) for k, v in model.state_dict().items())
        self.convert_weights(save(state, self.path("compiled.pt")))
        self.assert_converted(model)

    def test_model_whose_child_is_named_module(self):
        """A model's own keys starting with 'module.' are used as they are."""
        model = make_model(cls=classifier.Holder)
        self.assertIn("module.submodule.weight", model.state_dict())
        self.convert_weights(save(model.state_dict(), self.path("holder.pt")), model="Holder")
        self.assert_converted(model)

    def test_data_parallel_of_model_whose_child_is_named_module(self):
        """'module.module.x' from DataParallel loses exactly one 'module.'."""
        model = make_model(cls=classifier.Holder)
        state = torch.nn.DataParallel(model).state_dict()
        self.assertIn("module.module.submodule.weight", state)
        self.convert_weights(save(state, self.path("dp-holder.pt")), model="Holder")
        self.assert_converted(model)


class TrainingCheckpointTest(WeightsTestCase):
    """Real checkpoints written by training scripts."""

    def test_full_training_checkpoint_needs_no_opt_in(self):
        """Epoch, floats, strings, None, optimizer and scheduler state load
        with no flag (torch 1.13's own weights_only=True refuses them)."""
        model = make_model()
        checkpoint = trained_checkpoint(model)
        self.assertTrue(checkpoint["optimizer_state_dict"]["state"], "no optimizer state")
        weights = save(checkpoint, self.path("train.pt"))
        if torch.__version__.startswith("1.13"):
            with self.assertRaises(pickle.UnpicklingError):
                torch.load(weights, weights_only=True)
        result = self.convert_weights(weights)
        self.assertTrue(any("'model_state_dict'" in n for n in self.notes(result)), result.stderr)
        self.assert_converted(model)

    @unittest.skipIf(torch.cuda.is_available(), "needs a machine without CUDA")
    def test_checkpoint_saved_on_gpu(self):
        """Tensors recorded on 'cuda:0' (which plain torch.load cannot read
        here) are mapped onto the CPU."""
        model = make_model()
        weights = save_claiming_cuda({"state_dict": model.state_dict(), "epoch": 1},
                                     self.path("gpu.pt"))
        with self.assertRaisesRegex(RuntimeError, "CUDA"):
            torch.load(weights)
        self.convert_weights(weights)
        self.assert_converted(model)


class UnsafePickleTest(WeightsTestCase):
    """Pickles that would import or run code are refused unless trusted."""

    def check_payload_refused(self, payload_class, function):
        # The payload is real: loading the same kind of file with full pickle
        # (torch.load's default before torch 2.6) runs it (into a different marker).
        proof_marker = self.path("proof-ran")
        torch.load(save_with_payload(self.path("proof.pt"), payload_class(proof_marker)),
                   weights_only=False)
        self.assertTrue(os.path.exists(proof_marker), "the payload does not run at all")

        marker = self.path("payload-ran")
        weights = save_with_payload(self.path("evil.pt"), payload_class(marker))
        result = self.run_weights(weights)
        self.assertFalse(os.path.exists(marker),
                         "pt2ts ran the payload of %s\nstderr:\n%s" % (weights, result.stderr))
        self.assert_refused(result, EXIT_CONVERSION_FAILED,
                            weights, "'%s'" % qualified_name(function), "--trust-weights")

    def test_exec_payload_is_not_run(self):
        """A pickled builtins.exec call among the tensors is refused, never run."""
        self.check_payload_refused(RunsExec, exec)

    def test_whole_pickled_model_refused_by_default(self):
        """torch.save(model) needs the model's class imported: refused, naming it."""
        weights = save(make_model(), self.path("whole.pt"))
        self.assert_refused(self.run_weights(weights), EXIT_CONVERSION_FAILED,
                            weights, "'classifier.Classifier'", "--trust-weights")

    def test_whole_pickled_model_with_trust_weights(self):
        """With --trust-weights a whole pickled model gives its state dict."""
        model = make_model()
        self.convert_weights(save(model, self.path("whole.pt")), "--trust-weights")
        self.assert_converted(model)

    def test_trusted_class_missing_from_existing_module(self):
        """Trusted, a class the model's module no longer defines is a clear error."""
        weights = pickle_with_vanished_class(self.path("retired.pt"), classifier,
                                             "RetiredClassifier")
        self.assert_refused(self.run_weights(weights, "--trust-weights"), EXIT_CONVERSION_FAILED,
                            weights, "cannot be found", "RetiredClassifier")


class StrictMatchingTest(WeightsTestCase):
    """Weights must fit the model exactly unless --non-strict."""

    def test_shape_mismatch(self):
        """Weights of a 5-class model into a 3-class one: counted and listed."""
        weights = save(make_model(num_classes=5).state_dict(), self.path("five.pt"))
        result = self.run_weights(weights)
        line = self.assert_refused(result, EXIT_CONVERSION_FAILED, weights, "'Classifier'",
                                   "2 shape mismatches", "--non-strict")
        self.assertNotIn("missing", line)
        self.assertNotIn("unexpected", line)
        self.assertIn("submodule.weight: weights [5, 4], model [3, 4]", result.stderr)
        self.assertIn("submodule.bias: weights [5], model [3]", result.stderr)

    def test_weights_with_extra_layer(self):
        """Weights with a layer the model lacks: unexpected keys, named."""
        weights = save(make_model(extra_block=True).state_dict(), self.path("extra.pt"))
        result = self.run_weights(weights)
        self.assert_refused(result, EXIT_CONVERSION_FAILED, weights, "2 unexpected keys")
        self.assertIn("extra.weight", result.stderr)
        self.assertIn("extra.bias", result.stderr)

    def test_weights_missing_a_layer(self):
        """A model with a layer the weights lack: missing keys, named, along
        with shape mismatches in the same message."""
        weights = save(make_model(num_classes=5).state_dict(), self.path("five.pt"))
        result = self.run_weights(weights, "--kwargs", "extra_block", "True")
        self.assert_refused(result, EXIT_CONVERSION_FAILED, weights,
                            "2 missing keys", "2 shape mismatches")
        self.assertIn("extra.weight", result.stderr)
        self.assertIn("submodule.weight", result.stderr)

    def test_non_strict_loads_what_matches(self):
        """--non-strict warns, and every layer that matches holds the
        checkpoint's values; the mismatched ones keep the model's shapes."""
        checkpoint = make_model(num_classes=5).state_dict()
        weights = save(checkpoint, self.path("five.pt"))
        result = self.convert_weights(weights, "--non-strict", "--kwargs", "extra_block", "True")
        warnings = [l for l in result.stderr.splitlines() if l.startswith("pt2ts: warning: ")]
        self.assertEqual(len(warnings), 1, result.stderr)
        self.assertIn("2 missing keys, 2 shape mismatches", warnings[0])
        loaded = torch.jit.load(self.out).state_dict()
        for key in ("conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean",
                    "bn.running_var", "bn.num_batches_tracked"):
            torch.testing.assert_close(loaded[key], checkpoint[key], msg=key)
        self.assertEqual(list(loaded["submodule.weight"].shape), [3, 4])
        self.assertEqual(list(loaded["extra.weight"].shape), [4, 4, 1, 1])

    def test_non_strict_ignores_extra_layer(self):
        """--non-strict with only unexpected keys: the model is complete and
        computes what the eager model computes."""
        source = make_model(extra_block=True)
        weights = save(source.state_dict(), self.path("extra.pt"))
        result = self.convert_weights(weights, "--non-strict")
        self.assertIn("pt2ts: warning: ", result.stderr)
        eager = classifier.Classifier()
        eager.load_state_dict(source.state_dict(), strict=False)
        self.assert_converted(eager)


if __name__ == "__main__":
    unittest.main()
