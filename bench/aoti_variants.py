"""Compiles one model into AOTInductor packages with pt2ts's default
inductor settings (tool/engine/python/aoti_settings.py) and with one of them
changed at a time, so bench/inference.py can time what each default buys.
The plain recipe (torch.export with a dynamic batch 1..16, then
aoti_compile_and_package with gradients off, as pt2ts compiles: inductor
freezes only then), not pt2ts: these variants are not products.

    PYTHON bench/aoti_variants.py MODULE MODEL WEIGHTS SHAPE PREFIX VARIANT...

VARIANT: default, scalar (inductor's cpp.simdlen=0: no vector kernels,
what Debian's torch gave before pt2ts linked Sleef), no-freezing,
fixed-threads (the converting machine's core count written into the
kernels, inductor's default), channels-last (inductor's layout
optimisation on).
Writes PREFIX.VARIANT.pt2 and prints each one's compile seconds."""

import importlib
import json
import os
import sys
import time
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ENGINE = os.path.join(os.path.dirname(HERE), "tool", "engine", "python")


def engine_module(name):
    """A module of pt2ts's engine (its package is _pt2ts inside pt2ts)."""
    if "_pt2ts" not in sys.modules:
        package = types.ModuleType("_pt2ts")
        package.__path__ = [ENGINE]
        sys.modules["_pt2ts"] = package
    return importlib.import_module("_pt2ts." + name)


def main():
    module, model_name, weights, shape, prefix = sys.argv[1:6]
    variants = sys.argv[6:]
    if module == "torchvision.models":
        import torchvision
        model = getattr(torchvision.models, model_name)()
    else:
        sys.path.insert(0, HERE)
        model = getattr(importlib.import_module("models"), model_name)()
    model.load_state_dict(torch.load(weights, map_location="cpu"))
    model.eval()
    example = torch.randn(*(int(size) for size in shape.split("x")))
    batch = torch.export.Dim("batch", min=1, max=16)
    exported = torch.export.export(model, (example,), dynamic_shapes=({0: batch},))
    settings = engine_module("aoti_settings")
    configs, applied = settings.choose(torch, exported)
    for variant in variants:
        changed = dict(configs)
        if variant == "scalar":
            changed["cpp.simdlen"] = 0  # inductor's own switch: no vector kernels
        elif variant == "no-freezing":
            changed["freezing"] = False
        elif variant == "fixed-threads":
            changed["cpp.dynamic_threads"] = False
        elif variant == "channels-last":
            changed["layout_optimization"] = True
        start = time.perf_counter()
        with torch.no_grad():
            torch._inductor.aoti_compile_and_package(exported, package_path="%s.%s.pt2" % (
                prefix, variant), inductor_configs=changed)
        print("%s %.1f %s" % (variant, time.perf_counter() - start, applied), flush=True)


if __name__ == "__main__":
    main()
