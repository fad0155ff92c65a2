"""The pt2ts.json file embedded in every artifact: what it was made from and
how, without timestamps or absolute paths, so artifacts stay reproducible."""

import json
import os

METADATA_FILE = "pt2ts.json"


def _of_kind(inputs, kind):
    return [entry for entry in inputs if entry.kind == kind]


def _input_specs(specs, path):
    """What a set of inputs was made from: shapes, or the file's name."""
    if path:
        return os.path.basename(path)
    return ["%s:%s" % ("x".join(map(str, shape)), dtype) for shape, dtype in specs] or None


def build(options, torch_version, module, model, inputs, captured):
    """inputs: the conversion's inventory (inventory.Entry tuple); captured:
    capture.Captured."""
    # The -w file; a sharded safetensors checkpoint's shards come after it.
    weights = sorted(_of_kind(inputs, "weights"), key=lambda entry: bool(entry.part_of))
    shards = [entry for entry in weights if entry.part_of]
    record = {
        "pt2ts_version": options.pt2ts_version,
        "torch_version": torch_version,
        "module": module.__name__,
        "model": options.model_name,
        "model_class": type(model).__name__,
        # As Python literals, from the very values the model was built with.
        "args": [repr(value) for value in options.args],
        "kwargs": {key: repr(value) for key, value in options.kwargs.items()},
        "weights": ({"file": os.path.basename(weights[0].path), "sha256": weights[0].sha256,
                     "state_key": options.state_key or None}
                    if weights else None),
        # {module name: sha256} of the Python files converted (no paths).
        "sources": dict(sorted((name, entry.sha256) for entry in _of_kind(inputs, "module")
                               for name in entry.modules)),
        # Packages are always exported: --method does not apply to them.
        "export": {"method": captured.method,
                   "requested_method": ("export" if captured.method == "export"
                                        else options.method),
                   "freeze": options.freeze, "preserve": sorted(options.preserve),
                   "format": options.format,
                   # --dtype: the precision the model was cast to; null: its own.
                   "dtype": options.dtype or None,
                   "strict": not options.non_strict,
                   "trust_weights": options.trust_weights,
                   "checked_on_example_inputs": bool(options.example_inputs
                                                     or options.example_inputs_path),
                   "example_inputs": _input_specs(options.example_inputs,
                                                  options.example_inputs_path),
                   "check_inputs": _input_specs(options.check_inputs, options.check_inputs_path)},
        "training": bool(options.train),
    }
    if shards:  # only then: a .pt file's record stays as it was
        record["weights"]["shards"] = [
            {"file": os.path.relpath(entry.path, os.path.dirname(entry.part_of)),
             "sha256": entry.sha256} for entry in shards]
    if options.dynamic_dims:
        record["export"]["dynamic_dims"] = [
            {"input": arg, "dim": dim, "min": low, "max": high}
            for arg, dim, low, high in options.dynamic_dims]
    if captured.trace_strict is not None:
        record["export"]["trace_strict"] = captured.trace_strict
    depends = _of_kind(inputs, "depends")
    if depends:
        record["depends"] = [{"file": os.path.basename(entry.path), "sha256": entry.sha256}
                             for entry in depends]
    return json.dumps(record, indent=2, sort_keys=True)
