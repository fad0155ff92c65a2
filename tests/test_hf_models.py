"""End-to-end tests on models from the libraries people take them from
(issue 21): small Hugging Face `transformers` models built from configs
(BERT, GPT-2 without its cache, ViT; nothing is downloaded), converted with
--method auto (they do not script, so pt2ts traces them) and to .pt2
packages with a dynamic batch, each compared with eager at a batch size no
conversion saw; GPT-2 returning its cache object refused with one clear
error; and a `timm` model with --method auto.

Each model file is written into a temporary folder as a small Python module
with one factory per model (a fixed seed, hidden size 32, 2 layers), and
converted once per class. Classes skip, saying why, where the Python pt2ts
embeds lacks transformers or timm."""

import collections.abc
import importlib.util
import os
import unittest

import torch

from pt2ts_testing import EXIT_CONVERSION_FAILED, Pt2tsTestCase, import_file, run_pt2ts
from test_aoti import NEEDS_AOTI, load_package

# The models, as a user's module file: tiny sizes, a fixed seed, GPT-2's
# cache off unless asked for.
HF_MODELS = '''
import torch
import transformers

VOCAB = 64
SIZES = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)


def _seeded(model_class, config):
    torch.manual_seed(0)
    return model_class(config)


def bert():
    return _seeded(transformers.BertModel, transformers.BertConfig(
        vocab_size=VOCAB, max_position_embeddings=32, **SIZES))


def gpt2(use_cache=False):
    return _seeded(transformers.GPT2Model, transformers.GPT2Config(
        vocab_size=VOCAB, n_positions=32, n_embd=32, n_layer=2, n_head=2,
        bos_token_id=VOCAB - 1, eos_token_id=VOCAB - 1, use_cache=use_cache))


def vit():
    return _seeded(transformers.ViTModel, transformers.ViTConfig(
        image_size=16, patch_size=4, **SIZES))
'''

TIMM_MODELS = '''
import timm
import torch


def test_resnet():
    torch.manual_seed(0)
    return timm.create_model("test_resnet", pretrained=False, num_classes=10)
'''

# The example inputs' batch, the check inputs', and the batch the tests
# compare at, which no conversion saw.
EXAMPLE_BATCH, CHECK_BATCH, UNSEEN_BATCH = 2, 3, 5
SEQUENCE = 8


# Where each package comes from, for the skip reasons.
HOW_TO_GET = {
    "transformers": "Debian testing: apt-get install python3-transformers; pip: pip install "
                    "transformers, as .ci/pip.sh's pip stage does",
    "timm": "no Debian package; pip: pip install timm with a torchvision matching torch, as "
            ".ci/pip.sh's pip-cuda stage does",
}


def missing(package):
    """The reason to skip when the Python pt2ts embeds (the tests' own)
    lacks the package, else None."""
    if importlib.util.find_spec(package) is None:
        return "%s is not installed in the Python pt2ts embeds (%s)" % (package,
                                                                         HOW_TO_GET[package])
    return None


def token_ids(batch):
    return torch.randint(0, 64, (batch, SEQUENCE))


def images(batch):
    return torch.randn(batch, 3, 16, 16)


def named_outputs(outputs):
    """{name: tensor} of a model output (ModelOutput, or the dict a trace
    returns)."""
    if not isinstance(outputs, collections.abc.Mapping):
        raise AssertionError("expected named outputs, got %r" % type(outputs))
    return {name: value for name, value in outputs.items() if value is not None}


