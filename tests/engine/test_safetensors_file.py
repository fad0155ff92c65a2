"""Unit tests of safetensors_file: the header checks (each flaw one
ConversionError naming the file and the flaw), reading the data with pt2ts's
own reader (the one Debian 12's Python, without the safetensors library,
uses) and with the library where importable, sharded indexes, and the dtype
conversion into the model's dtypes. Files are written by the tests' own
writer (tests/support/safetensors_testing.py)."""

import collections
import json
import os
import struct
import tempfile
import unittest
from unittest import mock

from engine.pt2ts_engine import TORCH_MISSING, captured_stderr, torch_available

from _pt2ts import safetensors_file
from _pt2ts.errors import ConversionError

if torch_available():
    import torch

    import safetensors_testing as st


def library_available():
    try:
        import safetensors.torch  # noqa: F401
    except ImportError:
        return False
    return True


@unittest.skipUnless(torch_available(), TORCH_MISSING)
class _Case(unittest.TestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory(prefix="pt2ts-st-")
        self.addCleanup(folder.cleanup)
        self.folder = folder.name

    def path(self, name):
        return os.path.join(self.folder, name)

    def write_bytes(self, name, data):
        path = self.path(name)
        with open(path, "wb") as file:
            file.write(data)
        return path

    def tensors(self):
        torch.manual_seed(3)
        return collections.OrderedDict([
            ("w", torch.randn(3, 4)), ("h", torch.randn(5).half()), ("b", torch.randn(2).bfloat16()),
            ("d", torch.randn(2, 2).double()), ("i", torch.arange(6).reshape(2, 3)),
            ("i32", torch.arange(3, dtype=torch.int32)), ("i16", torch.arange(3, dtype=torch.int16)),
            ("i8", torch.arange(-2, 2, dtype=torch.int8)), ("u8", torch.arange(4, dtype=torch.uint8)),
            ("flag", torch.tensor([True, False, True])), ("empty", torch.zeros(0, 3)),
            ("scalar", torch.tensor(2.5))])

    def assert_same(self, actual, expected):
        self.assertEqual(sorted(actual), sorted(expected))
        for key, value in expected.items():
            self.assertEqual(actual[key].dtype, value.dtype, key)
            self.assertTrue(torch.equal(actual[key], value), key)

    def assert_flaw(self, path, *fragments):
        with self.assertRaises(ConversionError) as caught:
            safetensors_file.load(torch, path)
        message = caught.exception.message
        self.assertNotIn("\n", message)
        self.assertIn(path, message)
        for fragment in fragments:
            self.assertIn(fragment, message)
        return message


class ReaderTest(_Case):
    def test_own_reader_reads_every_dtype(self):
        tensors = self.tensors()
        st.write(self.path("m.safetensors"), tensors, {"format": "pt"})
        with mock.patch.object(safetensors_file, "_library", return_value=None):
            loaded = safetensors_file.load(torch, self.path("m.safetensors"))
        self.assert_same(loaded, tensors)
        # Each tensor owns its memory (no shared buffer): the model's own.
        self.assertEqual(len({v.data_ptr() for v in loaded.values() if v.numel()}),
                         len([v for v in loaded.values() if v.numel()]))
        self.assertTrue(all(v.is_contiguous() for v in loaded.values()))

    @unittest.skipUnless(library_available(), "the safetensors library is not importable")
    def test_library_reads_the_same(self):
        tensors = self.tensors()
        st.write(self.path("m.safetensors"), tensors)
        self.assertIsNotNone(safetensors_file._library())
        self.assert_same(safetensors_file.load(torch, self.path("m.safetensors")), tensors)

    @unittest.skipUnless(library_available(), "the safetensors library is not importable")
    def test_own_reader_reads_the_library_s_files(self):
        from safetensors.torch import save_file

        tensors = self.tensors()
        save_file(dict(tensors), self.path("lib.safetensors"), metadata={"a": "b"})
        with mock.patch.object(safetensors_file, "_library", return_value=None):
            self.assert_same(safetensors_file.load(torch, self.path("lib.safetensors")), tensors)

    def test_no_tensors(self):
        st.write(self.path("none.safetensors"), {})
        self.assertEqual(dict(safetensors_file.load(torch, self.path("none.safetensors"))), {})

    def test_names_recognised(self):
        self.assertTrue(safetensors_file.is_safetensors("a/m.safetensors"))
        self.assertTrue(safetensors_file.is_safetensors("m.safetensors.index.json"))
        self.assertFalse(safetensors_file.is_safetensors("m.pt"))
        self.assertFalse(safetensors_file.is_safetensors("m.safetensors.bak"))


class FlawTest(_Case):
    def header(self):
        return st.header_and_data(collections.OrderedDict(
            [("a", torch.ones(2, 2)), ("b", torch.arange(3))]))

    def test_shorter_than_the_header_length(self):
        self.assert_flaw(self.write_bytes("t.safetensors", b"\x10\x00\x00"), "truncated", "3 bytes")

    def test_empty_file(self):
        self.assert_flaw(self.write_bytes("t.safetensors", b""), "truncated")

    def test_header_length_beyond_the_file(self):
        header, data = self.header()
        blob = st.raw_bytes(header, data)
        self.assert_flaw(self.write_bytes("t.safetensors", struct.pack("<Q", len(blob)) + blob[8:]),
                         "header length", "beyond the end")

    def test_a_pickle_is_not_safetensors(self):
        path = self.path("p.safetensors")
        torch.save({"a": torch.ones(2)}, path)
        self.assert_flaw(path, "header length")

    def test_invalid_json(self):
        self.assert_flaw(self.write_bytes("j.safetensors", st.raw_bytes(b"{\"a\": [", b"")),
                         "not valid JSON")

    def test_not_utf8(self):
        self.assert_flaw(self.write_bytes("u.safetensors", st.raw_bytes(b"{\"\xff\": 1}", b"")),
                         "not UTF-8")

    def test_header_not_an_object(self):
        self.assert_flaw(self.write_bytes("l.safetensors", st.raw_bytes([1, 2], b"")),
                         "not a JSON object")

    def test_duplicate_name(self):
        text = (b'{"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, '
                b'"a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}}')
        self.assert_flaw(self.write_bytes("d.safetensors", st.raw_bytes(text, b"xy")),
                         "appears twice")

    def test_unknown_dtype(self):
        header, data = self.header()
        header["a"]["dtype"] = "F17"
        self.assert_flaw(self.write_bytes("x.safetensors", st.raw_bytes(header, data)),
                         "tensor 'a'", "unknown dtype \"F17\"")

    def test_shape_and_size_disagree(self):
        header, data = self.header()
        header["a"]["shape"] = [2, 3]
        self.assert_flaw(self.write_bytes("s.safetensors", st.raw_bytes(header, data)),
                         "tensor 'a'", "16 bytes", "need 24")

    def test_invalid_shape(self):
        header, data = self.header()
        header["a"]["shape"] = [2, -2]
        self.assert_flaw(self.write_bytes("s.safetensors", st.raw_bytes(header, data)),
                         "invalid shape")

    def test_missing_field(self):
        header, data = self.header()
        del header["b"]["data_offsets"]
        self.assert_flaw(self.write_bytes("f.safetensors", st.raw_bytes(header, data)),
                         "malformed entry for tensor 'b'")

    def test_offsets_beyond_the_data(self):
        header, data = self.header()
        self.assert_flaw(self.write_bytes("o.safetensors", st.raw_bytes(header, data[:-8])),
                         "tensor 'b'", "beyond the end")

    def test_reversed_offsets(self):
        header, data = self.header()
        header["a"]["data_offsets"] = [16, 0]
        self.assert_flaw(self.write_bytes("r.safetensors", st.raw_bytes(header, data)),
                         "invalid data_offsets")

    def test_overlapping_ranges(self):
        header, data = self.header()
        header["b"]["data_offsets"] = [8, 32]
        self.assert_flaw(self.write_bytes("v.safetensors", st.raw_bytes(header, data + b"\0" * 0)),
                         "overlapping", "tensor 'b'")

    def test_gap_between_ranges(self):
        header, data = self.header()
        header["b"]["data_offsets"] = [24, 48]
        self.assert_flaw(self.write_bytes("g.safetensors", st.raw_bytes(header, data + b"\0" * 8)),
                         "8 bytes of data that belong to no tensor")

    def test_trailing_bytes(self):
        header, data = self.header()
        self.assert_flaw(self.write_bytes("e.safetensors", st.raw_bytes(header, data + b"junk")),
                         "4 bytes after the last tensor")

    def test_metadata_not_strings(self):
        header, data = self.header()
        header["__metadata__"] = {"epoch": 3}
        self.assert_flaw(self.write_bytes("m.safetensors", st.raw_bytes(header, data)),
                         "__metadata__")

    def test_dtype_this_torch_lacks(self):
        header, data = st.header_and_data({"a": torch.arange(4, dtype=torch.uint8)})
        header["a"]["dtype"] = "F8_E5M2"
        path = self.write_bytes("f8.safetensors", st.raw_bytes(header, data))
        if hasattr(torch, "float8_e5m2"):
            self.assertEqual(safetensors_file.load(torch, path)["a"].dtype, torch.float8_e5m2)
        else:
            self.assert_flaw(path, "F8_E5M2", "does not have")

    def test_missing_file(self):
        with self.assertRaises(ConversionError) as caught:
            safetensors_file.load(torch, self.path("absent.safetensors"))
        self.assertIn("cannot read", caught.exception.message)


class ShardedTest(_Case):
    def shards(self):
        torch.manual_seed(5)
        return [collections.OrderedDict([("a", torch.randn(2)), ("b", torch.randn(3))]),
                collections.OrderedDict([("c", torch.randn(4).half())])]

    def test_loads_every_shard(self):
        shards = self.shards()
        index = st.write_sharded(self.folder, "model", shards)
        expected = dict(shards[0], **shards[1])
        self.assert_same(safetensors_file.load(torch, index), expected)
        self.assertEqual([os.path.basename(p) for p in safetensors_file.shard_paths(index)],
                         ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])

    def test_missing_shard(self):
        index = st.write_sharded(self.folder, "model", self.shards())
        os.remove(self.path("model-00002-of-00002.safetensors"))
        message = self.assert_flaw(index, "model-00002-of-00002.safetensors", "missing")
        self.assertTrue(message.startswith("safetensors index"))

    def test_damaged_shard_is_named(self):
        index = st.write_sharded(self.folder, "model", self.shards())
        with open(self.path("model-00001-of-00002.safetensors"), "r+b") as file:
            file.truncate(20)
        with self.assertRaises(ConversionError) as caught:
            safetensors_file.load(torch, index)
        self.assertIn("model-00001-of-00002.safetensors' is truncated", caught.exception.message)

    def test_tensor_not_where_the_index_says(self):
        index = st.write_sharded(self.folder, "model", self.shards())
        with open(index, encoding="utf-8") as file:
            content = json.load(file)
        content["weight_map"]["c"] = "model-00001-of-00002.safetensors"
        with open(index, "w", encoding="utf-8") as file:
            json.dump(content, file)
        self.assert_flaw(index, "has no tensor 'c'")

    def test_index_without_weight_map(self):
        path = self.write_bytes("x.safetensors.index.json", b'{"metadata": {}}')
        self.assert_flaw(path, "weight_map")
        self.assertEqual(safetensors_file.shard_paths(path), ())

    def test_index_not_json(self):
        self.assert_flaw(self.write_bytes("x.safetensors.index.json", b"{"), "not valid JSON")

    def test_absolute_shard_path(self):
        path = self.write_bytes("x.safetensors.index.json",
                                json.dumps({"weight_map": {"a": "/etc/passwd"}}).encode())
        self.assert_flaw(path, "absolute path")


class DtypeTest(_Case):
    def test_half_weights_into_a_float_model(self):
        model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
        weights = collections.OrderedDict(
            (("module." if i == 0 else "") + k, v.half() if v.is_floating_point() else v)
            for i, (k, v) in enumerate(model.state_dict().items()))
        with captured_stderr() as stderr:
            result = safetensors_file.match_model_dtypes(torch, weights, model, ("module.",),
                                                         "w.safetensors")
        for key, value in result.items():
            self.assertEqual(value.dtype, torch.int64 if key.endswith("num_batches_tracked")
                             else torch.float32, key)
        note = stderr.getvalue()
        self.assertEqual(note.count("pt2ts: note:"), 1, note)
        self.assertIn("converted 6 tensors from float16 to float32, the model's dtype", note)

    def test_matching_dtypes_say_nothing(self):
        model = torch.nn.Linear(2, 2)
        with captured_stderr() as stderr:
            safetensors_file.match_model_dtypes(torch, model.state_dict(), model, (), "w")
        self.assertEqual(stderr.getvalue(), "")


if __name__ == "__main__":
    unittest.main()
