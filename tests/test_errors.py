"""Each required error case gives its error class, a clear message and the right location."""

from __future__ import annotations

import pytest

import nesy
from nesy.errors import (
    CheckError,
    EvaluationError,
    GroundingError,
    InferenceError,
    LimitError,
    MultipleErrors,
    NesyError,
    ParseError,
)
from nesy.testing import expect_error

CASES = [
    ("syntax", "a :- b\nc.\nquery(a).", ParseError, "missing '.'", 1, None),
    ("unknown query predicate", "a.\nquery(foo(1)).", GroundingError, "unknown predicate foo/1",
     2, 7),
    ("unknown body predicate", "a :- bar(X).\nquery(a).", GroundingError,
     "unknown predicate bar/1", 1, 6),
    ("non-ground probabilistic fact", "0.3::p(X).\nquery(p(Y)).", GroundingError,
     "non-ground probabilistic clause", 1, 1),
    ("probability over 1", "a.\n1.3::b.\nquery(b).", CheckError, "outside [0, 1]", 2, 1),
    ("negative probability", "-0.2::b.\nquery(b).", CheckError, "outside [0, 1]", 1, None),
    ("AD mass over 1", "\n0.6::a; 0.5::b.\nquery(a).", CheckError, "sum to 1.1", 2, 1),
    ("arithmetic type error", "a :- X is foo + 1.\nquery(a).", EvaluationError,
     "'foo' is not a number", 1, 11),
    ("unbound arithmetic", "a :- X > 1.\nquery(a).", EvaluationError, "unbound variable", 1, 6),
    ("division by zero", "a :- X is 1 / 0.\nquery(a).", EvaluationError, "division by zero", 1,
     11),
    ("integer division by zero", "a :- X is 7 mod 0.\nquery(a).", EvaluationError,
     "division by zero", 1, 11),
    ("non-stratified negation", "0.5::c.\np :- \\+ q, c.\nq :- \\+ p.\nquery(p).", CheckError,
     "not stratified", 3, 6),
    ("unknown library", ":- use_module(library(foo)).\na.\nquery(a).", CheckError,
     "unknown library 'foo'", 1, 1),
    ("python module", ":- use_module('ext.py').\na.\nquery(a).", CheckError,
     "runs only when you allow it", 1, 1),
    ("redefined builtin", "X is Y :- true.\nquery(a).", CheckError, "built-in", 1, 1),
]


@pytest.mark.parametrize(("name", "source", "kind", "contains", "line", "column"), CASES,
                         ids=[c[0] for c in CASES])
def test_error_class_message_and_location(name, source, kind, contains, line, column):
    exc = expect_error(source, kind, contains, line, column)
    text = exc.render()
    assert text.startswith(f"<string>:{line}:")
    assert "^" in text  # the caret excerpt


def test_inconsistent_evidence():
    expect_error("0.5::a.\nevidence(a, true).\nevidence(a, false).\nquery(a).", InferenceError,
                 "inconsistent evidence")
    expect_error("a :- fail.\nevidence(a).\nquery(a).", InferenceError, "inconsistent evidence")


def test_checks_report_every_error_at_once():
    exc = expect_error("1.3::a.\n0.6::b; 0.5::c.\nd :- .\n", NesyError)
    assert isinstance(exc, MultipleErrors) or isinstance(exc, ParseError)
    exc = expect_error("1.3::a.\n0.6::b; 0.5::c.\nquery(a).\n", MultipleErrors)
    assert [e.span.line for e in exc.errors] == [1, 2]


@pytest.mark.parametrize(("source", "limit"), [
    ("p(X) :- p(s(X)).\nquery(p(a)).", "max_depth"),
    ("nat(0).\nnat(s(X)) :- nat(X).\nquery(nat(X)).", "max_fixpoint_iterations"),
    ("a :- between(1, 100000000, X), X < 0.\nquery(a).", "max_ground_atoms"),
])
def test_runaway_programs_end_in_a_limit_error_naming_the_limit(source, limit):
    with pytest.raises(LimitError) as info:
        nesy.query(source, limits=nesy.Limits(max_depth=300, max_ground_atoms=20_000,
                                              max_fixpoint_iterations=300, timeout_s=30))
    assert limit in str(info.value)
    assert "raise it with Limits(" in str(info.value)


def test_compilation_limit():
    grid = "\n".join(f"0.5::e({i},{j})." for i in range(12) for j in range(12) if i != j)
    source = grid + "\np(X,Y) :- e(X,Y).\np(X,Y) :- e(X,Z), p(Z,Y).\nquery(p(0,11))."
    with pytest.raises(LimitError, match="max_circuit_nodes"):
        nesy.query(source, limits=nesy.Limits(max_circuit_nodes=2_000))


def test_timeout_limit():
    grid = "\n".join(f"0.5::e({i},{j})." for i in range(30) for j in range(30) if i != j)
    source = grid + "\np(X,Y) :- e(X,Y).\np(X,Y) :- e(X,Z), p(Z,Y).\nquery(p(0,29))."
    with pytest.raises(LimitError, match="timeout_s"):
        nesy.query(source, limits=nesy.Limits(timeout_s=1.0))


def test_semantics_that_cannot_condition_say_so():
    with pytest.raises(InferenceError, match="cannot condition on evidence"):
        nesy.query("0.5::a.\nevidence(a).\nquery(a).", "fuzzy-product")
    with pytest.raises(InferenceError, match="unknown semantics 'fuzzy'"):
        nesy.query("a.\nquery(a).", "fuzzy")


def test_neural_predicate_without_network_is_a_clear_error():
    with pytest.raises(InferenceError, match="needs its network 'net'"):
        nesy.query("nn(net, [X], Y, [0,1]) :: d(X, Y).\nquery(d(x, 1)).")
