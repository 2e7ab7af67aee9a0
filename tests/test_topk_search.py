"""Top-k on a batch (`circuit.topk`: the k-best search over the derivation DAG, or the proof
table where the search would not be exact) against `nesy.query`'s top-k on one example.

Every example of a batch gets its own random probabilities for every choice (a group's
outcomes summing to at most one), so the k best proofs differ between examples; the batch must
give, per example, what `nesy.query` gives with that example's numbers (the plan's one-example
path, `inference.run_query`'s, or the program text itself with the numbers written in), to
1e-9, for k = 1, 2, 3, 5.
"""

from __future__ import annotations

import dataclasses
import math
import random
import time
from pathlib import Path

import pytest
import torch
from neural_programs import DOMAIN
from neural_programs import program as generated_program

import nesy
from nesy.circuit import topk as topk_proofs
from nesy.circuit.topk import ProofSearch, ProofTable
from nesy.errors import NesyError
from nesy.query import MappedLeaves, compile_query, fixed_probabilities
from nesy.semiring.topk import TopKProofs
from nesy.terms import format_term

PROGRAMS = sorted((Path(__file__).parent / "programs").glob("*.pl"))
KS = (1, 2, 3, 5)
BATCH = 3


def _random_probabilities(ground, rng: random.Random, batch: int) -> dict[int, list[float]]:
    """Per choice node, one probability per example; a group's outcomes sum to at most 1."""
    probabilities: dict[int, list[float]] = {}
    for members in ground.groups.values():
        for _ in range(batch):
            if len(members) == 1:
                values = [rng.uniform(0.05, 0.95)]
            else:
                weights = [rng.random() + 0.05 for _ in members]
                scale = rng.uniform(0.3, 1.0) / sum(weights)
                values = [w * scale for w in weights]
            for (_, node), value in zip(sorted(members.items()), values, strict=True):
                probabilities.setdefault(node, []).append(value)
    return probabilities


def _batched(plan, probabilities: dict[int, list[float]], batch: int) -> torch.Tensor:
    tensors = {n: torch.tensor(v, dtype=torch.float64) for n, v in probabilities.items()}
    return plan.evaluate(MappedLeaves(tensors, torch.zeros(batch, dtype=torch.float64)))


def _one_example(plan, probabilities: dict[int, list[float]], b: int) -> list[float]:
    return plan.evaluate(MappedLeaves({n: v[b] for n, v in probabilities.items()}))


@pytest.fixture
def search_always(monkeypatch):
    """The DAG search wherever it is exact, however few the proofs (the default ranks a few
    every time)."""
    monkeypatch.setattr(topk_proofs, "RANK_ALL_PROOFS", 0)


@pytest.mark.parametrize("searched", [True, False], ids=["search", "default"])
@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_corpus_batch_equals_one_example_per_example(path, searched, monkeypatch):
    if searched:
        monkeypatch.setattr(topk_proofs, "RANK_ALL_PROOFS", 0)
    source = path.read_text()
    for k in KS:
        try:
            plan = compile_query(nesy.parse(source), None, TopKProofs(k))
        except NesyError:
            return  # not a top-k program at all (tests/test_oracle.py covers refusals)
        if plan.simplified.evidence:
            with pytest.raises(NesyError, match="evidence"):
                plan.batched()
            return
        rng = random.Random(f"{path.stem}-{k}")
        probabilities = _random_probabilities(plan.ground, rng, BATCH)
        try:
            expected = [_one_example(plan, probabilities, b) for b in range(BATCH)]
        except NesyError:  # a negated derived atom: the batch refuses it too
            with pytest.raises(NesyError, match="negate a derived atom"):
                _batched(plan, probabilities, BATCH)
            return
        got = _batched(plan, probabilities, BATCH)
        assert got.shape == (BATCH, len(plan.roots))
        for b in range(BATCH):
            for a, value in enumerate(expected[b]):
                assert float(got[b, a]) == pytest.approx(value, abs=1e-9), (k, b, a)


