"""scikit-learn's bundled 8x8 digits (UCI optdigits): available offline, no download."""

from __future__ import annotations

import torch


def load_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """All 1797 digits as float32 images [1797, 64] in [0, 1] (pixel / 16) and int64 labels."""
    from sklearn.datasets import load_digits as sklearn_load_digits

    bunch = sklearn_load_digits()
    images = torch.as_tensor(bunch.data, dtype=torch.float32) / 16.0
    labels = torch.as_tensor(bunch.target, dtype=torch.int64)
    return images.contiguous(), labels.contiguous()
