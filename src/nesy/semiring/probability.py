"""Exact probability: sum-product over a compiled circuit (weighted model counting)."""

from __future__ import annotations

from dataclasses import dataclass

from nesy.semiring.base import Semiring


@dataclass(frozen=True)
class Probability(Semiring):
    name = "exact"
    needs_circuit = True
    supports_evidence = True
    normalize = True
    exact_integers = True

    def add(self, a, b):
        return a + b

    def mul(self, a, b):
        return a * b

    def negate(self, a):
        return 1.0 - a
