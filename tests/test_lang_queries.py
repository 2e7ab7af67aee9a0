"""Non-atomic and non-ground queries, answered and printed as ProbLog 2.3 does
(expected values computed by problog 2.3.0)."""

from __future__ import annotations

import pytest

import nesy
from nesy.errors import NesyError


def answers(text: str) -> dict[str, float]:
    return nesy.query(text).probabilities


def test_negated_query_prints_like_problog():
    assert answers("0.3::p. query(\\+p).") == pytest.approx({"\\+p": 0.7})
    assert answers("0.3::p. query(not(p)).") == pytest.approx({"\\+p": 0.7})


def test_negated_nonground_query_negates_each_answer():
    got = answers("0.3::p(1). 0.5::p(2). query(\\+p(X)).")
    assert got == pytest.approx({"\\+p(1)": 0.7, "\\+p(2)": 0.5})


def test_negated_query_without_answers_is_true():
    assert answers("0.3::p(1). query(\\+p(3)).") == {"\\+p(3)": 1.0}
    assert answers("q(X) :- fail. query(\\+q(X)).") == {"\\+q(X2)": 1.0}


def test_certain_nonground_answers_are_reported():
    assert answers("p(X) :- true. p(1). query(p(X)).") == {"p(X2)": 1.0, "p(1)": 1.0}
    assert answers("p(X, Y, X). query(p(A, B, C)).") == {"p(X3,X4,X3)": 1.0}
    assert answers("p([X|T]) :- true. query(p(A)).") == {"p([X3 | X4])": 1.0}
    assert answers("p(X). query(\\+p(A)).") == {"\\+p(X2)": 0.0}


def test_probabilistic_nonground_answer_is_an_error():
    with pytest.raises(NesyError, match="still has variables"):
        nesy.query("0.3::q. p(X) :- q. query(p(X)).")


def test_variable_query_is_an_error():
    with pytest.raises(NesyError, match="needs a goal to answer; here it is a variable"):
        nesy.query("0.3::p. query(X).")  # found by the checks, with its place
    with pytest.raises(NesyError, match="must be an atom"):
        nesy.query("0.3::p. query(X) :- X = 3.")  # found when grounding


def test_negated_query_can_be_explained():
    result = nesy.query("0.3::p. query(\\+p).")
    assert result.explain("\\+p") is not None


def test_query_without_answers_is_listed_false():
    # ProbLog lists every query: one without answers at 0, its variables named as it names them
    assert answers("q(1) :- fail. query(q(X)).") == {"q(X2)": 0.0}
    assert answers("q(X, Y, X) :- fail. query(q(A, B, A)).") == {"q(X3,X4,X3)": 0.0}
    assert answers("0.3::a(1). f(L) :- findall(X, a(X), L). query(f([X, Y, Z]))."
                   ) == {"f([X4, X5, X6])": 0.0}
    assert answers("q(1) :- fail. query(q(2)).") == {"q(2)": 0.0}
