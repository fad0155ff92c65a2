"""Unit tests of state_dict: finding the state dict in what a weights file
holds (the file itself, the usual checkpoint keys in their order, a whole
pickled model, --state_key), the messages when there is none (with the
file's keys), refusing a state dict that holds a class the file names (a
stand-in of safe_pickle's), removing wrapper prefixes (DataParallel's
"module.", torch.compile's "_orig_mod.", stacked too) and the one leading
component every key shares when the keys then match the model's (a
LightningModule's "model."), and loading strictly or not. Weights files are
written with torch.save and read back by the engine's loader
(weights.load_weights) wherever the file's layout is what is tested."""

import argparse
import collections
import os
import tempfile
import unittest

from engine.pt2ts_engine import TORCH_MISSING, captured_stderr, torch_available, verbose_reporting

from _pt2ts import state_dict
from _pt2ts.errors import ConversionError

if torch_available():
    import torch

    class Net(torch.nn.Module):
        def __init__(self, hidden=4):
            super().__init__()
            self.fc = torch.nn.Linear(3, hidden)
            self.bn = torch.nn.BatchNorm1d(hidden)

        def forward(self, x):
            return self.bn(self.fc(x))

    class WithExtraState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(2, 2)

        def get_extra_state(self):
            return {"version": 3}

        def set_extra_state(self, state):
            self.extra = state


def random_net(seed=1, **kwargs):
    torch.manual_seed(seed)
    net = Net(**kwargs)
    with torch.no_grad():
        for tensor in net.state_dict().values():
            if tensor.is_floating_point():
                tensor.uniform_(0.5, 2.0)
    return net


def assert_same_tensors(test, actual, expected):
    test.assertEqual(list(actual.keys()), list(expected.keys()))
    for key in expected:
        test.assertTrue(torch.equal(actual[key], expected[key]), key)


