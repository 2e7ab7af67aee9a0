"""Reference networks for digit classification; each returns a softmax over the last dimension."""

from __future__ import annotations

import torch
from torch import nn

from nesy.errors import NeuralError


class MLP(nn.Sequential):
    """Linear-ReLU-Linear-Softmax: MLP(64, 128, 10) classifies 8x8 sklearn digits."""

    def __init__(self, in_features: int = 64, hidden: int = 128, out_features: int = 10):
        super().__init__(
            nn.Linear(in_features, hidden),
            nn.ReLU(),
            nn.Linear(hidden, out_features),
            nn.Softmax(dim=-1),
        )


class MnistNet(nn.Module):
    """LeNet-style conv net for 28x28 images (DeepProbLog's MNIST_Net) with a softmax output.

    Accepts [..., 784] or [..., 1, 28, 28]; returns [..., out_features].
    """

    def __init__(self, out_features: int = 10):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.MaxPool2d(2, 2),
            nn.ReLU(),
            nn.Conv2d(6, 16, 5),
            nn.MaxPool2d(2, 2),
            nn.ReLU(),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 4 * 4, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, out_features),
            nn.Softmax(dim=-1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] == 784:
            lead = x.shape[:-1]
        elif x.shape[-3:] == (1, 28, 28):
            lead = x.shape[:-3]
        else:
            raise NeuralError(
                f"MnistNet expects [..., 784] or [..., 1, 28, 28], got {tuple(x.shape)}"
            )
        h = self.encoder(x.reshape(-1, 1, 28, 28))
        out = self.classifier(h.flatten(1))
        return out.reshape(*lead, out.shape[-1])
