"""One example's top-k (`nesy.query(..., "topk")`) past `EXACT_RANKING_PROOFS` proofs per atom:
the k best proofs ranked among all proofs, as a batch selects them, whether or not the pruning
search (k per atom as it goes) applies.

The pruning search is used only where it is exact (`circuit.proof_search_exact`, the batch's
DAG search's condition); elsewhere every proof is ranked up to `Limits.max_proofs`, and past it
a LimitError names that limit. References: a closed form of the k best proofs' probability,
and the batch (`nesy.Module`, or the plan on a batch), which ranks every proof or searches
only where the search is exact.
"""

from __future__ import annotations

import math
import random

import pytest
import torch

import nesy
from nesy.circuit import topk as topk_proofs
from nesy.compile.direct import DirectEvaluator
from nesy.errors import LimitError
from nesy.limits import Limits
from nesy.query import EXACT_RANKING_PROOFS, MappedLeaves, compile_query, fixed_probabilities
from nesy.semiring.topk import AllProofOps, TopKProofs

# r's proofs are {c(1), x(i), z}: p's best proofs take c(1), q's best take c(2) (they
# conflict), so a search keeping q's k best finds no proof of r at all; 1,100 proofs of p
# put it past the ranking of every proof at EXACT_RANKING_PROOFS
N = 1_100
XS = [0.5 + 0.4 * i / N for i in range(N)]
CONFLICT = ("0.5::c(1); 0.3::c(2); 0.2::c(3).\n"
            + "".join(f"{p!r}::x({i}).\n" for i, p in enumerate(XS))
            + "0.9::y(1). 0.8::y(2). 0.7::y(3). 0.1::z.\n"
            "p :- c(1), x(I).\nq :- c(2), y(J).\nq :- c(1), z.\nr :- p, q.\n")


def _conflict_reference(k: int) -> float:
    """P(c(1)) P(z) P(x(i) for one of the k most probable x)."""
    return 0.5 * 0.1 * (1.0 - math.prod(1.0 - p for p in sorted(XS, reverse=True)[:k]))


def _plan(source: str, k: int, limits: Limits | None = None):
    program = nesy.parse(source)
    return program, compile_query(program, None, TopKProofs(k), limits)


def _past_ranking(plan) -> bool:
    """Whether some answer has more proofs than one example ranks without `max_proofs`."""
    ops = AllProofOps(plan.ground, EXACT_RANKING_PROOFS)
    evaluator = DirectEvaluator(plan.simplified, ops, ops.leaf)
    try:
        for root in plan.roots:
            evaluator.literal(root)
    except LimitError:
        return True
    return False


@pytest.mark.parametrize("k", [1, 3])
def test_conflicting_parts_past_the_ranking_limit_give_the_k_best(k):
    program, plan = _plan(CONFLICT + "query(r).\n", k)
    assert _past_ranking(plan)
    got = nesy.query(CONFLICT + "query(r).\n", "topk", k=k)["r"]
    assert got == pytest.approx(_conflict_reference(k), rel=1e-12)
    # the pruning search is not exact here (an AND whose parts share a group): every proof
    # was ranked instead
    plan.evaluate(MappedLeaves(fixed_probabilities(plan.ground, program)))
    assert plan.how.searchable is False
    module = nesy.Module(CONFLICT, {}, "r", semantics="topk", k=k)
    assert float(module.probability({}, {})[0]) == pytest.approx(got, rel=1e-6)  # float32


def test_past_max_proofs_where_the_search_is_not_exact_is_a_limit_error():
    for most in (500, 1_050):  # below EXACT_RANKING_PROOFS, and between it and N
        with pytest.raises(LimitError, match="top-k ranks every proof") as raised:
            nesy.query(CONFLICT + "query(r).\n", "topk", k=2, limits=Limits(max_proofs=most))
        assert raised.value.limit_name == "max_proofs"
        assert "max_proofs" in raised.value.hint and "another semantics" in raised.value.hint
    got = nesy.query(CONFLICT + "query(r).\n", "topk", k=2, limits=Limits(max_proofs=N + 10))
    assert got["r"] == pytest.approx(_conflict_reference(2), rel=1e-12)


