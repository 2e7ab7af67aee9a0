"""NeurASP's semantics: probabilities of the stable models of an answer-set program."""

from __future__ import annotations

from dataclasses import dataclass

from nesy.semiring.probability import Probability


@dataclass(frozen=True)
class AnswerSets(Probability):
    """A query's probability is that of the stable models where it holds (each model gets its
    total choice's probability over the number of that choice's models), conditioned on the
    evidence; integrity constraints (`inconsistent :- Body.`) and choice rules
    (`choose([A, B]) :- Body.`) as NeurASP writes them; solved by clingo (`nesy.solvers.asp`,
    the `solvers` extra). On a stratified program without them it is exact probability."""

    name = "asp"
    solver = "asp"
