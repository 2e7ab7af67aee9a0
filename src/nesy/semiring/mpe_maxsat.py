"""Most probable explanation by MaxSAT: the `mpe` semantics' answers, solved instead of compiled."""

from __future__ import annotations

from dataclasses import dataclass

from nesy.semiring.max_product import MaxProduct


@dataclass(frozen=True)
class MpeMaxSat(MaxProduct):
    """The same numbers as `mpe` (max-product): the probability of the most probable world
    where the query and the evidence hold, found by a MaxSAT solver (`nesy.solvers.maxsat`,
    the `solvers` extra) on the ground program, for programs too large to compile."""

    name = "mpe-maxsat"
    solver = "maxsat"
