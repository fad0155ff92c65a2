"""What pt2ts replaces, done the minimal way: import the module, build the
model, load its weights, script it, save it.
Usage: plain_convert.py MODULE(.py file or dotted) MODEL WEIGHTS OUTPUT"""

import importlib
import importlib.util
import os
import sys

import torch

module_path, model_name, weights_path, output_path = sys.argv[1:5]
if module_path.endswith(".py"):
    sys.path.insert(0, os.path.dirname(os.path.abspath(module_path)))
    spec = importlib.util.spec_from_file_location("model_module", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
else:
    module = importlib.import_module(module_path)
model = getattr(module, model_name)()
model.load_state_dict(torch.load(weights_path, map_location="cpu"))
model.eval()
torch.jit.script(model).save(output_path)
