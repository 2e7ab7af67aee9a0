"""Semirings behind one protocol, and the name-keyed registry the CLI and API use.

May import: the kernel only, and torch lazily (a cold `nesy query` loads semirings without it);
every semantics-specific decision lives here.
"""

from __future__ import annotations

from nesy.errors import InferenceError
from nesy.semiring.answer_sets import AnswerSets
from nesy.semiring.base import Semiring
from nesy.semiring.boolean import Boolean
from nesy.semiring.fuzzy import FuzzyGodel, FuzzyLukasiewicz, FuzzyProduct, Possibilistic
from nesy.semiring.max_product import MaxProduct
from nesy.semiring.mpe_maxsat import MpeMaxSat
from nesy.semiring.mpe_smt import MpeSmt
from nesy.semiring.probability import Probability
from nesy.semiring.sample import WorldSampling
from nesy.semiring.topk import TopKProofs

REGISTRY: dict[str, type[Semiring]] = {
    cls.name: cls
    for cls in (Probability, TopKProofs, FuzzyProduct, FuzzyGodel, FuzzyLukasiewicz,
                Possibilistic, MaxProduct, Boolean, MpeMaxSat, AnswerSets,
                MpeSmt, WorldSampling)
}


def get_semiring(name: str | Semiring, k: int = 3) -> Semiring:
    """The semiring registered under `name` (`topk` takes `k` proofs, `sample` `k` worlds)."""
    if isinstance(name, Semiring):
        return name
    cls = REGISTRY.get(name)
    if cls is None:
        raise InferenceError(f"unknown semantics '{name}'; choose one of: {', '.join(REGISTRY)}")
    if cls is TopKProofs:
        return cls(k=k)
    return cls(samples=k) if cls is WorldSampling else cls()


__all__ = ["REGISTRY", "Semiring", "get_semiring", "Probability", "TopKProofs", "FuzzyProduct",
           "FuzzyGodel", "FuzzyLukasiewicz", "Possibilistic", "MaxProduct", "Boolean",
           "MpeMaxSat", "AnswerSets", "MpeSmt", "WorldSampling"]
