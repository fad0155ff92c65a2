"""Trains PatternNet for a few seconds and writes pattern_checkpoint.pt, a
training checkpoint like real ones (epoch, accuracy, optimizer state, and the
model under 'model_state_dict'). Run with the Python that has torch:
    /usr/bin/python3 make_weights.py
The committed checkpoint was made this way; the seed makes it repeatable."""

import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "model"))
from patterns import CLASSES, PatternNet, make_pattern  # noqa: E402


def batch(size, generator):
    kinds = torch.randint(len(CLASSES), (size,), generator=generator)
    phases = torch.randint(2, (size,), generator=generator)
    images = torch.stack([make_pattern(int(k), int(p)) for k, p in zip(kinds, phases)])
    noise = 0.3 * torch.rand(images.shape, generator=generator)
    return (images * 0.7 + noise), kinds


def main():
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = PatternNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for step in range(300):
        images, labels = batch(32, generator)
        loss = torch.nn.functional.nll_loss(model(images).log(), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    images, labels = batch(300, generator)
    accuracy = (model(images).argmax(dim=1) == labels).float().mean().item()
    print("accuracy on fresh noisy patterns: %.3f (loss %.4f)" % (accuracy, loss.item()))
    torch.save({"epoch": 300, "accuracy": accuracy, "loss": loss.item(),
                "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict()},
               os.path.join(os.path.dirname(os.path.abspath(__file__)), "pattern_checkpoint.pt"))


if __name__ == "__main__":
    main()
