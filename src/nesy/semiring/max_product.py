"""Most probable explanation: max-product over a smoothed compiled circuit.

Gradient: the max-product subgradient. `amax`/`maximum` pass the gradient to the maximising
child (split evenly between ties), so d value / d weight is the product of the other weights
of the best world for the weights in it and zero for every other weight; the forward value is
exactly the best world's weight (no relaxation, no straight-through estimate).
"""

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
    symbolic_integers = True

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