class ConvertedModel:
    """A transformers model converted twice (--method auto to .pt, and a
    .pt2 whose batch is dynamic), with example inputs at one batch and check
    inputs at another; mixed into a Pt2tsTestCase naming `factory` and
    `inputs` (a function of the batch size)."""

    factory = None
    inputs = None

    @classmethod
    def write_module(cls, folder):
        path = os.path.join(folder, "hf_models.py")
        with open(path, "w") as file:
            file.write(HF_MODELS)
        return path

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reason = missing("transformers")
        if reason:
            raise unittest.SkipTest(reason)
        cls.folder = cls.class_folder("pt2ts-hf-")
        cls.module = cls.write_module(cls.folder)
        torch.manual_seed(1)
        example, check = (os.path.join(cls.folder, name) for name in ("example.pt", "check.pt"))
        torch.save(cls.inputs(EXAMPLE_BATCH), example)
        torch.save(cls.inputs(CHECK_BATCH), check)
        cls.inputs_args = ("--example-inputs", example, "--check-inputs", check)
        cls.traced = os.path.join(cls.folder, cls.factory + ".pt")
        cls.trace_stderr = cls.converted(cls.traced, "--method", "auto")

    @classmethod
    def converted(cls, artifact, *args):
        result = run_pt2ts(cls.module, cls.factory, *cls.inputs_args, *args, "-s", artifact)
        if result.returncode != 0:
            raise AssertionError("pt2ts cannot convert %s to %s:\n%s"
                                 % (cls.factory, artifact, result.stderr))
        return result.stderr

    def eager(self):
        return getattr(import_file(self.module, name="hf_models_" + self.factory),
                       self.factory)().eval()

    def assert_matches_eager(self, run, batches=(UNSEEN_BATCH,)):
        eager = self.eager()
        for batch in batches:
            with self.subTest(batch=batch), torch.no_grad():
                x = self.inputs(batch)
                expected, actual = named_outputs(eager(x)), named_outputs(run(x))
                self.assertEqual(sorted(actual), sorted(expected))
                for name in expected:
                    self.assertEqual(actual[name].shape[0], batch, name)
                    torch.testing.assert_close(actual[name], expected[name], rtol=1e-5,
                                               atol=1e-5, msg=name)

    def test_auto_traces_it_and_it_matches_eager_at_an_unseen_batch(self):
        self.assertRegex(self.trace_stderr, r"pt2ts: note: torch\.jit\.script cannot compile "
                         r"model '%s'.*; tracing it on the example inputs" % self.factory)
        self.assert_matches_eager(torch.jit.load(self.traced))

    @NEEDS_AOTI
    def test_package_with_dynamic_batch_matches_eager_at_unseen_batches(self):
        package = os.path.join(self.folder, self.factory + ".pt2")
        self.converted(package, "--dynamic-dim", "0:0:1:8")
        self.assert_matches_eager(load_package(package), batches=(1, UNSEEN_BATCH))


class BertTest(ConvertedModel, Pt2tsTestCase):
    factory = "bert"
    inputs = staticmethod(token_ids)


class Gpt2Test(ConvertedModel, Pt2tsTestCase):
    factory = "gpt2"
    inputs = staticmethod(token_ids)

    def test_model_returning_its_cache_is_refused(self):
        """GPT-2 with use_cache=True returns a transformers cache object,
        which tracing cannot record: one clear error, nothing written."""
        out = self.path("cached.pt")
        result = run_pt2ts(self.module, self.factory, "--kwargs", "use_cache", "True",
                           "--method", "auto", *self.inputs_args, "-s", out)
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "DynamicCache")
        self.assert_no_output_left(self.tmp)


class VitTest(ConvertedModel, Pt2tsTestCase):
    factory = "vit"
    inputs = staticmethod(images)


class TimmTest(Pt2tsTestCase):
    """timm's small test ResNet (timm models script), with --method auto,
    checked at another batch and compared with eager at a third."""

    def test_auto_converts_and_matches_eager_at_an_unseen_batch(self):
        reason = missing("timm")
        if reason:
            self.skipTest(reason)
        module = self.path("timm_models.py")
        with open(module, "w") as file:
            file.write(TIMM_MODELS)
        out = self.path("test_resnet.pt")
        self.convert(module, "test_resnet", "--method", "auto", "--example-input", "2x3x32x32",
                     "--check-input", "3x3x32x32", "-s", out)
        eager = import_file(module).test_resnet()
        self.assert_matches_eager(out, eager, torch.randn(UNSEEN_BATCH, 3, 32, 32), atol=1e-5)


if __name__ == "__main__":
    unittest.main()
