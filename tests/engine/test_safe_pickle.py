"""Unit tests of safe_pickle, the unpickler pt2ts loads weights files with
unless --trust-weights: what it accepts (plain data, tensors and what
torch.save writes for them), what it never imports nor calls (any other
global: it becomes an inert stand-in recording the name and what pickle gave
it, and refuse_stand_ins() names it in ForbiddenGlobal the way Python 3 names
it), and that the real code of such a global never runs. The torch half
goes through weights.load_weights, the engine's own torch.load call, on
files written by torch.save."""

import argparse
import collections
import dataclasses
import os
import pickle
import sys
import tempfile
import unittest

from engine.pt2ts_engine import TORCH_MISSING, torch_available

from _pt2ts import safe_pickle

ALL_PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


class _Calls:
    """Pickles as a call of `function(*args)`: what a malicious file holds."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


class _Folder(unittest.TestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory(prefix="pt2ts-safe-pickle-")
        self.addCleanup(folder.cleanup)
        self.folder = folder.name

    def path(self, name):
        return os.path.join(self.folder, name)


class PlainDataTest(unittest.TestCase):
    """Plain Python data loads unchanged, in every pickle protocol."""

    VALUES = [
        None, True, False, 0, -7, 2 ** 80, 1.5, float("inf"), 1 + 2j, "text", "",
        b"\x00bytes\xff", [1, [2.5, "x"]], (1, (2,)), {"lr": 0.1, 3: None},
        collections.OrderedDict([("b", 1), ("a", 2)]), {1, 2}, frozenset({"a"}),
        {"epoch": 12, "loss": 0.25, "history": [0.9, 0.5], "name": "run-1"},
    ]

    def test_every_protocol(self):
        for protocol in ALL_PROTOCOLS:
            for value in self.VALUES:
                with self.subTest(protocol=protocol, value=value):
                    loaded = safe_pickle.loads(pickle.dumps(value, protocol=protocol))
                    self.assertEqual(loaded, value)
                    self.assertIs(type(loaded), type(value))

    def test_ordered_dict_keeps_its_order(self):
        value = collections.OrderedDict([("z", 1), ("a", 2), ("m", 3)])
        self.assertEqual(list(safe_pickle.loads(pickle.dumps(value, 2))), ["z", "a", "m"])

    def test_load_reads_a_file(self):
        with tempfile.TemporaryFile() as file:
            pickle.dump({"a": [1, 2]}, file, protocol=2)
            file.seek(0)
            self.assertEqual(safe_pickle.load(file), {"a": [1, 2]})

    def test_python2_names_of_allowed_globals(self):
        # Protocol 2 names set as __builtin__.set: mapped before the check.
        data = pickle.dumps({3}, protocol=2)
        self.assertIn(b"__builtin__", data)
        self.assertEqual(safe_pickle.loads(data), {3})

    def test_unpickler_options_are_passed_on(self):
        data = pickle.dumps("caf\u00e9", protocol=0)
        self.assertEqual(safe_pickle.loads(data, encoding="latin1"), "caf\u00e9")


class _WritesWhenRebuilt:
    """A class whose own unpickling code (__new__, __setstate__) writes the
    marker file its state names: what a stand-in must never run."""

    def __new__(cls, *args):
        for marker in args:
            if marker.endswith("-new"):
                open(marker, "w").close()
        return super().__new__(cls)

    def __getnewargs__(self):
        return (self.marker + "-new",)

    def __init__(self, marker):
        self.marker = marker

    def __setstate__(self, state):
        open(state["marker"] + "-setstate", "w").close()


@dataclasses.dataclass
class _Config:
    lr: float = 0.1
    layers: list = dataclasses.field(default_factory=lambda: [1, 2])


class _AttributeDict(dict):
    """Like Lightning's AttributeDict: a dict subclass."""


class _History(list):
    pass


