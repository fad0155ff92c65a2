"""The benchmark models: a small MLP, a large MLP with about 1 GB of
float32 weights and a BERT-small-sized transformer encoder. (The
resnet18-sized CNN is torchvision's resnet18.)"""

import torch
from torch import nn


class SmallMLP(nn.Module):
    def __init__(self, inputs: int = 784, hidden: int = 256, classes: int = 10):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(),
                                    nn.Linear(hidden, hidden), nn.ReLU(),
                                    nn.Linear(hidden, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class LargeMLP(nn.Module):
    """depth x (width x width) float32 weights: 4 x 8192^2 x 4 B = 1.07 GB."""

    def __init__(self, width: int = 8192, depth: int = 4):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(width, width) for _ in range(depth)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = torch.relu(layer(x))
        return x


class SmallTransformerEncoder(nn.Module):
    """A BERT-small-sized encoder (4 layers, width 512, 8 heads, feed-forward
    2048; no embeddings, so its input is a float batch x tokens x 512)."""

    def __init__(self, width: int = 512, heads: int = 8, layers: int = 4,
                 feed_forward: int = 2048):
        super().__init__()
        layer = nn.TransformerEncoderLayer(width, heads, feed_forward, dropout=0.0,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)
