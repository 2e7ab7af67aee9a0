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
    symbolic_integers = True

    def add(self, a, b):
        return a + b

    def mul(self, a, b):
        return a * b

    def add_all(self, x):
        return x.sum(dim=-1)

    def mul_all(self, x):
        return x.prod(dim=-1)

    def negate(self, a):
        return 1.0 - a
