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

    def negate(self, a):
        return 1.0 - a