def test_the_corpus_is_mostly_searched(search_always):
    """The proof table is left for cycles and ANDs whose parts share a group; count both."""
    kinds = {}
    for path in PROGRAMS:
        try:
            plan = compile_query(nesy.parse(path.read_text()), None, TopKProofs(2))
            plan.batched()
        except NesyError:
            continue
        kinds[path.stem] = type(plan.how.table)
    assert kinds["graph_dag"] is ProofSearch and kinds["ad_facts_none"] is ProofSearch
    assert kinds["graph_cyclic"] is ProofTable and kinds["smokers"] is ProofTable  # cycles
    searched = sum(kind is ProofSearch for kind in kinds.values())
    assert searched >= 3 * (len(kinds) - searched), kinds


@pytest.mark.parametrize("seed", range(10))
def test_generated_programs_equal_nesy_query_per_example(seed, search_always):
    """Generated neural programs (`neural_programs`), the network written as annotated
    disjunctions whose numbers differ per example: the batch against `nesy.query` on each
    example's program text."""
    rng = random.Random(seed)
    rules = generated_program(rng).split("\n", 1)[1]  # without the network's declaration
    rows = {name: [_row(rng) for _ in range(BATCH)] for name in "ae"}

    def text(b: int) -> str:
        return rules + "".join("; ".join(f"{p!r}::d({name}, {v})" for v, p in
                                         zip(DOMAIN, rows[name][b], strict=True)) + ".\n"
                               for name in "ae") + \
            "".join(f"query(q(a, e, {v})).\n" for v in range(-2, 7))

    k = KS[seed % len(KS)]
    program = nesy.parse(text(0))
    plan = compile_query(program, None, TopKProofs(k))
    probabilities = {node: [value] * BATCH for node, value in
                     fixed_probabilities(plan.ground, program).items()}
    for node in plan.ground.choices:
        name, _, value = plan.ground.describe(node).partition(",")
        if name in ("d(a", "d(e"):
            probabilities[node] = [row[DOMAIN.index(int(value[:-1]))]
                                   for row in rows[name[-1]]]
    answers = [format_term(atom) for atom in plan.answers]
    try:
        got = _batched(plan, probabilities, BATCH)
    except NesyError as error:
        assert "negate a derived atom" in str(error)
        with pytest.raises(NesyError, match="negate a derived atom"):
            nesy.query(text(0), "topk", k=k)
        return
    for b in range(BATCH):
        result = nesy.query(text(b), "topk", k=k).probabilities
        for a, atom in enumerate(answers):
            assert float(got[b, a]) == pytest.approx(result.get(atom, 0.0), abs=1e-9), \
                (k, b, atom, text(b))


def _row(rng: random.Random) -> list[float]:
    weights = [rng.random() + 0.05 for _ in DOMAIN]
    scale = rng.uniform(0.5, 1.0) / sum(weights)
    return [w * scale for w in weights]


def test_gradients_match_finite_differences(search_always):
    """The union is differentiable in every choice's probability (the selection is not: it
    is constant near a point where no two proofs tie)."""
    source = (Path(__file__).parent / "programs" / "ad_facts_none.pl").read_text() + \
        "q :- warm, size(small).\nq :- no_colour, size(large).\nq :- large_cool.\n" \
        "query(q).\n"
    plan = compile_query(nesy.parse(source), None, TopKProofs(2))
    plan.batched()
    assert isinstance(plan.how.table, ProofSearch)
    nodes = sorted(plan.ground.choices)
    base = _random_probabilities(plan.ground, random.Random(7), BATCH)
    start = torch.tensor([base[n] for n in nodes], dtype=torch.float64).T.contiguous()

    def values(p: torch.Tensor) -> torch.Tensor:
        leaves = MappedLeaves(dict(zip(nodes, p.unbind(1), strict=True)),
                              torch.zeros(BATCH, dtype=torch.float64))
        return plan.evaluate(leaves)

    assert torch.autograd.gradcheck(values, (start.requires_grad_(),), eps=1e-7, atol=1e-7)


