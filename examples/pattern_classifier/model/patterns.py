"""A tiny CNN that tells 8x8 images of horizontal stripes, vertical stripes
and checkerboards apart. Trained by make_weights.py; converted by pt2ts at
build time (see CMakeLists.txt)."""

import torch
from torch import nn

from layers import ConvBlock

CLASSES = ("horizontal stripes", "vertical stripes", "checkerboard")


class PatternNet(nn.Module):
    def __init__(self, channels: int = 8, num_classes: int = len(CLASSES)):
        super().__init__()
        self.features = nn.Sequential(ConvBlock(1, channels), ConvBlock(channels, channels))
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """images: N x 1 x 8 x 8 in [0, 1]; returns N x classes probabilities."""
        pooled = self.features(images).mean(dim=(2, 3))
        return self.classifier(pooled).softmax(dim=1)


def make_pattern(kind: int, phase: int = 0) -> torch.Tensor:
    """One clean 8x8 image of a class (used for training and by the tests)."""
    rows = torch.arange(8).unsqueeze(1).expand(8, 8)
    cols = torch.arange(8).unsqueeze(0).expand(8, 8)
    if kind == 0:
        image = (rows + phase) % 2
    elif kind == 1:
        image = (cols + phase) % 2
    else:
        image = (rows + cols + phase) % 2
    return image.float().unsqueeze(0)
