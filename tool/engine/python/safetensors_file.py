"""safetensors weights: one file (NAME.safetensors) or a sharded checkpoint
(NAME.safetensors.index.json, whose "weight_map" names the shard files
beside it). Every file's header is checked here, strictly, whatever reads
the data, so that a damaged file is one message naming the file and what is
wrong, the same with or without the safetensors library. The data is read
by the library where it is importable, else by the reader below: each
tensor allocated by torch, then the file read straight into its memory (one
copy, no numpy, torch 1.13 and later).

The format: an 8-byte little-endian header length N, N bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
{str: str}}, then the data buffer, the offsets relative to its start; the
tensors' ranges cover the buffer exactly, without gaps or overlaps."""

import collections
import ctypes
import json
import os
import struct
import sys

from _pt2ts import reporting
from _pt2ts.errors import ConversionError

SUFFIX = ".safetensors"
INDEX_SUFFIX = ".safetensors.index.json"
# What a header may be: the library refuses more than 100 MB too.
MAX_HEADER = 100 << 20
METADATA_KEY = "__metadata__"

# safetensors dtype: (torch attribute, bytes per element). A dtype this
# torch lacks (float8 before 2.1, uint16/32/64 before 2.3) is refused by name.
DTYPES = {
    "F64": ("float64", 8), "F32": ("float32", 4), "F16": ("float16", 2),
    "BF16": ("bfloat16", 2), "F8_E4M3": ("float8_e4m3fn", 1), "F8_E5M2": ("float8_e5m2", 1),
    "I64": ("int64", 8), "I32": ("int32", 4), "I16": ("int16", 2), "I8": ("int8", 1),
    "U64": ("uint64", 8), "U32": ("uint32", 4), "U16": ("uint16", 2), "U8": ("uint8", 1),
    "BOOL": ("bool", 1), "C64": ("complex64", 8),
}

Tensor = collections.namedtuple("Tensor", "name dtype shape begin end")


def is_safetensors(path):
    """Whether a weights path names safetensors (by its name, as the front
    end's --state_key rule does)."""
    return path.endswith(SUFFIX) or path.endswith(INDEX_SUFFIX)


def is_index(path):
    return path.endswith(INDEX_SUFFIX)


def _fail(path, problem):
    raise ConversionError("safetensors file '%s' %s" % (path, problem))


def _no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("the name '%s' appears twice" % key)
        result[key] = value
    return result


def _parse_json(text, path, what):
    try:
        return json.loads(text.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError as exc:
        _fail(path, "has a %s that is not UTF-8 text (%s)" % (what, exc.reason))
    except ValueError as exc:  # json.JSONDecodeError, duplicate names
        _fail(path, "has a %s that is not valid JSON: %s" % (what, exc))
    return None


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _entry(path, name, entry, buffer_size):
    """One tensor's header entry, checked."""
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        _fail(path, "has a malformed entry for tensor '%s': expected exactly 'dtype', 'shape' "
                    "and 'data_offsets', found %s" % (name, json.dumps(entry)[:200]))
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in DTYPES:
        _fail(path, "gives tensor '%s' the unknown dtype %s (known: %s)"
              % (name, json.dumps(dtype)[:50], ", ".join(sorted(DTYPES))))
    if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
        _fail(path, "gives tensor '%s' the invalid shape %s (a list of sizes)"
              % (name, json.dumps(shape)[:100]))
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(map(_is_count, offsets))
            or offsets[0] > offsets[1]):
        _fail(path, "gives tensor '%s' the invalid data_offsets %s ([begin, end], begin <= end)"
              % (name, json.dumps(offsets)[:100]))
    begin, end = offsets
    if end > buffer_size:
        _fail(path, "gives tensor '%s' the data_offsets [%d, %d], beyond the end of its %d-byte "
                    "data (the file is truncated or its header is wrong)"
              % (name, begin, end, buffer_size))
    elements = 1
    for size in shape:
        elements *= size
    expected = elements * DTYPES[dtype][1]
    if end - begin != expected:
        _fail(path, "gives tensor '%s' (%s, shape %s) %d bytes of data; its dtype and shape "
                    "need %d" % (name, dtype, shape, end - begin, expected))
    return Tensor(name, dtype, tuple(shape), begin, end)


