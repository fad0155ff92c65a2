"""End-to-end tests of training checkpoints that hold more than tensors
(issue 21): configurations, optimizer states and a LightningModule's
"model."-prefixed state dict load without --trust-weights, the classes the
file names becoming inert stand-ins that are never imported or run; a
payload that would run code never runs, beside the state dict or inside it
(then one clear error); a real checkpoint of pip's `lightning`, where the
Python pt2ts embeds has it.

Every file is written at test time with torch.save (or Lightning's
trainer.save_checkpoint); each success test compares the artifact with the
eager model holding the same weights."""

import argparse
import collections
import dataclasses
import importlib.util
import os

import torch

from pt2ts_testing import EXIT_CONVERSION_FAILED
from test_weights import (RunsExec, RunsOsSystem, WeightsTestCase, classifier, make_model,
                          sample_input, save)


@dataclasses.dataclass
class TrainingConfig:
    """A dataclass configuration, as training scripts keep in checkpoints."""
    lr: float = 0.1
    layers: tuple = (4, 8)
    name: str = "run-1"


class LitLike(torch.nn.Module):
    """What a LightningModule's state dict looks like: the model under the
    attribute 'model', so every key starts with 'model.'."""

    def __init__(self, model):
        super().__init__()
        self.model = model


def lightning_style_checkpoint(model, hyper_parameters=None):
    """What Lightning's trainer.save_checkpoint writes, with plain torch.save."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.train()
    model(sample_input()).logsumexp(dim=1).mean().backward()
    optimizer.step()
    model.eval()
    return {
        "epoch": 4,
        "global_step": 40,
        "pytorch-lightning_version": "2.6.6",
        "state_dict": LitLike(model).state_dict(),
        "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": 5}}}},
        "callbacks": {},
        "optimizer_states": [optimizer.state_dict()],
        "lr_schedulers": [],
        "hparams_name": "kwargs",
        "hyper_parameters": hyper_parameters if hyper_parameters is not None else {
            "args": argparse.Namespace(lr=0.1, batch_size=32, tags=["a", "b"]),
            "config": TrainingConfig(),
            "num_classes": 3,
        },
    }


class LightningStyleCheckpointTest(WeightsTestCase):
    """A Lightning-style checkpoint written with plain torch.save."""

    def test_converts_without_trust_weights(self):
        """Namespace and dataclass in hyper_parameters, optimizer state,
        'model.' keys: converts untrusted, notes the key and the prefix."""
        model = make_model()
        weights = save(lightning_style_checkpoint(model), self.path("lightning.ckpt"))
        result = self.convert_weights(weights)
        notes = self.notes(result)
        self.assertEqual(len(notes), 2, result.stderr)
        self.assertIn("under key 'state_dict'", notes[0])
        self.assertIn("removed the 'model.' prefix", notes[1])
        self.assert_converted(model)

    def test_stacked_wrapper_prefixes(self):
        """DistributedDataParallel around a torch.compile'd model: 'module._orig_mod.'."""
        model = make_model()
        state = collections.OrderedDict(("module._orig_mod." + k, v)
                                        for k, v in model.state_dict().items())
        self.convert_weights(save({"state_dict": state}, self.path("ddp-compiled.pt")))
        self.assert_converted(model)

    def test_prefix_kept_when_the_keys_would_not_match(self):
        """A shared 'model.' is only removed when the keys then match the model's."""
        state = LitLike(make_model(extra_block=True)).state_dict()  # 'model.extra.weight'
        weights = save({"state_dict": state}, self.path("other.ckpt"))
        result = self.run_weights(weights)
        self.assert_refused(result, EXIT_CONVERSION_FAILED, weights, "does not match")
        self.assertNotIn("removed the", result.stderr)

    def test_notes_said_once_when_the_fast_path_falls_back(self):
        """Shapes that differ: the plain path reports, each note said once."""
        state = LitLike(make_model(num_classes=5)).state_dict()
        weights = save({"state_dict": state}, self.path("five.ckpt"))
        result = self.run_weights(weights)
        self.assert_refused(result, EXIT_CONVERSION_FAILED, weights, "2 shape mismatches")
        self.assertEqual(len(self.notes(result)), 2, result.stderr)

    def test_payload_in_hyper_parameters_never_runs(self):
        """Payloads beside the state dict stay stand-ins: the conversion
        succeeds and nothing ran."""
        proof = self.path("proof-ran")
        torch.load(save(RunsOsSystem(proof), self.path("proof.pt")), weights_only=False)
        self.assertTrue(os.path.exists(proof), "the payload does not run at all")

        shell, python = self.path("shell-ran"), self.path("exec-ran")
        model = make_model()
        checkpoint = lightning_style_checkpoint(model, {
            "args": argparse.Namespace(lr=0.1), "evil": RunsOsSystem(shell),
            "nested": {"deeper": [RunsExec(python)]}})
        weights = save(checkpoint, self.path("evil-hparams.ckpt"))
        result = self.convert_weights(weights)
        self.assertFalse(os.path.exists(shell), "pt2ts ran the payload\n" + result.stderr)
        self.assertFalse(os.path.exists(python), "pt2ts ran the payload\n" + result.stderr)
        self.assert_converted(model)

    def test_payload_inside_the_state_dict(self):
        """A payload among the state dict's tensors: one clear error naming
        the entry, suggesting --trust-weights; the payload never ran."""
        marker = self.path("payload-ran")
        checkpoint = lightning_style_checkpoint(make_model())
        checkpoint["state_dict"]["model.payload"] = RunsOsSystem(marker)
        weights = save(checkpoint, self.path("evil-state.ckpt"))
        result = self.run_weights(weights)
        self.assertFalse(os.path.exists(marker), "pt2ts ran the payload\n" + result.stderr)
        line = self.assert_refused(result, EXIT_CONVERSION_FAILED, weights, "'state_dict'",
                                   "'model.payload'", "'%s.system'" % os.system.__module__,
                                   "--trust-weights")
        self.assertIn("refusing to load", line)

    def test_config_object_inside_the_state_dict(self):
        """A class (no code to run) inside the state dict: the same error."""
        state = make_model().state_dict()
        state["config"] = TrainingConfig()
        weights = save(state, self.path("config-in-state.pt"))
        self.assert_refused(self.run_weights(weights), EXIT_CONVERSION_FAILED, weights,
                            "'config'", "'%s.TrainingConfig'" % __name__, "--trust-weights")


