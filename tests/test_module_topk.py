"""`nesy.Module(..., semantics="topk")`: per example, the k most probable proofs of each answer
under that example's network outputs, then the exact probability of their disjunction — the
definition of `nesy.query`'s top-k, batched, for proofs that overlap (not exclusive)."""

from __future__ import annotations

import pytest
import torch

import nesy
from nesy.circuit import topk as topk_proofs
from nesy.errors import LimitError
from nesy.limits import Limits

DOMAIN = [0, 1, 2]

# proofs of q(X, Y) that overlap (several may hold at once), one a superset of another, one
# negating an outcome of the categorical network
RULES = """
0.6::b.
q(X, Y) :- d(X, 1).
q(X, Y) :- d(Y, 1).
q(X, Y) :- d(X, 2), b.
q(X, Y) :- d(X, 1), b.
q(X, Y) :- \\+ d(Y, 0), b.
s(X, Y, Z) :- d(X, A), d(Y, B), Z is A + B.
s(X, Y, Z) :- b, d(X, 2), Z = 5.
s(X, Y, 2) :- b, d(Y, 1).
"""

NEURAL = f"nn(net, [X], Y, {DOMAIN}) :: d(X, Y).\n" + RULES

# two examples whose networks make different proofs the two most probable
ROWS_X = [[0.1, 0.2, 0.7], [0.1, 0.8, 0.1]]
ROWS_Y = [[0.05, 0.15, 0.8], [0.3, 0.6, 0.1]]


class Identity(torch.nn.Module):
    def forward(self, x):
        return x


def _plain(row_x, row_y, atom: str) -> str:
    """The example as a program without networks: its outputs as annotated disjunctions."""
    facts = "".join("; ".join(f"{p!r}::d({name}, {v})" for v, p in zip(DOMAIN, row, strict=True))
                    + ".\n" for name, row in (("a", row_x), ("e", row_y)))
    return RULES + facts + f"query({atom}).\n"


def _proof_weights(row_x, row_y) -> dict[str, float]:
    return {"d(X,1)": row_x[1], "d(Y,1)": row_y[1], "d(X,2),b": row_x[2] * 0.6,
            "d(X,1),b": row_x[1] * 0.6, "\\+d(Y,0),b": (1 - row_y[0]) * 0.6}


def test_examples_pick_different_top_k_sets():
    def top2(row_x, row_y):
        weights = _proof_weights(row_x, row_y)
        return set(sorted(weights, key=weights.get, reverse=True)[:2])

    first, second = (top2(x, y) for x, y in zip(ROWS_X, ROWS_Y, strict=True))
    assert first != second  # the batch below really ranks its examples differently


@pytest.fixture(params=["ranked", "searched"])
def selection(request, monkeypatch):
    """Both ways a batch selects: every proof ranked (few proofs, the default here) and the
    DAG search (forced)."""
    if request.param == "searched":
        monkeypatch.setattr(topk_proofs, "RANK_ALL_PROOFS", 0)
    return request.param


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_overlapping_proofs_match_nesy_query_per_example(k, selection):
    module = nesy.Module(NEURAL, {"net": Identity()}, "q(X, Y)", semantics="topk", k=k)
    inputs = {"X": torch.tensor(ROWS_X, dtype=torch.float64),
              "Y": torch.tensor(ROWS_Y, dtype=torch.float64)}
    got = module.probability(inputs, {})
    assert torch.equal(module(inputs).probs[:, 0], got)
    for b, (row_x, row_y) in enumerate(zip(ROWS_X, ROWS_Y, strict=True)):
        expected = nesy.query(_plain(row_x, row_y, "q(a,e)"), "topk", k=k)["q(a,e)"]
        assert float(got[b]) == pytest.approx(expected, abs=1e-12), (k, b)
    # fewer proofs than all five: less than the exact probability, for some example
    exact = nesy.Module(NEURAL, {"net": Identity()}, "q(X, Y)").probability(inputs, {})
    if k < 5:
        assert bool((got < exact - 1e-6).any())
    else:
        assert torch.allclose(got, exact, atol=1e-12)


