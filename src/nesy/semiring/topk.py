"""Top-k proofs: keep the k most probable proofs of each atom, then count models over them.

A proof is a consistent set of choice literals; `add` merges proof lists keeping the k best,
`mul` joins proofs pairwise. Values are symbolic, so this semiring runs on the ground program
and hands the selected proofs to exact weighted model counting.
"""

from __future__ import annotations

from dataclasses import dataclass

from nesy.semiring.base import Semiring


@dataclass(frozen=True)
class TopKProofs(Semiring):
    k: int = 3
    name = "topk"
    supports_evidence = True
    selects_proofs = True

    def __post_init__(self):
        if self.k < 1:
            from nesy.errors import InferenceError

            raise InferenceError(f"top-k needs k >= 1, got {self.k}")