class StandInTest(_Folder):
    """Any global but the allow-list becomes a stand-in naming it, never
    imported or called; refuse_stand_ins() refuses it with ForbiddenGlobal."""

    def assert_refused(self, data, qualified_name):
        loaded = safe_pickle.loads(data)
        found = safe_pickle.find_stand_in(loaded)
        self.assertIsNotNone(found)
        self.assertTrue(safe_pickle.is_stand_in(found))
        self.assertEqual(safe_pickle.qualified_name(found), qualified_name)
        with self.assertRaises(safe_pickle.ForbiddenGlobal) as caught:
            safe_pickle.refuse_stand_ins(loaded)
        self.assertEqual(caught.exception.qualified_name, qualified_name)
        self.assertEqual(str(caught.exception), qualified_name)
        return caught.exception

    def test_records_what_pickle_gives_it(self):
        value = {"args": argparse.Namespace(lr=0.1, name="run"), "config": _Config(),
                 "hparams": _AttributeDict(lr=0.5), "history": _History([0.9, 0.5]),
                 "epoch": 3}
        for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
            with self.subTest(protocol=protocol):
                loaded = safe_pickle.loads(pickle.dumps(value, protocol=protocol))
                self.assertEqual(loaded["epoch"], 3)
                args, config = loaded["args"], loaded["config"]
                self.assertIsInstance(args, safe_pickle.StandIn)
                self.assertEqual(safe_pickle.qualified_name(args), "argparse.Namespace")
                self.assertEqual(args.stand_in_state, {"lr": 0.1, "name": "run"})
                self.assertEqual(safe_pickle.qualified_name(config),
                                 "%s._Config" % __name__)
                self.assertEqual(config.stand_in_state, {"lr": 0.1, "layers": [1, 2]})
                self.assertEqual(loaded["hparams"].stand_in_items, [("lr", 0.5)])
                self.assertEqual(loaded["history"].stand_in_list, [0.9, 0.5])
                self.assertIs(safe_pickle.find_stand_in(loaded), args)
                self.assertIsNone(safe_pickle.find_stand_in(loaded["epoch"]))

    def test_one_class_per_name(self):
        loaded = safe_pickle.loads(pickle.dumps([argparse.Namespace(), argparse.Namespace()], 2))
        self.assertIs(type(loaded[0]), type(loaded[1]))
        self.assertTrue(safe_pickle.is_stand_in(type(loaded[0])))

    def test_the_class_own_unpickling_code_never_runs(self):
        marker = self.path("rebuilt")
        data = pickle.dumps(_WritesWhenRebuilt(marker), protocol=2)
        # The payload is real: plain pickle runs __new__ and __setstate__.
        pickle.loads(data)
        self.assertTrue(os.path.exists(marker + "-new"))
        self.assertTrue(os.path.exists(marker + "-setstate"))
        os.remove(marker + "-new")
        os.remove(marker + "-setstate")
        loaded = safe_pickle.loads(data)
        self.assertEqual(loaded.stand_in_args, (marker + "-new",))
        self.assertEqual(loaded.stand_in_state, {"marker": marker})
        self.assertEqual(os.listdir(self.folder), [])

    def test_calling_a_stand_in_makes_another(self):
        loaded = safe_pickle.loads(pickle.dumps(_Calls(os.system, "true"), protocol=2))
        made = type(loaded)("echo")
        self.assertIsInstance(made, type(loaded))
        self.assertEqual(made.stand_in_args, ("echo",))

    def test_probe(self):
        # weights.py tells whether torch used this unpickler with PROBE.
        with self.assertRaises(safe_pickle.ProbeReached):
            safe_pickle.loads(safe_pickle.PROBE)
        with self.assertRaises(AttributeError):
            pickle.loads(safe_pickle.PROBE)

    def test_cycles_and_deep_nesting(self):
        value = [1]
        value.append(value)
        self.assertIsNone(safe_pickle.find_stand_in(safe_pickle.loads(pickle.dumps(value, 2))))
        deep = argparse.Namespace()
        for _ in range(200):
            deep = [deep]
        self.assertIsNotNone(safe_pickle.find_stand_in(safe_pickle.loads(pickle.dumps(deep, 4))))

    def test_os_system_is_refused_and_never_called(self):
        marker = self.path("ran")
        for protocol in ALL_PROTOCOLS:
            with self.subTest(protocol=protocol):
                data = pickle.dumps(_Calls(os.system, "touch '%s'" % marker), protocol=protocol)
                # os.system pickles as posix.system (nt.system on Windows).
                self.assert_refused(data, "%s.system" % os.system.__module__)
        self.assertFalse(os.path.exists(marker))

    def test_argparse_namespace(self):
        # What training scripts often save beside the weights (args).
        data = pickle.dumps({"args": argparse.Namespace(lr=0.1)}, protocol=2)
        self.assert_refused(data, "argparse.Namespace")

    def test_protocol_0_objects_name_copyreg(self):
        # Protocols 0 and 1 rebuild plain objects through copyreg: that is
        # the global refused (torch.save writes protocol 2).
        data = pickle.dumps(argparse.Namespace(lr=0.1), protocol=0)
        self.assert_refused(data, "copyreg._reconstructor")

    def test_builtins_that_run_code(self):
        for function, args, name in [(eval, ("1",), "builtins.eval"),
                                     (exec, ("x = 1",), "builtins.exec"),
                                     (getattr, ("", "join"), "builtins.getattr"),
                                     (__import__, ("os",), "builtins.__import__")]:
            with self.subTest(name=name):
                self.assert_refused(pickle.dumps(_Calls(function, *args), protocol=2), name)

    def test_python2_name_is_reported_the_python3_way(self):
        self.assert_refused(b"\x80\x02c__builtin__\neval\nq\x00.", "builtins.eval")

    def test_classes_of_the_standard_library(self):
        self.assert_refused(pickle.dumps(collections.Counter("aab"), protocol=2),
                            "collections.Counter")
        self.assert_refused(pickle.dumps(collections.Counter, protocol=2), "collections.Counter")
        self.assert_refused(pickle.dumps(bytearray(b"x"), protocol=2), "builtins.bytearray")

    def test_a_dotted_name_is_not_looked_up_attribute_by_attribute(self):
        # Protocol 4 can name module attributes by dotted path.
        self.assert_refused(b"\x80\x04\x8c\x0bcollections\x94\x8c\x14OrderedDict.fromkeys\x94\x93.",
                            "collections.OrderedDict.fromkeys")

    def test_refused_before_the_module_is_imported(self):
        marker = self.path("imported")
        with open(self.path("pt2ts_payload_module.py"), "w") as file:
            file.write("open(%r, 'w').close()\nclass Payload:\n    pass\n" % marker)
        sys.path.insert(0, self.folder)
        self.addCleanup(sys.path.remove, self.folder)
        data = b"\x80\x02cpt2ts_payload_module\nPayload\nq\x00)\x81q\x01."
        self.assert_refused(data, "pt2ts_payload_module.Payload")
        self.assertFalse(os.path.exists(marker))
        self.assertNotIn("pt2ts_payload_module", sys.modules)

    def test_a_module_that_does_not_exist(self):
        # A stand-in, not ModuleNotFoundError: nothing is imported.
        self.assert_refused(b"\x80\x02cno_such_module_pt2ts\nThing\nq\x00.",
                            "no_such_module_pt2ts.Thing")

    def test_is_an_unpickling_error(self):
        self.assertTrue(issubclass(safe_pickle.ForbiddenGlobal, pickle.UnpicklingError))


