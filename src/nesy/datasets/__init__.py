"""Offline datasets: sklearn digits, local MNIST files, and the multi-digit addition task.

May import: the kernel (and torch, numpy, scikit-learn); no pipeline stage.
"""

from nesy.datasets.digit_addition import (
    AdditionSplit,
    DigitAddition,
    add_digits,
    digit_addition,
    digits_to_int,
)
from nesy.datasets.digits import load_digits
from nesy.datasets.mnist import load_mnist, load_mnist_csv, read_idx

__all__ = [
    "AdditionSplit",
    "DigitAddition",
    "add_digits",
    "digit_addition",
    "digits_to_int",
    "load_digits",
    "load_mnist",
    "load_mnist_csv",
    "read_idx",
]