def test_distribution_and_targets_agree_with_nesy_query(selection):
    module = nesy.Module(NEURAL, {"net": Identity()}, "s(X, Y, Z)", semantics="topk", k=2)
    inputs = {"X": torch.tensor(ROWS_X, dtype=torch.float64),
              "Y": torch.tensor(ROWS_Y, dtype=torch.float64)}
    dist = module(inputs)
    sums = [0, 1, 2, 3, 4, 5]
    assert sorted(dist.answers) == sums
    for z in sums:
        column = dist.probs[:, dist.index(z)]
        targeted = module.probability(inputs, {"Z": torch.tensor([z, z])})
        assert torch.allclose(column, targeted, atol=1e-12), z
        for b, (row_x, row_y) in enumerate(zip(ROWS_X, ROWS_Y, strict=True)):
            atom = f"s(a,e,{z})"
            expected = nesy.query(_plain(row_x, row_y, atom), "topk", k=2)[atom]
            assert float(column[b]) == pytest.approx(expected, abs=1e-12), (z, b)
    # an answer that no proof gives has probability 0
    assert module.probability(inputs, {"Z": torch.tensor([9, 9])}).tolist() == [0.0, 0.0]


def test_gradients_flow_to_the_network_outputs(selection):
    module = nesy.Module(NEURAL, {"net": Identity()}, "q(X, Y)", semantics="topk", k=2,
                         logits=True)
    logits_x = torch.tensor(ROWS_X, dtype=torch.float64).log().requires_grad_()
    logits_y = torch.tensor(ROWS_Y, dtype=torch.float64).log().requires_grad_()

    def probability(x, y):
        return module.probability({"X": x, "Y": y}, {})

    assert torch.autograd.gradcheck(probability, (logits_x, logits_y), eps=1e-6, atol=1e-8)
    probability(logits_x, logits_y).sum().backward()
    assert logits_x.grad.abs().sum() > 0 and logits_y.grad.abs().sum() > 0


def test_too_many_proofs_to_enumerate_is_a_limit_error(monkeypatch):
    """Only a shape the DAG search cannot take enumerates its proofs (here: q's parts share
    d(X, _)), under max_proofs."""
    rules = "q(X, Y) :- p(X), p(Y), d(X, 1).\np(X) :- d(X, 0).\np(X) :- d(X, 2).\n"
    neural = f"nn(net, [X], Y, {DOMAIN}) :: d(X, Y).\n" + rules
    inputs = {"X": torch.tensor(ROWS_X), "Y": torch.tensor(ROWS_Y)}
    module = nesy.Module(neural, {"net": Identity()}, "q(X, Y)", semantics="topk",
                         limits=Limits(max_proofs=1))
    with pytest.raises(LimitError, match="max_proofs"):
        module.probability(inputs, {})
    monkeypatch.setattr(topk_proofs, "RANK_ALL_PROOFS", 0)  # searched, however few
    searched = nesy.Module(NEURAL, {"net": Identity()}, "q(X, Y)", semantics="topk",
                           limits=Limits(max_proofs=1))
    assert searched.probability(inputs, {}).shape == (2,)  # five proofs, none enumerated


def test_the_k_best_proofs_are_found_where_their_parts_rank_low():
    """r's best proof {b} joins p's second proof: a search keeping p's best proof only ({a},
    which conflicts with q's) would find none. Both ways of asking find {b}."""
    rules = "r :- p, q.\np :- a.\np :- b.\nq :- b.\n"
    plain = "0.6::a; 0.4::b.\n" + rules + "query(r).\n"
    assert nesy.query(plain, "topk", k=1)["r"] == pytest.approx(0.4)
    neural = "nn(net, [X], Y, [a, b]) :: outcome(X, Y).\na :- outcome(x, a).\n" \
             "b :- outcome(x, b).\n" + rules
    module = nesy.Module(neural, {"net": Identity()}, "r", semantics="topk", k=1,
                         embed=lambda term: torch.tensor([0.6, 0.4]))
    assert float(module.probability({}, {})[0]) == pytest.approx(0.4)


def test_answers_in_chunks_give_the_same_distribution(monkeypatch):
    inputs = {"X": torch.tensor(ROWS_X, dtype=torch.float64),
              "Y": torch.tensor(ROWS_Y, dtype=torch.float64)}
    whole = nesy.Module(NEURAL, {"net": Identity()}, "s(X, Y, Z)", semantics="topk", k=3)
    expected = whole(inputs).probs
    monkeypatch.setattr(topk_proofs, "CHUNK_ELEMENTS", 1)  # one answer per chunk
    chunked = nesy.Module(NEURAL, {"net": Identity()}, "s(X, Y, Z)", semantics="topk", k=3)
    got = chunked(inputs).probs
    assert got.shape == expected.shape == (2, 6)
    assert torch.allclose(got, expected, atol=1e-12)
