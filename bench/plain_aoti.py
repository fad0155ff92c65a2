"""What pt2ts --format aoti replaces, done the minimal way (the official
recipe's script): import the module, build the model, load its weights,
torch.export it with a dynamic batch, compile it with AOTInductor.
Usage: plain_aoti.py MODULE(dotted) MODEL WEIGHTS OUTPUT.pt2 SHAPE (e.g. 2x3x224x224)"""

import importlib
import sys

import torch

module_path, model_name, weights_path, output_path, shape = sys.argv[1:6]
model = getattr(importlib.import_module(module_path), model_name)()
model.load_state_dict(torch.load(weights_path, map_location="cpu"))
model.eval()
example = torch.randn(*(int(size) for size in shape.split("x")))
batch = torch.export.Dim("batch", min=1, max=16)
exported = torch.export.export(model, (example,), dynamic_shapes=({0: batch},))
torch._inductor.aoti_compile_and_package(exported, package_path=output_path)
