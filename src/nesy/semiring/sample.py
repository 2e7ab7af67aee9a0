"""Sampling semantics: P(query) estimated from k possible worlds sampled per example.

Not an algebra over proofs: the plan reads `samples_worlds`, samples k worlds from the choices'
probabilities (one categorical per annotated disjunction or network output, one Bernoulli per
probabilistic fact), evaluates the query's truth in each world under the boolean semiring
(`circuit/sample.py`) and averages. The answers are Monte-Carlo estimates, with a gradient from
a leave-one-out score-function estimator. Integers over network outputs are never kept
symbolic (`exact_integers` stays False): a sampled world has plain integers.
"""

from __future__ import annotations

from dataclasses import dataclass

from nesy.errors import InferenceError
from nesy.semiring.boolean import Boolean


@dataclass(frozen=True)
class WorldSampling(Boolean):
    """`samples` worlds per example; `seed` seeds each plan's own generator (so a query is
    reproducible and a Module's batches draw fresh worlds from one stream). Its algebra is the
    boolean semiring's: the one each sampled world is evaluated under."""

    samples: int = 100
    seed: int = 0
    name = "sample"
    needs_circuit = False  # a world's truth is read off the ground program's derivations
    supports_evidence = False
    samples_worlds = True

    def __post_init__(self):
        if self.samples < 1:
            raise InferenceError(f"the sample semantics needs samples >= 1, got {self.samples}")