LIGHTNING_MISSING = ("lightning is not installed in the Python pt2ts embeds "
                     "(pip install lightning==2.6.6 into that environment)")


def lightning_available():
    # The test runs under the Python pt2ts embeds (PT2TS_PYTHON_EXECUTABLE).
    return importlib.util.find_spec("lightning") is not None


class RealLightningCheckpointTest(WeightsTestCase):
    """trainer.save_checkpoint of a LightningModule wrapping the fixture model."""

    def setUp(self):
        if not lightning_available():
            self.skipTest(LIGHTNING_MISSING)
        super().setUp()

    def test_real_lightning_checkpoint(self):
        import lightning

        class LitClassifier(lightning.LightningModule):
            def __init__(self, lr=0.05, config=None):
                super().__init__()
                self.save_hyperparameters()
                self.model = classifier.Classifier()

            def training_step(self, batch, batch_index):
                inputs, labels = batch
                return torch.nn.functional.cross_entropy(self.model(inputs), labels)

            def configure_optimizers(self):
                return torch.optim.SGD(self.parameters(), lr=self.hparams.lr, momentum=0.9)

        torch.manual_seed(3)
        data = torch.utils.data.TensorDataset(torch.randn(4, 3, 8, 8), torch.randint(0, 3, (4,)))
        module = LitClassifier(config=argparse.Namespace(depth=2))
        trainer = lightning.Trainer(max_epochs=1, logger=False, enable_checkpointing=False,
                                    accelerator="cpu", enable_progress_bar=False,
                                    enable_model_summary=False)
        trainer.fit(module, torch.utils.data.DataLoader(data, batch_size=2))
        weights = self.path("real.ckpt")
        trainer.save_checkpoint(weights)
        model = module.model.eval()
        result = self.convert_weights(weights)
        self.assertTrue(any("removed the 'model.' prefix" in n for n in self.notes(result)),
                        result.stderr)
        self.assert_converted(model)
