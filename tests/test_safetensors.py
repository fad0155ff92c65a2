"""End-to-end tests of safetensors weights (-w NAME.safetensors, -w
NAME.safetensors.index.json): one file and a sharded checkpoint, written by
the safetensors library where it is importable (and committed as fixtures
by it), and by the tests' own writer (tests/support/safetensors_testing.py)
everywhere, so that Debian 12's Python, which lacks the library, tests
pt2ts's own reader; half-precision weights into a float32 model; every
malformed file refused with one error line, exit 1, nothing written and a
previous artifact untouched; the shards in the depfile, the metadata and the
conversion cache's manifest."""

import collections
import json
import os
import shutil
import struct
import unittest

import torch

import safetensors_testing as st
from test_weights import MODEL_FILE, classifier, make_model
from pt2ts_testing import (EXIT_CONVERSION_FAILED, EXIT_USAGE_ERROR, Pt2tsTestCase, fixture,
                           read_bytes, run_pt2ts, without_support_note)

FIXTURE = fixture("weights", "classifier.safetensors")
FIXTURE_INDEX = fixture("weights", "classifier.safetensors.index.json")
FIXTURE_SHARDS = ("classifier-00001-of-00002.safetensors", "classifier-00002-of-00002.safetensors")


def library_save_file():
    try:
        from safetensors.torch import save_file
    except ImportError:
        return None
    return save_file


NO_LIBRARY = "the safetensors library is not importable in the tests' Python"


def model_with(weights):
    model = classifier.Classifier()
    model.load_state_dict(weights)
    return model.eval()


def sample_input():
    return torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(1234))


def metadata_of(path):
    extra = {"pt2ts.json": ""}
    torch.jit.load(path, _extra_files=extra)
    return json.loads(extra["pt2ts.json"])