@unittest.skipUnless(torch_available(), TORCH_MISSING)
class TorchValuesTest(unittest.TestCase):
    """torch's own values that need a global: tensors, sizes, dtypes."""

    def test_tensor_types_and_constants_in_memory(self):
        import torch

        for value in [torch.Size([2, 3]), torch.float16, torch.int64, torch.bool,
                      torch.bfloat16]:
            with self.subTest(value=value):
                self.assertEqual(safe_pickle.loads(pickle.dumps(value, protocol=2)), value)

    def test_torch_functions_and_classes_are_refused(self):
        import torch

        for value, name in [(torch.load, "torch.serialization.load"),
                            (torch.nn.Module, "torch.nn.modules.module.Module"),
                            (torch.nn.Linear, "torch.nn.modules.linear.Linear")]:
            with self.subTest(name=name):
                with self.assertRaises(safe_pickle.ForbiddenGlobal) as caught:
                    safe_pickle.refuse_stand_ins(safe_pickle.loads(pickle.dumps(value, 2)))
                self.assertEqual(caught.exception.qualified_name, name)

    def test_a_torch_name_that_is_not_a_constant(self):
        with self.assertRaises(safe_pickle.ForbiddenGlobal) as caught:
            safe_pickle.refuse_stand_ins(
                safe_pickle.loads(b"\x80\x02ctorch\nno_such_attribute\nq\x00."))
        self.assertEqual(caught.exception.qualified_name, "torch.no_such_attribute")


