"""A tiny safetensors writer for the tests, independent of pt2ts's reader
and of the safetensors library (which Debian 12's Python lacks): the files it
writes test pt2ts's own reader there, and its pieces (header, data) can be
written damaged on purpose."""

import ctypes
import os
import json
import struct

DTYPE_NAMES = {"float64": "F64", "float32": "F32", "float16": "F16", "bfloat16": "BF16",
               "int64": "I64", "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8",
               "bool": "BOOL"}


def tensor_bytes(tensor):
    tensor = tensor.detach().cpu().contiguous()
    size = tensor.numel() * tensor.element_size()
    return ctypes.string_at(tensor.data_ptr(), size) if size else b""


def header_and_data(tensors, metadata=None):
    """(header dict, data bytes) of {name: tensor}, in the library's layout:
    the data in the order given, each range right after the one before."""
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = tensor_bytes(tensor)
        header[name] = {"dtype": DTYPE_NAMES[str(tensor.dtype).replace("torch.", "")],
                        "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata is not None:
        header["__metadata__"] = metadata
    return header, b"".join(chunks)


def raw_bytes(header, data, pad=True):
    """The file's bytes: header given as a dict (serialised, padded with
    spaces to 8 bytes as the library does) or as bytes (as it is)."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode("utf-8")
    if pad and not isinstance(header, bytes):
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def write(path, tensors, metadata=None):
    with open(path, "wb") as file:
        file.write(raw_bytes(*header_and_data(tensors, metadata)))


def write_sharded(folder, stem, shards):
    """shards: [{name: tensor}, ...] -> writes stem-0000K-of-0000N.safetensors
    and stem.safetensors.index.json; returns the index's path."""
    weight_map, names = {}, []
    for number, tensors in enumerate(shards, 1):
        name = "%s-%05d-of-%05d.safetensors" % (stem, number, len(shards))
        write(os.path.join(folder, name), tensors)
        names.append(name)
        weight_map.update((key, name) for key in tensors)
    index = os.path.join(folder, stem + ".safetensors.index.json")
    with open(index, "w", encoding="utf-8") as file:
        json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, file, indent=2)
    return index


def read(path):
    """{name: tensor} of a well-formed file (the tests' own reader, to know
    what a fixture holds without pt2ts's reader or the library)."""
    import torch

    dtypes = {name: getattr(torch, dtype) for dtype, name in DTYPE_NAMES.items()}
    with open(path, "rb") as file:
        blob = file.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    header.pop("__metadata__", None)
    data = bytearray(blob[8 + length:])
    result = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = dtypes[entry["dtype"]]
        flat = (torch.frombuffer(data[begin:end], dtype=dtype) if end > begin
                else torch.empty(0, dtype=dtype))
        result[name] = flat.reshape(entry["shape"]).clone()
    return result
