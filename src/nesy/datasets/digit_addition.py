"""Multi-digit addition: pairs of N-digit numbers written with digit images, labelled by sum."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from nesy.datasets.digits import load_digits
from nesy.datasets.mnist import load_mnist
from nesy.errors import NesyError

DIGITS_TRAIN_POOL = (0, 1200)
DIGITS_TEST_POOL = (1200, 1797)
MAX_INT64_DIGITS = 18  # the largest N whose sums (< 2 * 10**N) still fit in int64


@dataclass(frozen=True, eq=False)
class AdditionSplit:
    """One split of M examples a + b = sum; numbers are N digits, most significant digit first.

    `indices[m, 0, i]` / `indices[m, 1, i]` are the image indices (into the source image set) of
    digit i of a / b. `a_value`, `b_value` and `sums` are int64 for N <= 18 and None above, where
    `sum_digits` [M, N+1] and the Python ints `sums_int` carry the exact sums.
    """

    indices: torch.Tensor
    a_images: torch.Tensor
    b_images: torch.Tensor
    a_digits: torch.Tensor
    b_digits: torch.Tensor
    sum_digits: torch.Tensor
    sums_int: list[int]
    a_value: torch.Tensor | None
    b_value: torch.Tensor | None
    sums: torch.Tensor | None

    def __len__(self) -> int:
        return int(self.a_digits.shape[0])

    @property
    def n_digits(self) -> int:
        """N, the number of digits of each operand."""
        return int(self.a_digits.shape[1])

    def tensors(self) -> dict[str, torch.Tensor]:
        """The per-example tensors (shared first dimension M), ready for `nesy.train.fit`."""
        names = ("a_images", "b_images", "a_digits", "b_digits", "sum_digits")
        out = {name: getattr(self, name) for name in names}
        if self.sums is not None:
            out["sums"] = self.sums
        return out


@dataclass(frozen=True, eq=False)
class DigitAddition:
    """The train and test splits of an N-digit addition task."""

    n_digits: int
    dataset: str
    train: AdditionSplit
    test: AdditionSplit


def digits_to_int(digits: torch.Tensor | np.ndarray) -> list[int]:
    """Exact Python ints of rows of digits [M, K], most significant first (no int64 overflow)."""
    array = np.asarray(digits, dtype=np.int64)
    acc = np.zeros(array.shape[0], dtype=object)
    for k in range(array.shape[1]):
        acc = acc * 10 + array[:, k].astype(object)
    return [int(v) for v in acc]


def add_digits(a_digits: torch.Tensor, b_digits: torch.Tensor) -> torch.Tensor:
    """Digits [M, N+1] of a + b for digits [M, N], most significant first, by long addition."""
    a, b = a_digits.to(torch.int64), b_digits.to(torch.int64)
    m, n = a.shape
    out = torch.zeros((m, n + 1), dtype=torch.int64)
    carry = torch.zeros(m, dtype=torch.int64)
    for k in range(n - 1, -1, -1):
        s = a[:, k] + b[:, k] + carry
        out[:, k + 1] = s % 10
        carry = s // 10
    out[:, 0] = carry
    return out


def _value(digits: torch.Tensor) -> torch.Tensor:
    """int64 values of digit rows (caller guarantees they fit)."""
    value = torch.zeros(digits.shape[0], dtype=torch.int64)
    for k in range(digits.shape[1]):
        value = value * 10 + digits[:, k]
    return value


def _make_split(
    images: torch.Tensor,
    labels: torch.Tensor,
    pool: tuple[int, int],
    n_digits: int,
    m: int,
    seed: int,
) -> AdditionSplit:
    """Draw M examples from images[pool[0]:pool[1]] with RandomState(seed), per the protocol."""
    lo, hi = pool
    rs = np.random.RandomState(seed)
    drawn = rs.randint(0, hi - lo, size=(m, 2, n_digits))
    indices = torch.from_numpy(drawn.astype(np.int64)) + lo
    digits = labels[indices]
    a_digits, b_digits = digits[:, 0, :].contiguous(), digits[:, 1, :].contiguous()
    sum_digits = add_digits(a_digits, b_digits)
    small = n_digits <= MAX_INT64_DIGITS
    a_value = _value(a_digits) if small else None
    b_value = _value(b_digits) if small else None
    return AdditionSplit(
        indices=indices,
        a_images=images[indices[:, 0, :]],
        b_images=images[indices[:, 1, :]],
        a_digits=a_digits,
        b_digits=b_digits,
        sum_digits=sum_digits,
        sums_int=digits_to_int(sum_digits),
        a_value=a_value,
        b_value=b_value,
        sums=a_value + b_value if small else None,
    )


def digit_addition(
    n_digits: int,
    *,
    dataset: str = "digits",
    data_dir: str | Path | None = None,
    n_train: int = 3000,
    n_test: int = 1000,
    train_seed: int = 0,
    test_seed: int = 1000,
) -> DigitAddition:
    """Build the N-digit addition task; train and test draw from disjoint image pools.

    `digits`: sklearn images 0-1199 train, 1200-1796 test. `mnist` (needs data_dir): the train
    images available (IDX or the 5k CSV) train, t10k test; indices then point into each split.
    """
    if isinstance(n_digits, bool) or not isinstance(n_digits, int) or n_digits < 1:
        raise NesyError(f"n_digits must be a positive integer, got {n_digits!r}")
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise NesyError(f"{name} must be a non-negative integer, got {value!r}")
    if dataset == "digits":
        images, labels = load_digits()
        train = _make_split(images, labels, DIGITS_TRAIN_POOL, n_digits, n_train, train_seed)
        test = _make_split(images, labels, DIGITS_TEST_POOL, n_digits, n_test, test_seed)
    elif dataset == "mnist":
        if data_dir is None:
            raise NesyError(
                "dataset='mnist' needs data_dir",
                hint="pass the folder holding t10k-images-idx3-ubyte.gz and the training data",
            )
        train_images, train_labels = load_mnist(data_dir, "train")
        test_images, test_labels = load_mnist(data_dir, "test")
        train_pool, test_pool = (0, len(train_labels)), (0, len(test_labels))
        train = _make_split(train_images, train_labels, train_pool, n_digits, n_train, train_seed)
        test = _make_split(test_images, test_labels, test_pool, n_digits, n_test, test_seed)
    else:
        raise NesyError(f"unknown dataset {dataset!r}; expected 'digits' or 'mnist'")
    return DigitAddition(n_digits=n_digits, dataset=dataset, train=train, test=test)
