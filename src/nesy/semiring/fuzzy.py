"""Fuzzy t-norm semantics (product, Gödel, Łukasiewicz) and possibilistic max–min."""

from __future__ import annotations

from dataclasses import dataclass

from nesy.semiring.base import Semiring
from nesy.semiring.values import clamp, maximum, minimum


@dataclass(frozen=True)
class FuzzyProduct(Semiring):
    """Product t-norm; the probabilistic sum a + b - ab as its t-conorm."""

    name = "fuzzy-product"

    def add(self, a, b):
        return a + b - a * b

    def mul(self, a, b):
        return a * b

    def negate(self, a):
        return 1.0 - a


@dataclass(frozen=True)
class FuzzyGodel(Semiring):
    """Gödel (min–max) t-norm."""

    name = "fuzzy-godel"

    def add(self, a, b):
        return maximum(a, b)

    def mul(self, a, b):
        return minimum(a, b)

    def negate(self, a):
        return 1.0 - a


@dataclass(frozen=True)
class FuzzyLukasiewicz(Semiring):
    """Łukasiewicz t-norm max(0, a + b - 1) and t-conorm min(1, a + b)."""

    name = "fuzzy-lukasiewicz"

    def add(self, a, b):
        return clamp(a + b, high=1.0)

    def mul(self, a, b):
        return clamp(a + b - 1.0, low=0.0)

    def negate(self, a):
        return 1.0 - a


@dataclass(frozen=True)
class Possibilistic(FuzzyGodel):
    """Possibilistic logic: a derivation is as possible as its weakest fact, an atom as its most
    possible derivation (max–min, the Gödel operations under another reading)."""

    name = "possibilistic"