class SafetensorsTestCase(Pt2tsTestCase):
    def setUp(self):
        super().setUp()
        self.out_dir = self.path("out")
        self.out = os.path.join(self.out_dir, "model.pt")

    def run_weights(self, weights, *options):
        return run_pt2ts(MODEL_FILE, "Classifier", "-s", self.out, "-w", weights, *options)

    def convert_weights(self, weights, *options):
        return self.convert(MODEL_FILE, "Classifier", "-s", self.out, "-w", weights, *options)

    def assert_converted(self, eager):
        return self.assert_matches_eager(self.out, eager, sample_input())

    def notes(self, result):
        return [l for l in without_support_note(result.stderr).splitlines()
                if l.startswith("pt2ts: note: ")]

    @staticmethod
    def state_dict(seed=1):
        return collections.OrderedDict((k, v.contiguous())
                                       for k, v in make_model(seed).state_dict().items())

    def shard(self, folder, weights, parts=3):
        keys = list(weights)
        size = -(-len(keys) // parts)
        return st.write_sharded(folder, "model", [
            collections.OrderedDict((k, weights[k]) for k in keys[i:i + size])
            for i in range(0, len(keys), size)])


class LoadTest(SafetensorsTestCase):
    def test_single_file(self):
        weights = self.state_dict()
        st.write(self.path("model.safetensors"), weights, {"format": "pt"})
        result = self.convert_weights(self.path("model.safetensors"))
        self.assertEqual(self.notes(result), [])
        self.assert_converted(model_with(weights))
        record = metadata_of(self.out)["weights"]
        self.assertEqual(record["file"], "model.safetensors")
        self.assertEqual(record["state_key"], None)
        self.assertNotIn("shards", record)

    def test_sharded_index(self):
        weights = self.state_dict(seed=2)
        index = self.shard(self.tmp, weights)
        depfile = self.path("model.d")
        self.convert_weights(index, "--depfile", depfile)
        self.assert_converted(model_with(weights))
        shards = ["model-%05d-of-00003.safetensors" % n for n in (1, 2, 3)]
        with open(depfile, encoding="utf-8") as file:
            text = file.read()
        for name in shards + ["model.safetensors.index.json"]:
            self.assertIn(os.path.join(self.tmp, name), text)
        record = metadata_of(self.out)["weights"]
        self.assertEqual(record["file"], "model.safetensors.index.json")
        self.assertEqual([s["file"] for s in record["shards"]], shards)
        self.assertTrue(all(len(s["sha256"]) == 64 for s in record["shards"]))

    def test_prefixed_keys_and_trust_weights_irrelevant(self):
        weights = self.state_dict(seed=3)
        st.write(self.path("dp.safetensors"),
                 collections.OrderedDict(("module." + k, v) for k, v in weights.items()))
        self.convert_weights(self.path("dp.safetensors"), "--trust-weights")
        self.assert_converted(model_with(weights))

    def test_half_precision_into_a_float_model(self):
        weights = self.state_dict(seed=4)
        half = collections.OrderedDict((k, v.half() if v.is_floating_point() else v)
                                       for k, v in weights.items())
        st.write(self.path("half.safetensors"), half)
        result = self.convert_weights(self.path("half.safetensors"))
        notes = self.notes(result)
        self.assertEqual(len(notes), 1, result.stderr)
        self.assertIn("converted 8 tensors from float16 to float32", notes[0])
        # The artifact computes what eager computes with the weights as converted.
        loaded = self.assert_converted(model_with(collections.OrderedDict(
            (k, v.float() if v.is_floating_point() else v) for k, v in half.items())))
        self.assertEqual({p.dtype for p in loaded.parameters()}, {torch.float32})

    def test_bfloat16_shards_into_a_float_model(self):
        weights = self.state_dict(seed=5)
        low = collections.OrderedDict((k, v.bfloat16() if v.is_floating_point() else v)
                                      for k, v in weights.items())
        result = self.convert_weights(self.shard(self.tmp, low, parts=2))
        self.assertIn("from bfloat16 to float32", "\n".join(self.notes(result)))
        self.assert_converted(model_with(collections.OrderedDict(
            (k, v.float() if v.is_floating_point() else v) for k, v in low.items())))

    def test_state_key_is_a_usage_error(self):
        st.write(self.path("model.safetensors"), self.state_dict())
        result = self.run_weights(self.path("model.safetensors"), "--state_key", "model")
        self.assert_fails(result, EXIT_USAGE_ERROR, "--state_key", "safetensors")
        self.assertFalse(os.path.exists(self.out_dir))

    def test_mismatched_keys_are_the_usual_error(self):
        weights = self.state_dict()
        del weights["conv.bias"]
        st.write(self.path("model.safetensors"), weights)
        self.assert_fails(self.run_weights(self.path("model.safetensors")),
                          EXIT_CONVERSION_FAILED, "missing key")

    def test_cache_misses_when_a_shard_changes(self):
        cache = self.path("cache")
        index = self.shard(self.tmp, self.state_dict(seed=6))
        self.convert_weights(index, "--cache-dir", cache, "-v")
        self.assertIn("cache hit", self.convert_weights(index, "--cache-dir", cache, "-v").stderr)
        weights = self.state_dict(seed=7)
        self.shard(self.tmp, weights)  # same index, other shards
        result = self.convert_weights(index, "--cache-dir", cache, "-v")
        self.assertNotIn("cache hit", result.stderr)
        self.assert_converted(model_with(weights))


class LibraryFilesTest(SafetensorsTestCase):
    """Files the safetensors library wrote: the committed fixtures (written
    by safetensors 0.8.0) and, where the library is importable, new ones."""

    def fixture_weights(self):
        return st.read(FIXTURE)

    def test_committed_single_file(self):
        self.convert_weights(FIXTURE)
        self.assert_converted(model_with(self.fixture_weights()))

    def test_committed_sharded_index(self):
        depfile = self.path("model.d")
        self.convert_weights(FIXTURE_INDEX, "--depfile", depfile)
        self.assert_converted(model_with(self.fixture_weights()))
        with open(depfile, encoding="utf-8") as file:
            text = file.read()
        for name in FIXTURE_SHARDS:
            self.assertIn(fixture("weights", name), text)

    @unittest.skipIf(library_save_file() is None, NO_LIBRARY)
    def test_written_by_the_library(self):
        weights = self.state_dict(seed=8)
        library_save_file()(dict(weights), self.path("lib.safetensors"), metadata={"a": "b"})
        self.convert_weights(self.path("lib.safetensors"))
        self.assert_converted(model_with(weights))

    @unittest.skipIf(library_save_file() is None, NO_LIBRARY)
    def test_half_precision_written_by_the_library(self):
        weights = {k: (v.half() if v.is_floating_point() else v)
                   for k, v in self.state_dict(seed=9).items()}
        library_save_file()(weights, self.path("lib.safetensors"))
        result = self.convert_weights(self.path("lib.safetensors"))
        self.assertEqual(len(self.notes(result)), 1, result.stderr)
        self.assert_converted(model_with({k: (v.float() if v.is_floating_point() else v)
                                          for k, v in weights.items()}))


class MalformedTest(SafetensorsTestCase):
    """Each flaw: one error line naming the file and the flaw, exit 1, no
    output written, and a previous artifact left as it was."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The previous artifact: converted once for the class (a conversion
        # costs seconds), copied to each test's output path.
        folder = cls.class_folder("pt2ts-safetensors-")
        good = os.path.join(folder, "good.safetensors")
        st.write(good, cls.state_dict())
        cls.previous_artifact = os.path.join(folder, "previous", "model.pt")
        cls.previous = cls.make_known_good_artifact(cls.previous_artifact, MODEL_FILE,
                                                    "Classifier", "-w", good)

    def setUp(self):
        super().setUp()
        os.makedirs(self.out_dir)
        shutil.copyfile(self.previous_artifact, self.out)

    def assert_refused(self, weights, *fragments, named=None):
        result = self.run_weights(weights)
        line = self.assert_fails(result, EXIT_CONVERSION_FAILED, named or weights, *fragments)
        self.assertNotIn("Traceback", result.stderr)
        self.assertEqual(read_bytes(self.out), self.previous)
        self.assert_no_output_left(self.out_dir, allowed=("model.pt",))
        return line

    def damaged(self, name, change=None, header=None, data=None):
        header_dict, blob = st.header_and_data(self.state_dict())
        if change:
            change(header_dict)
        path = self.path(name)
        with open(path, "wb") as file:
            file.write(st.raw_bytes(header if header is not None else header_dict,
                                    blob if data is None else data(blob)))
        return path

    def test_truncated_file(self):
        path = self.path("t.safetensors")
        with open(path, "wb") as file:
            file.write(b"\x01\x02")
        self.assert_refused(path, "truncated")

    def test_truncated_data(self):
        self.assert_refused(self.damaged("d.safetensors", data=lambda b: b[:-10]), "beyond the end")

    def test_header_length_beyond_the_file(self):
        path = self.damaged("h.safetensors")
        with open(path, "r+b") as file:
            file.write(struct.pack("<Q", 1 << 40))
        self.assert_refused(path, "header length", "beyond the end")

    def test_invalid_json(self):
        self.assert_refused(self.damaged("j.safetensors", header=b'{"conv.weight": {'),
                            "not valid JSON")

    def test_unknown_dtype(self):
        def change(header):
            header["conv.weight"]["dtype"] = "Q7"
        self.assert_refused(self.damaged("x.safetensors", change), "unknown dtype", "conv.weight")

    def test_shape_and_size_disagree(self):
        def change(header):
            header["conv.bias"]["shape"] = [5]
        self.assert_refused(self.damaged("s.safetensors", change), "conv.bias", "need 20")

    def test_offsets_out_of_range(self):
        def change(header):
            last = max(header.values(), key=lambda e: e["data_offsets"][1])
            last["data_offsets"] = [last["data_offsets"][0] + 8, last["data_offsets"][1] + 8]
        self.assert_refused(self.damaged("o.safetensors", change), "beyond the end")

    def test_overlapping_ranges(self):
        def change(header):
            header["conv.bias"]["data_offsets"] = [0, 16]
        self.assert_refused(self.damaged("v.safetensors", change), "overlapping")

    def test_gap_between_ranges(self):
        def change(header):
            for entry in header.values():
                entry["data_offsets"] = [entry["data_offsets"][0] + 4, entry["data_offsets"][1] + 4]
        self.assert_refused(self.damaged("g.safetensors", change, data=lambda b: b"\0" * 4 + b),
                            "belong to no tensor")

    def test_missing_shard(self):
        index = self.shard(self.tmp, self.state_dict())
        os.remove(self.path("model-00002-of-00003.safetensors"))
        self.assert_refused(index, "model-00002-of-00003.safetensors", "missing")

    def test_damaged_shard(self):
        index = self.shard(self.tmp, self.state_dict())
        with open(self.path("model-00003-of-00003.safetensors"), "r+b") as file:
            file.truncate(30)
        self.assert_refused(index, "truncated", named="model-00003-of-00003.safetensors")

    def test_index_without_weight_map(self):
        path = self.path("bad.safetensors.index.json")
        with open(path, "w", encoding="utf-8") as file:
            json.dump({"metadata": {}}, file)
        self.assert_refused(path, "weight_map")


if __name__ == "__main__":
    unittest.main()