@unittest.skipUnless(torch_available(), TORCH_MISSING)
class _TorchTest(unittest.TestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory(prefix="pt2ts-state-dict-")
        self.addCleanup(folder.cleanup)
        self.folder = folder.name

    def saved(self, value, name="weights.pt", trust=False, stand_ins=False):
        """What the engine's loader reads back from torch.save(value)."""
        from _pt2ts import weights

        path = os.path.join(self.folder, name)
        torch.save(value, path)
        return weights.load_weights(path, trust=trust, stand_ins=stand_ins), path

    def find(self, loaded, state_key="", path="w.pt"):
        with captured_stderr() as stderr:
            found = state_dict.find_state_dict(loaded, state_key, path)
        return found, stderr.getvalue()

    def assert_error(self, loaded, message, state_key="", path="w.pt"):
        with captured_stderr():
            with self.assertRaises(ConversionError) as caught:
                state_dict.find_state_dict(loaded, state_key, path)
        self.assertEqual(caught.exception.message, message)
        return caught.exception


class FindStateDictTest(_TorchTest):
    def test_plain_state_dict_file(self):
        net = random_net()
        loaded, path = self.saved(net.state_dict())
        found, stderr = self.find(loaded, path=path)
        assert_same_tensors(self, found, net.state_dict())
        self.assertEqual(stderr, "")

    def test_plain_dict_of_tensors(self):
        loaded, path = self.saved({"w": torch.ones(2), "b": torch.zeros(1)})
        found, _ = self.find(loaded, path=path)
        self.assertEqual(list(found), ["w", "b"])

    def test_each_usual_key(self):
        weights = random_net().state_dict()
        for key in state_dict.WELL_KNOWN_KEYS:
            with self.subTest(key=key):
                loaded, path = self.saved({key: weights, "epoch": 7, "loss": 0.5})
                found, stderr = self.find(loaded, path=path)
                assert_same_tensors(self, found, weights)
                self.assertEqual(stderr, "pt2ts: note: using the state dict under key '%s' of "
                                         "weights file '%s'\n" % (key, path))

    def test_usual_keys_in_their_order(self):
        first, second = {"w": torch.ones(1)}, {"w": torch.zeros(1)}
        # "model_state_dict" comes before "model", whatever the file's order.
        found, stderr = self.find({"model": second, "model_state_dict": first})
        self.assertIs(found, first)
        self.assertIn("under key 'model_state_dict'", stderr)
        found, _ = self.find({"params": second, "state_dict": first})
        self.assertIs(found, first)

    def test_usual_key_holding_something_else_is_passed_over(self):
        weights = {"w": torch.ones(1)}
        found, stderr = self.find({"model": "resnet18", "net": {"depth": 18},
                                   "weights": weights})
        self.assertIs(found, weights)
        self.assertIn("under key 'weights'", stderr)

    def test_whole_pickled_model(self):
        net = random_net()
        loaded, path = self.saved(net, trust=True)
        found, _ = self.find(loaded, path=path)
        assert_same_tensors(self, found, net.state_dict())

    def test_whole_model_under_a_usual_key(self):
        # As some detection checkpoints store it: {"model": <nn.Module>, ...}.
        net = random_net()
        loaded, path = self.saved({"model": net, "epoch": 3}, trust=True)
        found, stderr = self.find(loaded, path=path)
        assert_same_tensors(self, found, net.state_dict())
        self.assertIn("under key 'model'", stderr)

    def test_state_key(self):
        weights = random_net().state_dict()
        loaded, path = self.saved({"ema": weights, "state_dict": {"w": torch.ones(1)}})
        found, stderr = self.find(loaded, "ema", path)
        assert_same_tensors(self, found, weights)
        self.assertEqual(stderr, "")

    def test_state_key_naming_a_whole_model(self):
        net = random_net()
        found, _ = self.find({"teacher": net}, "teacher")
        assert_same_tensors(self, found, net.state_dict())

    def test_state_key_on_a_file_that_is_no_dict(self):
        self.assert_error([torch.ones(1)], "--state_key 'ema' given, but weights file 'w.pt' "
                                           "holds a list, not a dict", state_key="ema")
        self.assert_error(torch.ones(1), "--state_key 'ema' given, but weights file 'w.pt' "
                                         "holds a Tensor, not a dict", state_key="ema")

    def test_state_key_missing(self):
        loaded, path = self.saved({"state_dict": {"w": torch.ones(1)}, "epoch": 2})
        self.assert_error(loaded, "weights file '%s' has no key 'ema'; its keys are: "
                                  "'state_dict', 'epoch'" % path, "ema", path)

    def test_state_key_is_text_even_for_number_keys(self):
        self.assert_error({0: {"w": torch.ones(1)}},
                          "weights file 'w.pt' has no key '0'; its keys are: 0", "0")

    def test_state_key_holding_no_state_dict(self):
        self.assert_error({"epoch": 3}, "checkpoint['epoch'] in 'w.pt' is an int, not a state "
                                        "dict (a dict of tensors)", "epoch")
        self.assert_error({"opt": {"lr": 0.1}}, "checkpoint['opt'] in 'w.pt' is a dict, not a "
                                                "state dict (a dict of tensors)", "opt")

    def test_no_state_dict_suggests_the_key_that_holds_one(self):
        loaded, path = self.saved({"epoch": 3, "ema_weights": {"w": torch.ones(1)}})
        self.assert_error(
            loaded,
            "cannot find a state dict in weights file '%s': it is a dict whose keys are 'epoch', "
            "'ema_weights', and none of the usual keys (%s) holds a dict of tensors; pass "
            "--state_key KEY (try --state_key ema_weights)"
            % (path, ", ".join(state_dict.WELL_KNOWN_KEYS)), path=path)

    def test_no_state_dict_and_nothing_to_suggest(self):
        error = self.assert_error({"epoch": 3, "lr": 0.1}, (
            "cannot find a state dict in weights file 'w.pt': it is a dict whose keys are "
            "'epoch', 'lr', and none of the usual keys (%s) holds a dict of tensors; pass "
            "--state_key KEY" % ", ".join(state_dict.WELL_KNOWN_KEYS)))
        self.assertIsNone(error.details)

    def test_nested_checkpoints_are_searched_one_level_deep(self):
        # {"checkpoint": {"state_dict": {...}}}: the inner dict is no state
        # dict itself, so neither found nor suggested.
        loaded = {"checkpoint": {"state_dict": {"w": torch.ones(1)}, "epoch": 1}}
        self.assert_error(loaded, (
            "cannot find a state dict in weights file 'w.pt': it is a dict whose keys are "
            "'checkpoint', and none of the usual keys (%s) holds a dict of tensors; pass "
            "--state_key KEY" % ", ".join(state_dict.WELL_KNOWN_KEYS)))
        # --state_key reaches one level only, too.
        self.assert_error(loaded, "checkpoint['checkpoint'] in 'w.pt' is a dict, not a state "
                                  "dict (a dict of tensors)", "checkpoint")

    def test_mixed_dict_is_no_state_dict(self):
        self.assert_error({"w": torch.ones(1), "step": 3}, (
            "cannot find a state dict in weights file 'w.pt': it is a dict whose keys are "
            "'w', 'step', and none of the usual keys (%s) holds a dict of tensors; pass "
            "--state_key KEY" % ", ".join(state_dict.WELL_KNOWN_KEYS)))

    def test_long_key_lists_are_cut_at_20(self):
        loaded = {"k%02d" % i: i for i in range(23)}
        error = self.assert_error(loaded, "weights file 'w.pt' has no key 'x'; its keys are: "
                                  + ", ".join("'k%02d'" % i for i in range(20))
                                  + ", ... (3 more)", "x")
        self.assertIsNone(error.details)

    def test_not_a_dict(self):
        loaded, path = self.saved([torch.ones(1), torch.zeros(1)])
        self.assert_error(loaded, "weights file '%s' holds a list, not a state dict (a dict of "
                                  "tensors)" % path, path=path)
        self.assert_error(torch.ones(2), "weights file 'w.pt' holds a Tensor, not a state dict "
                                         "(a dict of tensors)")
        self.assert_error(None, "weights file 'w.pt' holds a NoneType, not a state dict "
                                "(a dict of tensors)")

    def test_empty_dict_counts_as_a_state_dict(self):
        found, _ = self.find({})
        self.assertEqual(found, {})

    def test_state_dict_with_extra_state(self):
        # A module with get_extra_state() puts a non-tensor under
        # "..._extra_state" in its state dict: still a state dict.
        weights = WithExtraState().state_dict()
        self.assertIn("_extra_state", weights)
        found, _ = self.find(weights)
        self.assertEqual(list(found), list(weights))
        loaded, path = self.saved(weights)
        target = WithExtraState()
        with captured_stderr():
            state_dict.load_into(target, self.find(loaded, path=path)[0], True, path, "Net")
        self.assertEqual(target.extra, {"version": 3})

    def test_lightning_style_checkpoint_with_classes(self):
        # Classes beside the state dict become stand-ins: it loads untrusted.
        weights = random_net().state_dict()
        loaded, path = self.saved({"state_dict": weights, "epoch": 1,
                                   "hyper_parameters": {"args": argparse.Namespace(lr=0.1)},
                                   "config": argparse.Namespace(depth=3)}, stand_ins=True)
        found, stderr = self.find(loaded, path=path)
        assert_same_tensors(self, found, weights)
        self.assertIn("under key 'state_dict'", stderr)

    def test_stand_in_inside_the_state_dict(self):
        weights = random_net().state_dict()
        weights["args"] = argparse.Namespace(lr=0.1)
        trust = ("which pt2ts neither imports nor runs (a state dict holds tensors); only "
                 "tensors, numbers, strings and containers load without --trust-weights; if "
                 "you trust this file, pass --trust-weights")
        loaded, path = self.saved(weights, stand_ins=True)
        self.assert_error(loaded, "refusing to load the state dict of weights file '%s': its "
                                  "entry 'args' holds a pickled 'argparse.Namespace', %s"
                          % (path, trust), path=path)
        loaded, path = self.saved({"state_dict": weights, "epoch": 1}, stand_ins=True)
        self.assert_error(loaded, "refusing to load the state dict under key 'state_dict' of "
                                  "weights file '%s': its entry 'args' holds a pickled "
                                  "'argparse.Namespace', %s" % (path, trust), path=path)
        loaded, path = self.saved({"ema": weights}, stand_ins=True)
        self.assert_error(loaded, "refusing to load the state dict under key 'ema' of "
                                  "weights file '%s': its entry 'args' holds a pickled "
                                  "'argparse.Namespace', %s" % (path, trust), "ema", path)

    def test_a_clean_state_dict_wins_over_a_blocked_one(self):
        weights = random_net().state_dict()
        blocked = dict(weights, args=argparse.Namespace())
        loaded, path = self.saved({"state_dict": blocked, "model_state_dict": weights},
                                  stand_ins=True)
        found, stderr = self.find(loaded, path=path)
        assert_same_tensors(self, found, weights)
        self.assertIn("under key 'model_state_dict'", stderr)

    def test_whole_model_stand_in(self):
        net = random_net()
        loaded, path = self.saved(net, stand_ins=True)
        self.assert_error(loaded, "refusing to load weights file '%s': unpickling it would "
                                  "import and run '%s.Net'. Weights holding only tensors, "
                                  "numbers, strings and containers load as they are; if you "
                                  "trust this file, pass --trust-weights" % (path, __name__),
                          path=path)
        loaded, path = self.saved({"model": net, "epoch": 3}, stand_ins=True)
        error = self.assert_error(loaded, "refusing to load weights file '%s': its entry 'model' "
                                          "is a pickled '%s.Net' (a whole model or another "
                                          "object), which pt2ts neither imports nor runs; save "
                                          "model.state_dict() instead, or: only tensors, "
                                          "numbers, strings and containers load without "
                                          "--trust-weights; if you trust this file, pass "
                                          "--trust-weights" % (path, __name__), path=path)
        self.assertIsNone(error.details)


class StripWrapperPrefixTest(_TorchTest):
    def strip(self, weights, model_keys):
        with captured_stderr() as stderr:
            result = state_dict.strip_wrapper_prefix(weights, set(model_keys))
        return result, stderr.getvalue()

    def test_data_parallel(self):
        net = random_net()
        loaded, _ = self.saved(torch.nn.DataParallel(net).state_dict())
        self.assertTrue(all(k.startswith("module.") for k in loaded))
        stripped, _ = self.strip(loaded, net.state_dict().keys())
        assert_same_tensors(self, stripped, net.state_dict())
        # The version metadata follows the keys; "module" becomes the root.
        self.assertEqual(set(stripped._metadata), set(net.state_dict()._metadata))
        self.assertEqual(stripped._metadata[""], loaded._metadata["module"])

    def test_torch_compile_prefix(self):
        weights = collections.OrderedDict(("_orig_mod." + k, v)
                                          for k, v in random_net().state_dict().items())
        stripped, _ = self.strip(weights, random_net().state_dict().keys())
        self.assertEqual(list(stripped), list(random_net().state_dict()))

    def test_reported_with_verbose(self):
        weights = {"module.w": torch.ones(1)}
        _, stderr = self.strip(weights, ["w"])
        self.assertEqual(stderr, "")
        with verbose_reporting():
            _, stderr = self.strip(weights, ["w"])
        self.assertRegex(stderr, r"^pt2ts: \[ *[0-9.]+ s\] removed the 'module\.' prefix from "
                                 r"the weights' keys\n$")

    def test_kept_when_the_model_has_a_child_named_module(self):
        weights = {"module.w": torch.ones(1), "head.b": torch.ones(1)}
        result, stderr = self.strip(weights, ["module.w", "head.b"])
        self.assertIs(result, weights)

    def test_kept_when_stripping_matches_no_more_keys(self):
        weights = {"module.w": torch.ones(1)}
        self.assertIs(self.strip(weights, ["other"])[0], weights)
        # A tie keeps the keys as they are.
        weights = {"module.a": torch.ones(1), "b": torch.ones(1)}
        self.assertIs(self.strip(weights, ["a", "module.a", "c"])[0], weights)

    def test_only_prefixed_keys_change(self):
        weights = collections.OrderedDict([("module.a", torch.ones(1)), ("b", torch.zeros(1)),
                                           ("submodule.c", torch.ones(1))])
        result, _ = self.strip(weights, ["a", "b", "submodule.c"])
        self.assertEqual(list(result), ["a", "b", "submodule.c"])

    def test_a_prefix_never_a_substring(self):
        weights = {"encoder.module.w": torch.ones(1)}
        self.assertIs(self.strip(weights, ["encoder.w"])[0], weights)

    def test_without_metadata(self):
        result, _ = self.strip({"module.w": torch.ones(1)}, ["w"])
        self.assertFalse(hasattr(result, "_metadata"))

    def test_stacked_wrapper_prefixes(self):
        # DistributedDataParallel around a torch.compile'd model saves keys
        # "module._orig_mod.*": each prefix alone matches nothing more.
        weights = {"module._orig_mod.w": torch.ones(1)}
        self.assertEqual(list(self.strip(weights, ["w"])[0]), ["w"])
        with verbose_reporting():
            _, stderr = self.strip(weights, ["w"])
        self.assertIn("removed the 'module._orig_mod.' prefix from the weights' keys", stderr)

    def test_stacked_metadata(self):
        net = random_net()
        weights = collections.OrderedDict(("module._orig_mod." + k, v)
                                          for k, v in net.state_dict().items())
        weights._metadata = collections.OrderedDict(
            [("", {"version": 1}), ("module", {"version": 1}),
             ("module._orig_mod", {"version": 7})]
            + [("module._orig_mod." + k, v) for k, v in net.state_dict()._metadata.items()
               if k])
        stripped, _ = self.strip(weights, net.state_dict().keys())
        self.assertEqual(set(stripped._metadata), set(net.state_dict()._metadata))
        self.assertEqual(stripped._metadata[""], {"version": 7})

    def lightning_keys(self, prefix="model."):
        net = random_net()
        weights = collections.OrderedDict((prefix + k, v) for k, v in net.state_dict().items())
        weights._metadata = collections.OrderedDict(
            [("", {"version": 1})]
            + [((prefix + k).rstrip("."), v) for k, v in net.state_dict()._metadata.items()])
        return net, weights

    def test_shared_leading_component(self):
        # A LightningModule's state dict: its attribute name on every key.
        for prefix in ("model.", "net.", "module.model.", "model._orig_mod."):
            with self.subTest(prefix=prefix):
                net, weights = self.lightning_keys(prefix)
                stripped, stderr = self.strip(weights, net.state_dict().keys())
                assert_same_tensors(self, stripped, net.state_dict())
                self.assertEqual(set(stripped._metadata), set(net.state_dict()._metadata))
                shared = [p for p in prefix.split(".") if p not in ("module", "_orig_mod", "")]
                self.assertEqual(stderr, "pt2ts: note: removed the '%s.' prefix that every key "
                                         "of the weights has: the keys then match the "
                                         "model's\n" % shared[0])

    def test_shared_component_only_when_every_key_then_matches(self):
        net, weights = self.lightning_keys()
        weights["model.extra"] = torch.ones(1)  # not one of the model's
        result, stderr = self.strip(weights, net.state_dict().keys())
        self.assertIs(result, weights)
        self.assertEqual(stderr, "")
        # Some keys missing: what is there matches, so it is stripped (and
        # load_into reports the missing ones).
        net, weights = self.lightning_keys()
        del weights["model.bn.weight"]
        result, _ = self.strip(weights, net.state_dict().keys())
        self.assertEqual(set(result), set(net.state_dict()) - {"bn.weight"})

    def test_shared_component_needs_every_key(self):
        net, weights = self.lightning_keys()
        weights["head.w"] = torch.ones(1)
        self.assertIs(self.strip(weights, list(net.state_dict()) + ["head.w"])[0], weights)

    def test_shared_component_kept_when_the_model_has_it(self):
        weights = {"model.w": torch.ones(1)}
        self.assertIs(self.strip(weights, ["model.w", "w"])[0], weights)


class LoadIntoTest(_TorchTest):
    def load(self, model, weights, strict=True):
        with captured_stderr() as stderr:
            state_dict.load_into(model, weights, strict, "w.pt", "Net")
        return stderr.getvalue()

    def test_exact_match(self):
        source, target = random_net(1), random_net(2)
        loaded, _ = self.saved(source.state_dict())
        self.assertEqual(self.load(target, loaded), "")
        assert_same_tensors(self, target.state_dict(), source.state_dict())

    def test_data_parallel_weights(self):
        source, target = random_net(1), random_net(2)
        loaded, _ = self.saved(torch.nn.DataParallel(source).state_dict())
        self.assertEqual(self.load(target, loaded), "")
        assert_same_tensors(self, target.state_dict(), source.state_dict())

    def test_strict_mismatch(self):
        weights = random_net(1).state_dict()
        del weights["bn.running_mean"]
        weights["extra.w"] = torch.ones(1)
        weights["fc.weight"] = torch.ones(5, 3)
        target = random_net(2)
        before = {k: v.clone() for k, v in target.state_dict().items()}
        with captured_stderr():
            with self.assertRaises(ConversionError) as caught:
                state_dict.load_into(target, weights, True, "w.pt", "Net")
        self.assertEqual(caught.exception.message,
                         "weights file 'w.pt' does not match model 'Net': 1 missing key, "
                         "1 unexpected key, 1 shape mismatch; check the constructor arguments, "
                         "or pass --non-strict to load only what matches")
        self.assertEqual(caught.exception.details,
                         "  missing keys (in the model, not in the weights) (1): bn.running_mean\n"
                         "  unexpected keys (in the weights, not in the model) (1): extra.w\n"
                         "  shape mismatches (1): fc.weight: weights [5, 3], model [4, 3]\n")
        # What did match is loaded all the same (strict reports, the caller
        # throws the model away).
        self.assertTrue(torch.equal(target.fc.bias, weights["fc.bias"]))
        self.assertTrue(torch.equal(target.fc.weight, before["fc.weight"]))

    def test_plural_counts_and_long_listings(self):
        target = random_net(2, hidden=4)
        weights = random_net(1, hidden=8).state_dict()
        for i in range(7):
            weights["extra%d" % i] = torch.ones(1)
        with captured_stderr():
            with self.assertRaises(ConversionError) as caught:
                state_dict.load_into(target, weights, True, "w.pt", "Net")
        self.assertIn(": 7 unexpected keys, 6 shape mismatches;", caught.exception.message)
        self.assertIn("  unexpected keys (in the weights, not in the model) (7): extra0, extra1, "
                      "extra2, extra3, extra4 ... and 2 more\n", caught.exception.details)

    def test_non_strict_loads_what_matches(self):
        source = random_net(1)
        weights = source.state_dict()
        weights["fc.weight"] = torch.ones(9, 3)
        del weights["bn.weight"]
        target = random_net(2)
        before = {k: v.clone() for k, v in target.state_dict().items()}
        stderr = self.load(target, weights, strict=False)
        self.assertEqual(stderr,
                         "pt2ts: warning: --non-strict: weights file 'w.pt' does not fully match "
                         "model 'Net': 1 missing key, 1 shape mismatch; the rest keeps its "
                         "initial values\n"
                         "  missing keys (in the model, not in the weights) (1): bn.weight\n"
                         "  shape mismatches (1): fc.weight: weights [9, 3], model [4, 3]\n")
        self.assertTrue(torch.equal(target.fc.weight, before["fc.weight"]))
        self.assertTrue(torch.equal(target.bn.weight, before["bn.weight"]))
        self.assertTrue(torch.equal(target.fc.bias, source.fc.bias))
        self.assertTrue(torch.equal(target.bn.running_var, source.bn.running_var))


if __name__ == "__main__":
    unittest.main()
