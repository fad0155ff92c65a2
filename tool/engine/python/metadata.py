"""The pt2ts.json file embedded in every artifact: what it was made from and
how, without timestamps or absolute paths, so artifacts stay reproducible."""

import hashlib
import json
import os
import sys

METADATA_FILE = "pt2ts.json"


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _source_modules(dependency_files):
    """{module name: sha256} of the Python files converted (no paths)."""
    wanted = set(dependency_files)
    sources = {}
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and os.path.abspath(path) in wanted:
            sources[name] = _sha256(path)
    return dict(sorted(sources.items()))


def build(options, torch_version, module, model, dependency_files):
    weights_path = options["state_dict_path"]
    record = {
        "pt2ts_version": options["pt2ts_version"],
        "torch_version": torch_version,
        "module": module.__name__,
        "model": options["model_name"],
        "model_class": type(model).__name__,
        "args": options["options_text"]["args"],
        "kwargs": options["options_text"]["kwargs"],
        "weights": ({"file": os.path.basename(weights_path), "sha256": _sha256(weights_path),
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
