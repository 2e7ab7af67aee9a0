"""ProbLog 2.3's builtins and library predicates: each is known to nesy or listed as unsupported
with its reason, and a call of an unsupported one is an error naming it. Also the library
predicates ProbLog 2.3 itself cannot run (enum_groups/4, sub_string/5), checked by hand."""

from __future__ import annotations

import pytest

import nesy
from nesy.errors import NesyError
from nesy.testing import expect_answers, expect_error


def test_enum_groups_4_groups_two_lists_side_by_side():
    source = "eg(G, V) :- enum_groups([a, b, a, c], [1, 2, 3, 4], G, V).\nquery(eg(_, _))."
    expect_answers(source, {"eg(a,[1, 3])": 1.0, "eg(b,[2])": 1.0, "eg(c,[4])": 1.0})


def test_sub_string_enumerates_as_swi_prolog():
    source = ("s(B, L, A) :- sub_string(abcb, B, L, A, b).\n"
              "t(S) :- sub_string(hello, 1, 3, _, S).\n"
              "n(N) :- findall(S, sub_string(ab, _, _, _, S), L), length(L, N).\n"
              "query(s(_, _, _)). query(t(_)). query(n(_)).")
    expect_answers(source, {"s(1,1,2)": 1.0, "s(3,1,0)": 1.0, "t(ell)": 1.0, "n(6)": 1.0})


@pytest.mark.parametrize("goal, message", [
    ("str2int(abc, _)", "no integer"),
    ("str2int(_, _)", "instantiation error"),
    ("str2int(12, _)", "atom or a string"),
    ("join(-, [a, f(b)], _)", "joins atoms"),
])
def test_string_errors(goal, message):
    expect_error(f"q :- {goal}.\nquery(q).", NesyError, contains=message, line=1)