def read_header(path):
    """The file's tensors (Tensor tuples, in data order), its metadata and
    the data buffer's offset in the file; a ConversionError for any flaw."""
    try:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            prefix = file.read(8)
            if len(prefix) < 8:
                _fail(path, "is truncated: %d bytes, fewer than the 8 of its header length"
                      % len(prefix))
            (length,) = struct.unpack("<Q", prefix)
            if length > size - 8:
                _fail(path, "is truncated or not safetensors: its header length, %d bytes, goes "
                            "beyond the end of the %d-byte file" % (length, size))
            if length > MAX_HEADER:
                _fail(path, "has a %d-byte header, more than the %d bytes allowed"
                      % (length, MAX_HEADER))
            text = file.read(length)
    except OSError as exc:
        raise ConversionError("cannot read safetensors file '%s': %s"
                              % (path, exc.strerror or exc)) from None
    header = _parse_json(text, path, "header")
    if not isinstance(header, dict):
        _fail(path, "has a header that is not a JSON object")
    metadata = header.pop(METADATA_KEY, {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        _fail(path, "has a '%s' that is not an object of strings" % METADATA_KEY)
    offset = 8 + length
    buffer_size = size - offset
    tensors = sorted((_entry(path, name, entry, buffer_size) for name, entry in header.items()),
                     key=lambda t: (t.begin, t.end))
    position = 0
    for tensor in tensors:
        if tensor.begin < position:
            _fail(path, "has overlapping data: tensor '%s' starts at byte %d, before the end "
                        "(%d) of the tensor ahead of it" % (tensor.name, tensor.begin, position))
        if tensor.begin > position:
            _fail(path, "has %d bytes of data that belong to no tensor (at %d, before tensor "
                        "'%s')" % (tensor.begin - position, position, tensor.name))
        position = tensor.end
    if position != buffer_size:
        _fail(path, "has %d bytes after the last tensor's data that belong to no tensor"
              % (buffer_size - position))
    return tensors, metadata, offset


def _torch_dtype(torch, path, tensor):
    dtype = getattr(torch, DTYPES[tensor.dtype][0], None)
    if dtype is None:
        _fail(path, "holds tensor '%s' of dtype %s, which torch %s does not have"
              % (tensor.name, tensor.dtype, torch.__version__))
    return dtype


def _read_exactly(file, buffer, size):
    view = memoryview(buffer).cast("B")
    done = 0
    while done < size:
        count = file.readinto(view[done:])
        if not count:
            raise EOFError
        done += count


def _read_own(torch, path, tensors, offset):
    """Each tensor allocated by torch, the file read straight into it."""
    if sys.byteorder != "little":
        raise ConversionError("safetensors file '%s': reading it on a big-endian machine needs "
                              "the safetensors library (pip install safetensors)" % path)
    loaded = collections.OrderedDict()
    with open(path, "rb", buffering=0) as file:
        file.seek(offset)
        for tensor in tensors:  # in data order: one sequential pass
            value = torch.empty(tensor.shape, dtype=_torch_dtype(torch, path, tensor))
            size = tensor.end - tensor.begin
            if size:
                memory = (ctypes.c_char * size).from_address(value.data_ptr())
                try:
                    _read_exactly(file, memory, size)
                except EOFError:
                    _fail(path, "was truncated while it was read")
            loaded[tensor.name] = value
    return loaded


def _library():
    try:
        from safetensors import torch as library  # noqa: PLC0415 - optional
    except ImportError:
        return None
    return library


def _read_library(library, torch, path, tensors):
    for tensor in tensors:
        _torch_dtype(torch, path, tensor)  # a dtype this torch lacks: our message
    loaded = library.load_file(path, device="cpu")
    return collections.OrderedDict((tensor.name, loaded[tensor.name]) for tensor in tensors)


def load_file(torch, path):
    """{name: tensor} of one safetensors file, on the CPU, in data order."""
    tensors, _, offset = read_header(path)
    library = _library()
    try:
        if library is not None:
            return _read_library(library, torch, path, tensors)
        return _read_own(torch, path, tensors, offset)
    except ConversionError:
        raise
    except MemoryError:
        raise ConversionError("not enough memory to load safetensors file '%s'" % path) from None
    except OSError as exc:
        raise ConversionError("cannot read safetensors file '%s': %s"
                              % (path, exc.strerror or exc)) from None
    except Exception as exc:  # noqa: B902 - the library's own errors
        raise ConversionError("cannot read safetensors file '%s': %s"
                              % (path, str(exc).splitlines()[0] if str(exc) else
                                 type(exc).__name__)) from None


def read_index(path):
    """{shard path: [tensor names]} of a sharded checkpoint's index, the
    shards in name order, resolved beside the index."""
    try:
        with open(path, "rb") as file:
            text = file.read(MAX_HEADER + 1)
    except OSError as exc:
        raise ConversionError("cannot read safetensors index '%s': %s"
                              % (path, exc.strerror or exc)) from None
    if len(text) > MAX_HEADER:
        raise ConversionError("safetensors index '%s' is larger than %d bytes" % (path, MAX_HEADER))
    try:
        index = json.loads(text.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConversionError("safetensors index '%s' is not valid JSON: %s" % (path, exc)) from None
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    if (not isinstance(weight_map, dict) or not weight_map
            or not all(isinstance(v, str) and v for v in weight_map.values())):
        raise ConversionError(
            "safetensors index '%s' has no \"weight_map\" naming the shard file of each tensor "
            "({\"weight_map\": {\"NAME\": \"FILE.safetensors\", ...}})" % path)
    folder = os.path.dirname(os.path.abspath(path))
    shards = {}
    for name, shard in weight_map.items():
        if os.path.isabs(shard):
            raise ConversionError("safetensors index '%s' names the shard '%s' by an absolute "
                                  "path; shards are named relative to the index" % (path, shard))
        shards.setdefault(os.path.normpath(os.path.join(folder, shard)), []).append(name)
    return collections.OrderedDict(sorted(shards.items()))


def shard_paths(path):
    """The shard files an index names, or () if it cannot be read (the
    loader reports why): for the inventory, which starts hashing them early."""
    try:
        return tuple(read_index(path))
    except ConversionError:
        return ()


def _load_shards(torch, path):
    shards = read_index(path)
    for shard in shards:
        if not os.path.isfile(shard):
            raise ConversionError("safetensors index '%s' names the shard '%s', which is missing"
                                  % (path, os.path.relpath(shard, os.path.dirname(
                                      os.path.abspath(path)))))
    loaded = collections.OrderedDict()
    for shard, names in shards.items():
        tensors = load_file(torch, shard)
        expected = set(names)
        absent = [n for n in names if n not in tensors]
        extra = [n for n in tensors if n not in expected]
        if absent or extra:
            problem = "; ".join(s for s in (
                "has no tensor '%s' the index places there%s" % (
                    absent[0], " (and %d more)" % (len(absent) - 1) if len(absent) > 1 else "")
                if absent else "",
                "holds tensor '%s' the index places elsewhere or nowhere%s" % (
                    extra[0], " (and %d more)" % (len(extra) - 1) if len(extra) > 1 else "")
                if extra else "") if s)
            raise ConversionError("safetensors shard '%s' (of index '%s') %s"
                                  % (shard, path, problem))
        loaded.update(tensors)
        del tensors
    return loaded


def load(torch, path):
    """The state dict of a safetensors file or sharded index."""
    if is_index(path):
        return _load_shards(torch, path)
    return load_file(torch, path)


def match_model_dtypes(torch, state_dict, model, prefixes, path):
    """Converts (in place) each floating tensor whose dtype differs from the floating
    dtype of the model's parameter or buffer it loads into (half-precision
    published weights into a float32 model) to the model's dtype, with one
    note; keys may still carry a wrapper prefix (prefixes)."""
    targets = {key: value.dtype for key, value in model.state_dict().items()
               if torch.is_tensor(value) and value.is_floating_point()}
    converted = collections.Counter()
    for key, value in list(state_dict.items()):
        target = targets.get(key)
        if target is None:
            target = next((targets[key[len(p):]] for p in prefixes
                           if key.startswith(p) and key[len(p):] in targets), None)
        if (target is not None and torch.is_tensor(value) and value.is_floating_point()
                and value.dtype != target):
            converted[(str(value.dtype).replace("torch.", ""),
                       str(target).replace("torch.", ""))] += 1
            state_dict[key] = value.to(target)  # in place: the original is freed now
            del value
    if converted:
        reporting.note("weights '%s': converted %s, the model's dtype" % (path, ", ".join(
            "%d %s from %s to %s" % (count, "tensor" if count == 1 else "tensors", source, target)
            for (source, target), count in sorted(converted.items()))))
    return state_dict
