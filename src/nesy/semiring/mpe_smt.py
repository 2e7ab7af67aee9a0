"""Most probable explanation under integer arithmetic, by an SMT solver."""

from __future__ import annotations

from dataclasses import dataclass

from nesy.semiring.max_product import MaxProduct


@dataclass(frozen=True)
class MpeSmt(MaxProduct):
    """The `mpe` number for programs whose annotated disjunctions are random integers
    (`0.1::digit(a, 0); ...`) constrained by linear arithmetic: z3 (`nesy.solvers.smt`, the
    `solvers` extra) finds the most probable assignment where the query holds, without
    grounding every combination of values."""

    name = "mpe-smt"
    solver = "smt"
