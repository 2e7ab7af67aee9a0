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


class ConvReader(nn.Module):
    """A digit reader for 28x28 images: a convolutional `encoder` whose output flattens into a
    `classifier` ending in a softmax. Accepts [..., 784] or [..., 1, 28, 28]; returns
    [..., out_features]."""

    def __init__(self, encoder: nn.Module, classifier: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] == 784:
            lead = x.shape[:-1]
        elif x.shape[-3:] == (1, 28, 28):
            lead = x.shape[:-3]
        else:
            raise NeuralError(f"{type(self).__name__} expects [..., 784] or [..., 1, 28, 28], "
                              f"got {tuple(x.shape)}")
        h = self.encoder(x.reshape(-1, 1, 28, 28))
        out = self.classifier(h.flatten(1))
        return out.reshape(*lead, out.shape[-1])


class MnistNet(ConvReader):
    """LeNet-style conv net for 28x28 images (DeepProbLog's MNIST_Net) with a softmax output."""

    def __init__(self, out_features: int = 10):
        super().__init__(
            nn.Sequential(nn.Conv2d(1, 6, 5), nn.MaxPool2d(2, 2), nn.ReLU(),
                          nn.Conv2d(6, 16, 5), nn.MaxPool2d(2, 2), nn.ReLU()),
            nn.Sequential(nn.Linear(16 * 4 * 4, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, out_features), nn.Softmax(dim=-1)))


class WideNet(ConvReader):
    """MnistNet's shape with more channels (16, 32) and dropout: better digits from the 5k
    MNIST training images available here, at about twice the cost."""

    def __init__(self, out_features: int = 10, dropout: float = 0.3):
        super().__init__(
            nn.Sequential(nn.Conv2d(1, 16, 5), nn.MaxPool2d(2), nn.ReLU(),
                          nn.Conv2d(16, 32, 5), nn.MaxPool2d(2), nn.ReLU()),
            nn.Sequential(nn.Dropout(dropout), nn.Linear(32 * 4 * 4, 128), nn.ReLU(),
                          nn.Dropout(dropout), nn.Linear(128, out_features),
                          nn.Softmax(dim=-1)))


class BatchNormNet(ConvReader):
    """Two 5x5 convolutions (32, 64 channels) each with batch norm, then a 128-unit layer with
    dropout: about four times WideNet's cost."""

    def __init__(self, out_features: int = 10, dropout: float = 0.3):
        super().__init__(
            nn.Sequential(nn.Conv2d(1, 32, 5, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
                          nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 5, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                          nn.MaxPool2d(2)),
            nn.Sequential(nn.Dropout(dropout), nn.Linear(64 * 4 * 4, 128), nn.ReLU(),
                          nn.Dropout(dropout), nn.Linear(128, out_features),
                          nn.Softmax(dim=-1)))
