"""Loads a converted model the way any TorchScript consumer does and runs it."""

import sys

import torch

model = torch.jit.load(sys.argv[1])
print("loaded %s: %s, %s mode" % (sys.argv[1], model.original_name,
                                  "training" if model.training else "eval"))
print(model.code)
torch.manual_seed(0)
probabilities = model(torch.rand(1, 3, 32, 32))[0]
top = torch.topk(probabilities, 3)
print("top classes for a random image:",
      ", ".join("%d (%.3f)" % (i, p) for p, i in zip(top.values.tolist(), top.indices.tolist())))
