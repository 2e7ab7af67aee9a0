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

    def add_all(self, x):
        """The probabilistic sum of the last dimension as sum_i x_i prod_{j<i} (1 - x_j), a sum of
        non-negative terms: 1 - prod(1 - x) is the same number but cancels to 0 (or a multiple
        of the float epsilon) where the x are small (carry addition at N=15: 1e-20 became 0)."""
        import torch  # add_all only ever reduces tensors

        kept = (1.0 - x).cumprod(dim=-1)
        before = torch.cat([torch.ones_like(kept[..., :1]), kept[..., :-1]], dim=-1)
        return (x * before).sum(dim=-1)

    def mul_all(self, x):
        return x.prod(dim=-1)

    def negate(self, a):
        return 1.0 - a


@dataclass(frozen=True)
class FuzzyGodel(Semiring):
    """Gödel (min–max) t-norm."""

    name = "fuzzy-godel"
    #: max-min over digit sums is the ground program's value (max idempotent, min distributes)
    symbolic_integers = True

    def add(self, a, b):
        return maximum(a, b)

    def mul(self, a, b):
        return minimum(a, b)

    def add_all(self, x):
        return x.amax(dim=-1)

    def mul_all(self, x):
        return x.amin(dim=-1)

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

    def add_all(self, x):
        return x.sum(dim=-1).clamp(max=1.0)

    def mul_all(self, x):
        # max(0, x1 + ... + xn - (n - 1)): the pairwise fold's value on values in [0, 1]
        return (x.sum(dim=-1) - (x.shape[-1] - 1)).clamp(min=0.0)

    def negate(self, a):
        return 1.0 - a


@dataclass(frozen=True)
class Possibilistic(FuzzyGodel):
    """Possibilistic logic: a derivation is as possible as its weakest fact, an atom as its most
    possible derivation (max–min, the Gödel operations under another reading)."""

    name = "possibilistic"