def test_the_exact_search_needs_no_max_proofs():
    """r's parts are apart (no literal, no group shared): the pruning search is exact and
    answers however many proofs there are."""
    source = CONFLICT.replace("r :- p, q.", "r :- p, y(J).") + "query(r).\n"
    program, plan = _plan(source, 2, Limits(max_proofs=200))
    got = plan.evaluate(MappedLeaves(fixed_probabilities(plan.ground, program)))[0]
    assert plan.how.searchable is True
    best_x = sorted(XS, reverse=True)[:2]
    # the two best proofs: c(1), y(1) with the two best x
    expected = 0.5 * 0.9 * (1.0 - (1.0 - best_x[0]) * (1.0 - best_x[1]))
    assert got == pytest.approx(expected, rel=1e-12)


# ----------------------------------------------------------------------------- generated

DOMAIN = [1, 2, 3]
#: r(X)'s rules; some join parts that share a group of choices (c) or a literal (y)
RULES = {
    "apart": "r(X) :- c(X, 1), x(I), y(J).\n",
    "negated": "r(X) :- \\+ c(X, 1), x(I), w.\n",
    "conflict": "r(X) :- p(X), q(X).\n",
    "shared": "r(X) :- y(J), q(X).\n",
    "cases": "r(X) :- c(X, V), x(I), V > 1.\n",
}
#: p's proofs take c(1), q's best ones mostly c(2) (z is improbable): r :- p, q conflicts
PARTS = "p(X) :- c(X, 1), x(I), v(J).\nq(X) :- c(X, 2), y(J).\nq(X) :- c(X, 1), z.\n"


def _generated(rng: random.Random) -> tuple[str, list[str]]:
    """Facts x (40), y and v (30 each): p(X), and r(X) under some of its rules, have over
    1,000 proofs."""
    names = rng.sample(sorted(RULES), rng.randint(1, 3))
    facts = "".join(f"{rng.uniform(0.05, 0.95)!r}::x({i}).\n" for i in range(40))
    facts += "".join(f"{rng.uniform(0.05, 0.95)!r}::{name}({j}).\n"
                     for name in "yv" for j in range(30))
    facts += f"{rng.uniform(0.01, 0.2)!r}::z.\n{rng.uniform(0.05, 0.95)!r}::w.\n"
    return facts + PARTS + "".join(RULES[name] for name in names), names


def _row(rng: random.Random) -> list[float]:
    weights = [rng.random() + 0.05 for _ in DOMAIN]
    return [w / sum(weights) for w in weights]


def _plain(rules: str, row: list[float]) -> str:
    return rules + "; ".join(f"{p!r}::c(a, {v})" for v, p in zip(DOMAIN, row, strict=True)) \
        + ".\nquery(r(a)).\n"


class Identity(torch.nn.Module):
    def forward(self, x):
        return x


@pytest.mark.parametrize("seed", range(10))
def test_generated_module_batch_equals_nesy_query_past_the_ranking_limit(seed, monkeypatch):
    """A Module's batch (the DAG search where it is exact, in half the seeds however few the
    derivations, else the proof table) against `nesy.query` on each example's program text."""
    if seed % 2:
        monkeypatch.setattr(topk_proofs, "RANK_ALL_PROOFS", 0)
    rng = random.Random(seed)
    rules, names = _generated(rng)
    k = 1 + seed % 4
    rows = [_row(rng) for _ in range(3)]
    _, plan = _plan(_plain(rules, rows[0]), k)
    if "apart" in names or "conflict" in names:
        assert _past_ranking(plan)
    module = nesy.Module(f"nn(net, [X], Y, {DOMAIN}) :: c(X, Y).\n" + rules, {"net": Identity()},
                         "r(X)", semantics="topk", k=k)
    got = module.probability({"X": torch.tensor(rows, dtype=torch.float64)}, {})
    for b, row in enumerate(rows):
        expected = nesy.query(_plain(rules, row), "topk", k=k).probabilities
        assert float(got[b]) == pytest.approx(expected.get("r(a)", 0.0), abs=1e-9), \
            (seed, names, k, b)


