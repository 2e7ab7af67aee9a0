"""yall lambdas (`[X]>>Goal`, `Free/[X]>>Goal`) wherever a closure is called."""

from __future__ import annotations

import pytest

import nesy


def answers(text: str) -> dict[str, float]:
    return nesy.query(":- use_module(library(yall)).\n" + text).probabilities


@pytest.mark.parametrize("text, expected", [
    ("a(L) :- maplist([X,Y]>>(Y is X*2), [1,2,3], L). query(a(_)).", {"a([2, 4, 6])": 1.0}),
    ("c(S) :- foldl([X,A0,A]>>(A is A0+X), [1,2,3], 0, S). query(c(_)).", {"c(6)": 1.0}),
    ("d(Z) :- N = 10, call([X,Y]>>(Y is X+N), 5, Z). query(d(_)).", {"d(15)": 1.0}),
    ("e(R) :- F = [X]>>(X > 1), include(F, [0,1,2,3], R). query(e(_)).", {"e([2, 3])": 1.0}),
    # parameters beyond the list are passed on to the body
    ("f(Z) :- call([X]>>plus(X), 1, 2, Z). query(f(_)).", {"f(3)": 1.0}),
    # each call gets a fresh copy: Y is local, so two calls may bind it differently
    ("g :- G = [X]>>(Y = X), call(G, 1), call(G, 2). query(g).", {"g": 1.0}),
    # a Free variable is shared with the clause: the second call must agree with the first
    ("h :- G = Y/[X]>>(Y = X), call(G, 1), call(G, 2). query(h).", {"h": 0.0}),
    ("0.5::good(2). b(L) :- include([X]>>good(X), [1,2,3], L). query(b(_)).",
     {"b([2])": 0.5, "b([])": 0.5}),
])
def test_lambdas(text, expected):
    got = answers(text)
    assert {k: v for k, v in got.items() if v} == pytest.approx(
        {k: v for k, v in expected.items() if v})
    assert set(expected) <= set(got) | {k for k, v in expected.items() if not v}


def test_lambda_parameters_must_be_a_list():
    with pytest.raises(nesy.NesyError, match="parameters of a lambda must be a list"):
        answers("p :- call(x>>true, 1). query(p).")