@unittest.skipUnless(torch_available(), TORCH_MISSING)
class TorchSaveFileTest(_Folder):
    """Files written by torch.save, loaded by the engine's weights loader
    (weights.load_weights, trust=False), which hands torch.load safe_pickle;
    both serialization formats."""

    FORMATS = {"zip": True, "legacy": False}

    def save_and_load(self, value, name):
        import torch

        from _pt2ts import weights

        loaded = {}
        for format_name, zip_format in self.FORMATS.items():
            path = self.path("%s-%s.pt" % (name, format_name))
            torch.save(value, path, _use_new_zipfile_serialization=zip_format)
            loaded[format_name] = weights.load_weights(path, trust=False)
        return loaded

    def assert_refused(self, value, name, qualified_name):
        from _pt2ts.errors import ConversionError

        import torch

        from _pt2ts import weights

        for format_name, zip_format in self.FORMATS.items():
            with self.subTest(format=format_name):
                path = self.path("%s-%s.pt" % (name, format_name))
                torch.save(value, path, _use_new_zipfile_serialization=zip_format)
                with self.assertRaises(ConversionError) as caught:
                    weights.load_weights(path, trust=False)
                self.assertEqual(
                    caught.exception.message,
                    "refusing to load weights file '%s': unpickling it would import and run "
                    "'%s'. Weights holding only tensors, numbers, strings and containers load "
                    "as they are; if you trust this file, pass --trust-weights"
                    % (path, qualified_name))

    def test_training_checkpoint(self):
        import torch

        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        model(torch.randn(5, 3)).sum().backward()
        optimizer.step()
        checkpoint = {"epoch": 3, "loss": 0.125, "lr": 0.1, "arch": "mlp", "best": None,
                      "model_state_dict": model.state_dict(),
                      "optimizer_state_dict": optimizer.state_dict(),
                      "dtype": torch.float32, "shape": torch.Size([3, 4]),
                      "weight": torch.nn.Parameter(torch.ones(2))}
        for format_name, loaded in self.save_and_load(checkpoint, "checkpoint").items():
            with self.subTest(format=format_name):
                self.assertEqual(loaded["epoch"], 3)
                self.assertEqual(loaded["loss"], 0.125)
                self.assertIs(loaded["dtype"], torch.float32)
                self.assertEqual(loaded["shape"], torch.Size([3, 4]))
                self.assertIsInstance(loaded["weight"], torch.nn.Parameter)
                self.assertIsInstance(loaded["model_state_dict"], collections.OrderedDict)
                for key, tensor in model.state_dict().items():
                    self.assertTrue(torch.equal(loaded["model_state_dict"][key], tensor), key)
                self.assertEqual(loaded["optimizer_state_dict"]["param_groups"],
                                 optimizer.state_dict()["param_groups"])

    def test_tensor_kinds(self):
        import torch

        base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
        values = {"view": base[1], "transposed": base.t(), "bf16": base.bfloat16(),
                  "complex": torch.complex(base, base), "int": torch.arange(3),
                  "bool": base > 5, "empty": torch.empty(0, 2)}
        for format_name, loaded in self.save_and_load(values, "tensors").items():
            for key, tensor in values.items():
                with self.subTest(format=format_name, tensor=key):
                    self.assertEqual(loaded[key].dtype, tensor.dtype)
                    self.assertTrue(torch.equal(loaded[key], tensor))

    def test_numpy_values(self):
        try:
            import numpy
        except ImportError:
            self.skipTest("numpy is not installed")
        values = {"array": numpy.arange(6, dtype=numpy.float32).reshape(2, 3),
                  "scalar": numpy.float64(0.5), "int": numpy.int64(7)}
        for format_name, loaded in self.save_and_load(values, "numpy").items():
            with self.subTest(format=format_name):
                numpy.testing.assert_array_equal(loaded["array"], values["array"])
                self.assertEqual(loaded["array"].dtype, numpy.float32)
                self.assertEqual(loaded["scalar"], 0.5)
                self.assertEqual(loaded["int"], 7)

    def test_os_system_payload(self):
        marker = self.path("ran")
        self.assert_refused({"w": _Calls(os.system, "touch '%s'" % marker)}, "payload",
                            "%s.system" % os.system.__module__)
        self.assertFalse(os.path.exists(marker))

    def test_argparse_namespace_beside_the_weights(self):
        import torch

        self.assert_refused({"args": argparse.Namespace(lr=0.1), "state_dict": {"w": torch.ones(1)}},
                            "namespace", "argparse.Namespace")

    def test_whole_pickled_model(self):
        import torch

        self.assert_refused(torch.nn.Linear(2, 2), "model", "torch.nn.modules.linear.Linear")

    def test_torch_device(self):
        # Not on the allow-list (torch's own weights_only loader allows it).
        import torch

        self.assert_refused({"device": torch.device("cpu")}, "device", "torch.device")

    # torch.save refers to the quantization scheme (torch.per_tensor_affine,
    # a torch.qscheme constant) and to torch.serialization._get_layout
    # (a layout by its name): both allowed, so the state dict of a quantized
    # model, or a sparse tensor, loads without --trust-weights.
    def test_quantized_tensor(self):
        import torch

        tensor = torch.quantize_per_tensor(torch.randn(4), 0.1, 0, torch.quint8)
        for loaded in self.save_and_load({"q": tensor}, "quantized").values():
            self.assertTrue(torch.equal(loaded["q"].int_repr(), tensor.int_repr()))

    def test_sparse_tensor(self):
        import torch

        tensor = torch.eye(3).to_sparse()
        for loaded in self.save_and_load({"s": tensor}, "sparse").values():
            self.assertTrue(torch.equal(loaded["s"].to_dense(), torch.eye(3)))


if __name__ == "__main__":
    unittest.main()
