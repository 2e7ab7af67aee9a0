"""Boolean semantics: is the query true in some possible world (facts with p > 0 may hold,
facts with p < 1 may fail)? Satisfiability on the compiled circuit, so negation is exact."""

from __future__ import annotations

from dataclasses import dataclass

from nesy.semiring.base import Semiring
from nesy.semiring.values import indicator, maximum, minimum


@dataclass(frozen=True)
class Boolean(Semiring):
    name = "boolean"
    needs_circuit = True
    supports_evidence = True

    def add(self, a, b):
        return maximum(a, b)

    def mul(self, a, b):
        return minimum(a, b)

    def negate(self, a):
        return 1.0 - a

    def from_probability(self, p):
        return indicator(p > 0, p)
