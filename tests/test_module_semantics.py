"""`nesy.Module` and `nesy.query` answer alike under every semantics.

The Module builds and evaluates its own plan per query shape; `nesy.query` has fixed
probabilities. Generated programs with a neural predicate (fixed network outputs) are asked
through the Module, and the same programs with the network written as an annotated disjunction
over the same numbers through `nesy.query`: every registered semantics must give the same
value; only where `nesy.query` refuses (top-k over a negated derived atom) may the Module, and
then it must. This caught the Module's `mpe` evaluating an unsmoothed circuit (0.9 where the
most probable world has 0.54), and its top-k, once a different definition, refusing most
programs.
"""

from __future__ import annotations

import random

import pytest
import torch
from neural_programs import Fixed

import nesy
from nesy.errors import NesyError
from nesy.semiring import REGISTRY

# the semantics compile_query plans (a solver's semantics is planned by nesy.solvers.solver_plan
# instead; its Module is checked against the exact and mpe Modules in tests/test_solvers_module.py)
PLANNED = sorted(name for name, cls in REGISTRY.items() if not cls.solver)

# a sampling semantics estimates: both sides are checked against the exact answer with enough
# worlds that 0.05 is over 6 standard deviations (sd <= 0.5 / sqrt(4000) = 0.0079)
SAMPLED_WORLDS, SAMPLED_TOLERANCE = 4000, 0.05

DOMAIN = [0, 1, 2]

BODIES = [
    "d(X, 1)",
    "d(X, A), d(Y, A)",
    "d(X, 0), \\+ d(Y, 2)",
    "b",
    "b, d(Y, 2)",
    "\\+ b, d(X, 2)",
    "c(X)",
    "u(1), d(Y, 0)",
    "u(2)",
    "d(X, A), A > 0, \\+ c(Y)",
]

SUPPORT = """
0.6::b.
0.3::u(1); 0.5::u(2).
c(X) :- d(X, 2), b.
0.7::c(X) :- d(X, 0).
"""


def _program(rng: random.Random) -> str:
    bodies = rng.sample(BODIES, rng.randint(1, 4))
    return SUPPORT + "".join(f"q(X, Y) :- {b}.\n" for b in bodies)


@pytest.mark.parametrize("seed", range(12))
def test_every_semantics_agrees_between_module_and_query(seed):
    rng = random.Random(seed)
    rules = _program(rng)
    rows = []
    for _ in range(2):
        weights = [rng.random() + 0.05 for _ in DOMAIN]
        rows.append([w / sum(weights) for w in weights])
    neural = f"nn(net, [X], Y, {DOMAIN}) :: d(X, Y).\n"
    plain = rules + "".join(
        "; ".join(f"{p!r}::d({name}, {v})" for v, p in zip(DOMAIN, row, strict=True)) + ".\n"
        for name, row in zip(("a", "e"), rows, strict=True))
    for query, atom in (("q(X, Y)", "q(a,e)"), ("d(X, 1)", "d(a,1)")):
        _agree(neural + rules, plain + f"query({atom}).\n", query, atom, rows, k=1 + seed % 3)


def _agree(neural: str, plain: str, query: str, atom: str, rows, k: int) -> None:
    inputs = {name: torch.tensor([[row]]) for row, name in enumerate("XY") if name in query}
    net = Fixed(torch.tensor(rows, dtype=torch.float64))
    compared, refused = [], []
    exact = nesy.query(nesy.parse(plain), "exact").probabilities.get(atom, 0.0)
    for semantics in PLANNED:
        if REGISTRY[semantics].samples_worlds:
            _agree_in_expectation(neural, plain, query, atom, inputs, net, semantics, exact)
            compared.append(semantics)
            continue
        try:
            result = nesy.query(nesy.parse(plain), semantics, k=k)
        except NesyError:
            # refused by nesy.query (topk over a negated derived atom): the Module refuses too
            with pytest.raises(NesyError):
                model = nesy.Module(neural, {"net": net}, query, semantics=semantics, k=k)
                model.probability(inputs, {})
            refused.append(semantics)
            continue
        expected = result.probabilities.get(atom, 0.0)
        model = nesy.Module(neural, {"net": net}, query, semantics=semantics, k=k)
        with torch.no_grad():
            got = float(model.probability(inputs, {})[0])
        assert got == pytest.approx(float(expected), abs=1e-9), (semantics, query, plain)
        compared.append(semantics)
    assert set(compared) >= set(PLANNED) - {"topk"}, compared
    assert set(compared) | set(refused) == set(PLANNED), (compared, refused)


def _agree_in_expectation(neural, plain, query, atom, inputs, net, semantics, exact) -> None:
    estimate = nesy.query(nesy.parse(plain), semantics, k=SAMPLED_WORLDS)
    assert estimate.probabilities.get(atom, 0.0) == pytest.approx(exact, abs=SAMPLED_TOLERANCE)
    model = nesy.Module(neural, {"net": net}, query, semantics=semantics, k=SAMPLED_WORLDS)
    with torch.no_grad():
        got = float(model.probability(inputs, {})[0])
    assert got == pytest.approx(exact, abs=SAMPLED_TOLERANCE), (semantics, query, plain)
