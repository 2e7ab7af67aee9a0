"""library(assert): assertz/1, retract/1, retractall/1 in ProbLog 2.3's order, and a clear error
where nesy's evaluation order would give another answer (tests/programs/lang_assert.pl holds
the corpus program checked against problog)."""

from __future__ import annotations

import pytest

import nesy
from nesy.errors import EvaluationError, GroundingError
from nesy.testing import expect_answers, expect_error

LIB = ":- use_module(library(assert)).\n"


def test_a_query_sees_the_clauses_asserted_by_the_queries_before_it():
    source = LIB + "f(0).\na :- assertz(f(1)).\nb(X) :- f(X).\nquery(b(_)). query(a). query(b(1))."
    expect_answers(source, {"b(0)": 1.0, "a": 1.0, "b(1)": 1.0})


def test_a_query_before_the_change_does_not_see_it():
    source = LIB + "f(0).\nr :- f(1).\nq :- assertz(f(1)).\nquery(r). query(q)."
    expect_answers(source, {"r": 0.0, "q": 1.0})


def test_a_table_complete_before_the_change_is_grounded_again():
    source = LIB + "f(0).\nq :- f(X), X > 0.\nt :- q.\nt :- assertz(f(1)), q.\nquery(t)."
    expect_answers(source, {"t": 1.0})


def test_a_called_table_is_complete_before_its_caller_goes_on():
    source = LIB + ("p(1).\np(2) :- assertz(f(2)).\nf(0).\nq(X) :- p(X), f(Y), Y > 0.\n"
                    "query(q(_)).")
    expect_answers(source, {"q(1)": 1.0, "q(2)": 1.0})


def test_retract_binds_nothing_and_removes_the_first_match():
    source = LIB + "f(0). f(1). f(2).\nq(X) :- retract(f(X)).\nr(X) :- f(X).\nquery(q(_)). query(r(_))."
    expect_answers(source, {"q(X2)": 1.0, "r(1)": 1.0, "r(2)": 1.0})


def test_retract_prefers_an_equal_argument_to_a_variable_one():
    # ProbLog's clause index: clauses whose argument equals the goal's come first
    source = LIB + ("p(X) :- X = a.\np(1).\np(2).\nq :- retract(p(1)).\nr(X) :- p(X).\n"
                    "query(q). query(r(_)).")
    expect_answers(source, {"q": 1.0, "r(a)": 1.0, "r(2)": 1.0})


def test_retract_compares_ints_and_floats_strictly():
    source = LIB + "p(1.0). p(2).\nq :- retract(p(1)).\nquery(q). query(p(_))."
    expect_answers(source, {"q": 0.0, "p(1.0)": 1.0, "p(2)": 1.0})


def test_directives_run_for_all_their_solutions():
    source = LIB + "d(1). d(2).\n:- d(X), assertz(p(X)).\nquery(p(_))."
    expect_answers(source, {"p(1)": 1.0, "p(2)": 1.0})


def test_asserted_rules_and_probabilistic_bodies():
    source = LIB + "0.5::r.\n:- assertz((s :- r)).\n:- assertz((t(X) :- s, X = 1)).\nquery(t(_))."
    expect_answers(source, {"t(1)": 0.5})


def test_the_program_is_not_changed():
    program = nesy.parse(LIB + "f(0).\nq :- assertz(f(1)).\ng(X) :- f(X).\nquery(q). query(g(_)).")
    for _ in range(2):
        assert nesy.query(program).probabilities == {"q": 1.0, "g(0)": 1.0, "g(1)": 1.0}
    assert len(program.rules[("f", 1)]) == 1


def test_a_change_inside_a_recursion_is_refused():
    source = LIB + ("edge(1,2). edge(2,1).\npath(X,Y) :- edge(X,Y).\n"
                    "path(X,Y) :- edge(X,Z), assertz(seen(Z)), path(Z,Y).\nquery(path(1,_)).")
    expect_error(source, GroundingError, contains="recursive")


@pytest.mark.parametrize("goal", ["assertz(f(1))", "retract(f(1))", "retractall(f(_))"])
def test_the_library_must_be_loaded(goal):
    expect_error(f"f(0).\nq :- {goal}.\nquery(q).", GroundingError,
                 contains="use_module(library(assert))", line=2)


def test_asserta_is_not_in_problog():
    expect_error(LIB + "q :- asserta(f(1)).\nquery(q).", GroundingError,
                 contains="unknown predicate asserta/1")


@pytest.mark.parametrize("goal, message", [
    ("assertz(_)", "instantiation error"),
    ("assertz(3)", "not callable"),
    ("retract(zz(1))", "unknown predicate zz/1"),
    ("retract((f(0) :- true))", "with a body"),
    ("assertz(member(a, b))", "built-in"),
])
def test_bad_uses_are_errors(goal, message):
    exc = expect_error(LIB + f"f(0).\nq :- {goal}.\nquery(q).", contains=message)
    assert isinstance(exc, (EvaluationError, GroundingError))


def test_dynamic_is_not_a_problog_directive():
    expect_error(LIB + ":- dynamic(f/1).\nquery(f(1)).", contains="dynamic")


def test_a_change_after_a_complete_recursion_is_fine():
    source = LIB + ("e(a,b). e(b,a). e(b,c).\npath(X,Y) :- e(X,Y).\n"
                    "path(X,Y) :- e(X,Z), path(Z,Y).\nmark :- path(a, X), assertz(seen(X)).\n"
                    "seen(none).\ns(X) :- seen(X).\nquery(mark). query(s(_)).")
    expect_answers(source, {"mark": 1.0, "s(none)": 1.0, "s(a)": 1.0, "s(b)": 1.0,
                            "s(c)": 1.0})