def test_generated_programs_take_both_ways_past_the_ranking_limit():
    """Across the generated programs past the ranking limit, one example both searches (where
    exact) and ranks every proof: the test above exercises each."""
    searched = set()
    for seed in range(10):
        rng = random.Random(seed)
        rules, _ = _generated(rng)
        rows = [_row(rng) for _ in range(3)]
        program, plan = _plan(_plain(rules, rows[0]), 1 + seed % 4)
        if _past_ranking(plan):
            plan.evaluate(MappedLeaves(fixed_probabilities(plan.ground, program)))
            searched.add(plan.how.searchable)
    assert searched == {True, False}


# ----------------------------------------------------------------------------- ties

# three proofs of weight 0.25 each, for k = 2: {a, b} and {a, c} overlap, {d, e} does not
TIED = "0.5::a. 0.5::b. 0.5::c. 0.5::d. 0.5::e.\n{}query(q).\n"
TIED_RULES = ["q :- a, b.\n", "q :- a, c.\n", "q :- d, e.\n"]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0)], ids=["abc", "reversed"])
def test_exact_ties_at_the_kth_place(order, monkeypatch):
    """The proof table takes the smaller sorted literal list first, as `nesy.query` does (same
    plan, same node numbers); the DAG search keeps one of the tied sets, its own way (see
    `semiring.topk` on ties)."""
    source = TIED.format("".join(TIED_RULES[i] for i in order))
    program = nesy.parse(source)
    one = nesy.query(program, "topk", k=2)["q"]
    plan = compile_query(program, None, TopKProofs(2))
    ops = AllProofOps(plan.ground, 10)
    proofs = sorted(sorted(p) for p in DirectEvaluator(plan.simplified, ops, ops.leaf)
                    .literal(plan.roots[0]))
    first, second = proofs[:2]  # the rule: the smaller sorted literal lists
    assert one == pytest.approx(0.375 if set(first) & set(second) else 0.4375, abs=1e-15)
    for searched, kind in ((False, topk_proofs.ProofTable), (True, topk_proofs.ProofSearch)):
        monkeypatch.setattr(topk_proofs, "RANK_ALL_PROOFS", 0 if searched else 100_000)
        plan = compile_query(program, None, TopKProofs(2))
        probabilities = {n: torch.tensor([p], dtype=torch.float64)
                         for n, p in fixed_probabilities(plan.ground, program).items()}
        got = float(plan.evaluate(MappedLeaves(probabilities,
                                               torch.zeros(1, dtype=torch.float64)))[0, 0])
        assert type(plan.how.table) is kind
        if searched:
            assert got in (pytest.approx(0.375), pytest.approx(0.4375))
        else:
            assert got == pytest.approx(one, abs=1e-15)


# ----------------------------------------------------------------------------- evidence

X_BEST = sorted(XS, reverse=True)


@pytest.mark.parametrize("k", [1, 2])
def test_evidence_apart_from_the_query_is_searched(k):
    """s's proofs (one y) are apart from p's evidence (c(1) and one x): the search is exact, and
    P(s | the evidence's k best proofs) is y(1)'s, the best y joining each of p's best."""
    source = CONFLICT + "s :- y(J).\nevidence(p).\nquery(s).\n"
    program, plan = _plan(source, k)
    got = plan.evaluate(MappedLeaves(fixed_probabilities(plan.ground, program)))[0]
    assert got == pytest.approx(0.9, rel=1e-12)
    assert plan.how.searchable is True


def test_evidence_conflicting_with_the_query_ranks_every_proof():
    """r's proofs take c(1), the evidence q's best proof c(2): joined, only r's proofs with z
    hold, and a search keeping the k best of each part found none."""
    source = CONFLICT.replace("r :- p, q.", "r :- p.") + "evidence(q).\nquery(r).\n"
    program, plan = _plan(source, 1)
    got = plan.evaluate(MappedLeaves(fixed_probabilities(plan.ground, program)))[0]
    # the best proof of r and q: c(1), the best x, z; of q: c(2), y(1)
    assert got == pytest.approx(0.5 * X_BEST[0] * 0.1 / (0.3 * 0.9), rel=1e-12)
    assert plan.how.searchable is False