def test_two_to_the_twenty_proofs_are_not_enumerated():
    """q has 2^20 proofs (one of x_i, y_i per i): the search keeps k per node, so it answers
    at once; the k best are the best choice at every i, then one i switched, ..."""
    n = 20
    rng = random.Random(3)
    facts = "".join(f"0.5::x{i}. 0.5::y{i}.\na{i} :- x{i}.\na{i} :- y{i}.\n" for i in range(n))
    source = facts + "q :- " + ", ".join(f"a{i}" for i in range(n)) + ".\nquery(q).\n"
    plan = compile_query(nesy.parse(source), None, TopKProofs(2))
    started = time.perf_counter()
    plan.batched()
    node = {plan.ground.describe(c): c for c in plan.ground.choices}
    px = [[rng.uniform(0.55, 0.95) for _ in range(n)] for _ in range(BATCH)]
    py = [[rng.uniform(0.05, 0.5) for _ in range(n)] for _ in range(BATCH)]
    probabilities = {node[f"x{i}"]: [px[b][i] for b in range(BATCH)] for i in range(n)} | \
        {node[f"y{i}"]: [py[b][i] for b in range(BATCH)] for i in range(n)}
    got = _batched(plan, probabilities, BATCH)
    assert time.perf_counter() - started < 10.0
    assert isinstance(plan.how.table, ProofSearch)
    for b in range(BATCH):
        # best: every x_i; second: the x_i with the largest y_i / x_i replaced by y_i
        i = max(range(n), key=lambda j: py[b][j] / px[b][j])
        rest = math.prod(px[b][j] for j in range(n) if j != i)
        first, second = rest * px[b][i], rest * py[b][i]
        both = rest * px[b][i] * py[b][i]
        assert float(got[b, 0]) == pytest.approx(first + second - both, abs=1e-12)
        one = _one_example(plan, probabilities, b)  # nesy.query: its pruning search
        assert float(got[b, 0]) == pytest.approx(one[0], abs=1e-9)


def test_an_exclusive_dag_sums_its_k_best_proofs(search_always):
    """Sums of three categorical digits: every two proofs of a sum pick different outcomes, so
    the search marks the DAG exclusive and adds the k weights; inclusion–exclusion over the
    same proofs, and `nesy.query`, agree."""
    digits = "".join(f"0.2::d({x}, 0); 0.3::d({x}, 1); 0.5::d({x}, 2).\n" for x in "abc")
    source = digits + "s(S) :- d(a, A), d(b, B), d(c, C), S is A + 2 * B + C.\n" + \
        "".join(f"query(s({v})).\n" for v in range(9))
    for k in KS:
        plan = compile_query(nesy.parse(source), None, TopKProofs(k))
        plan.batched()
        search = plan.how.table
        assert isinstance(search, ProofSearch) and search.exclusive
        probabilities = _random_probabilities(plan.ground, random.Random(k), BATCH)
        got = _batched(plan, probabilities, BATCH)
        plan.how.table = dataclasses.replace(search, exclusive=False, cache={})
        general = _batched(plan, probabilities, BATCH)
        assert torch.allclose(got, general, atol=1e-12)
        for b in range(BATCH):
            for a, value in enumerate(_one_example(plan, probabilities, b)):
                assert float(got[b, a]) == pytest.approx(value, abs=1e-9), (k, b, a)


def test_overlapping_ors_are_not_exclusive(search_always):
    """p's two proofs can hold at once: the search must count their overlap."""
    source = "0.6::a. 0.7::b. 0.5::c.\np :- a.\np :- b.\nq :- p, c.\nquery(q).\n"
    plan = compile_query(nesy.parse(source), None, TopKProofs(2))
    plan.batched()
    assert isinstance(plan.how.table, ProofSearch) and not plan.how.table.exclusive
    got = _batched(plan, {n: [p] for n, p in fixed_probabilities(
        plan.ground, nesy.parse(source)).items()}, 1)
    assert float(got[0, 0]) == pytest.approx((0.6 + 0.7 - 0.42) * 0.5, abs=1e-12)
