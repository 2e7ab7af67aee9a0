"""Most probable explanation: max-product over a smoothed compiled circuit."""

from __future__ import annotations

from dataclasses import dataclass

from nesy.semiring.base import Semiring
from nesy.semiring.values import maximum


@dataclass(frozen=True)
class MaxProduct(Semiring):
    name = "mpe"
    needs_circuit = True
    supports_evidence = True
    needs_smoothing = True

    def add(self, a, b):
        return maximum(a, b)

    def mul(self, a, b):
        return a * b

    def add_all(self, x):
        return x.amax(dim=-1)

    def mul_all(self, x):
        return x.prod(dim=-1)

    def negate(self, a):
        return 1.0 - a
