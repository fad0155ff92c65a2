"""The pt2ts.json file embedded in every artifact: what it was made from and
how, without timestamps or absolute paths, so artifacts stay reproducible."""

import hashlib
import json
import os
import sys
import threading

METADATA_FILE = "pt2ts.json"


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as file:
        # Large blocks for large files (few GIL hand-overs in a thread), no
        # more memory than the file for small ones.
        buffer = bytearray(min(8 << 20, max(1 << 16, os.fstat(file.fileno()).st_size)))
        view = memoryview(buffer)
        while True:
            count = file.readinto(buffer)
            if not count:
                break
            digest.update(view[:count])
    return digest.hexdigest()


class FileDigest:
    """The sha256 of a file, computed on a background thread from the start
    of the conversion. hashlib and file reads release the GIL, so hashing a
    1 GB weights file (about 0.6 s) overlaps with importing torch and loading
    the weights instead of adding to them."""

    def __init__(self, path):
        self._path = path
        self._digest = None
        self._error = None
        self._thread = threading.Thread(target=self._compute, name="pt2ts-sha256", daemon=True)
        self._thread.start()

    def _compute(self):
        try:
            self._digest = _sha256(self._path)
        except OSError as exc:  # raised again where the digest is needed
            self._error = exc

    def hexdigest(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._digest


def _source_modules(dependency_files):
    """{module name: sha256} of the Python files converted (no paths)."""
    wanted = set(dependency_files)
    sources = {}
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and os.path.abspath(path) in wanted:
            sources[name] = _sha256(path)
    return dict(sorted(sources.items()))


def build(options, torch_version, module, model, dependency_files, weights_digest):
    """weights_digest: a FileDigest of the weights file, or None without one."""
    weights_path = options["state_dict_path"]
    record = {
        "pt2ts_version": options["pt2ts_version"],
        "torch_version": torch_version,
        "module": module.__name__,
        "model": options["model_name"],
        "model_class": type(model).__name__,
        "args": options["options_text"]["args"],
        "kwargs": options["options_text"]["kwargs"],
        "weights": ({"file": os.path.basename(weights_path), "sha256": weights_digest.hexdigest(),
                     "state_key": options["state_key"] or None}
                    if weights_path else None),
        "sources": _source_modules(dependency_files),
        "export": {"method": "script", "strict": not options["non_strict"],
                   "trust_weights": options["trust_weights"],
                   "checked_on_example_inputs": bool(options["example_inputs"]
                                                     or options["example_inputs_path"])},
        "training": bool(options["train"]),
    }
    return json.dumps(record, indent=2, sort_keys=True)
