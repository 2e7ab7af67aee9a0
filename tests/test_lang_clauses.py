"""`<-` clauses and negative head literals: parsed, desugared and answered as ProbLog does."""

from __future__ import annotations

import pytest

import nesy
from nesy.errors import NesyError
from nesy.front.desugar_negative_heads import desugar_negative_heads
from nesy.syntax import parse
from nesy.syntax.ast import Clause, ProbClause
from nesy.terms import format_goal, format_term


def test_reverse_arrow_is_a_rule():
    (item,) = parse("a <- b, c.").items
    assert isinstance(item, Clause)
    assert format_term(item.head) == "a" and format_goal(item.body) == "b, c"


def test_reverse_arrow_with_probabilities():
    (ad,) = parse("0.2::e; 0.3::f <- c.").items
    assert isinstance(ad, ProbClause) and [format_term(h) for _, h in ad.heads] == ["e", "f"]


def test_reverse_arrow_is_never_less_than_minus():
    # as in ProbLog: X<-1 is the clause X <- 1, whose head is a variable
    with pytest.raises(NesyError, match="head"):
        parse("X<-1.")


@pytest.mark.parametrize("text", ["\\+a :- c.", "\\+(a) :- c.", "not a :- c.", "0.5::not a."])
def test_negative_head_forms(text):
    (item,) = parse(text).items
    head = item.head if isinstance(item, Clause) else item.heads[0][1]
    assert head.functor == "\\+" and format_term(head.args[0]) == "a"


def test_not_as_a_term_is_an_ordinary_head():
    (item,) = parse("not(a) :- b.").items
    assert item.head.functor == "not"


def test_negative_fact_is_an_error():
    with pytest.raises(NesyError, match="negative head"):
        parse("\\+a.")


def test_desugar_renames_heads_and_adds_the_combining_rule():
    items = desugar_negative_heads(parse("0.8::a. 0.5::\\+a :- c. c. b :- a.").items)
    heads = [format_term(i.head) if isinstance(i, Clause) else format_term(i.heads[0][1])
             for i in items]
    assert heads == ["a_p", "a_n", "c", "b", "a"]
    assert format_goal(items[-1].body) == "a_p, \\+a_n"


def test_desugar_leaves_programs_without_negative_heads_alone():
    items = parse("a. b :- \\+a.").items
    assert desugar_negative_heads(items) is items


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0.5::\\+a. 0.8::a. query(a).", 0.4),
        ("0.4::c. 0.8::a. \\+a :- c. query(a).", 0.48),
        ("0.4::c. 0.7::a. 0.3::\\+a; 0.2::b :- c. query(a).", 0.616),
        ("0.8::a. not a :- true. query(a).", 0.0),
    ],
)
def test_negative_heads_match_problog(text, expected):
    # expected values computed by problog 2.3.0
    assert nesy.query(text).probabilities["a"] == pytest.approx(expected)


def test_negative_head_without_positive_clauses_is_unknown_as_in_problog():
    with pytest.raises(NesyError, match="a_p/0"):
        nesy.query("0.5::\\+a. query(a).")


def test_own_library_predicate_replaces_the_builtin():
    # problog 2.3.0: q(a) 0.5, q(b) 0.6 (the program's member/2 never yields c)
    text = ("member(X, [X|_]) :- X \\= c.\nmember(X, [_|T]) :- member(X, T).\n"
            "0.5::p(a). 0.6::p(b). 0.7::p(c).\nq(X) :- member(X, [a,b,c]), p(X).\n"
            "query(q(X)). query(member(a, [a])).")
    got = nesy.query(text).probabilities
    assert got == pytest.approx({"q(a)": 0.5, "q(b)": 0.6, "member(a,[a])": 1.0})


@pytest.mark.parametrize("text", ["between(L, H, L).", "X = X :- fail.", "length(L, 7)."])
def test_problog_python_builtins_cannot_be_redefined(text):
    # problog 2.3.0: AccessError: Can not overwrite built-in ...
    with pytest.raises(NesyError, match="cannot redefine the built-in"):
        nesy.parse(text)
