"""ProbLog 2.3's builtins and library predicates: each is known to nesy or listed as unsupported
with its reason, and a call of an unsupported one is an error naming it. Also the library
predicates ProbLog 2.3 itself cannot run (enum_groups/4, sub_string/5), checked by hand."""

from __future__ import annotations

from pathlib import Path

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


# ProbLog 2.3 predicates nesy does not provide, with the reason; a call of one is an error that
# names it. Directives nesy handles before grounding (use_module/1,2, consult/1, unknown/1,
# module/2, :/2 scopes) are listed in DIRECTIVES.
UNSUPPORTED = {
    **{f"call_in_scope/{n}": "scopes are resolved when the program is loaded" for n in range(2, 11)},
    **{f"subquery_in_scope/{n}": "scopes are resolved when the program is loaded"
       for n in (3, 4, 6)},
    "create_scope/2": "scopes are resolved when the program is loaded",
    "find_scope/2": "scopes are resolved when the program is loaded",
    "subquery/5": "names one of ProbLog's semirings and evaluators",
    "seq/1": "a counter whose values follow ProbLog's evaluation order",
    **{name: "ProbLog's sampling mode" for name in ("sample_uniform1/3", "probabilityX/1",
                                                    "condition/1", "check_state/1",
                                                    "set_state/1", "reset_state/0")},
    "./2": "`:- [File].` is not a nesy directive; use consult/1",
    **{name: "library(record): keyed side effects (like library(assert)), not yet in nesy"
       for name in ("current_key/1", "erase/1", "instance/2", "recorda/2", "recorda/3",
                    "recorded/2", "recorded/3", "recordz/2", "recordz/3")},
    **{name: "library(control): its cut/2 differs from library(cut)'s, which nesy provides"
       for name in ("cut/3", "on_fail/2")},
}
DIRECTIVES = {"use_module/1", "use_module/2", "consult/1", "unknown/1", "module/2", ":/2"}
# libraries whose predicates the comparison skips: nlp4plp is an application of its own
SKIPPED_LIBRARIES = {"nlp4plp", "aproblog"}


def _problog_predicates() -> dict[str, set[str]]:
    """ProbLog 2.3's builtins and the predicates each of its libraries defines, by library."""
    problog = pytest.importorskip("problog")
    from problog.engine import DefaultEngine
    from problog.program import PrologString

    def defined(text: str) -> set[str]:
        database = DefaultEngine().prepare(PrologString(text))
        names: set[str] = set()
        while database is not None:  # (a private attribute: the one list of what a db defines)
            names |= set(getattr(database, "_ClauseDB__heads", {}))
            database = getattr(database, "_ClauseDB__parent", None)
        return names

    found = {"builtins": {p for p in DefaultEngine().get_builtins() if not p.startswith("_")}}
    base = defined("")
    directory = Path(problog.__file__).parent / "library"
    for path in sorted(directory.glob("*.p[ly]")):
        name = path.stem
        if name in SKIPPED_LIBRARIES or name in found:
            continue
        found[name] = {p for p in defined(f":- use_module(library({name})).") - base
                       if not p.startswith(("_", "body_"))}
    return found


def _nesy_knows(name: str) -> bool:
    from nesy.ground.library import library_rules
    from nesy.reserved import BUILTIN_SIGNATURES, CONTROL

    functor, _, arity = name.rpartition("/")
    signature = (functor, int(arity))
    return signature in BUILTIN_SIGNATURES or signature in library_rules() or functor in CONTROL


def test_every_problog_predicate_is_known_or_listed():
    missing = {f"{library}: {name}" for library, names in _problog_predicates().items()
               for name in names
               if not _nesy_knows(name) and name not in UNSUPPORTED and name not in DIRECTIVES}
    assert not missing, sorted(missing)


def test_the_unsupported_list_is_current():
    assert not [name for name in UNSUPPORTED if _nesy_knows(name)]


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_a_call_of_an_unsupported_predicate_names_it(name):
    functor, _, arity = name.rpartition("/")
    goal = nesy.terms.format_term(nesy.terms.Term(functor, tuple(
        nesy.terms.Var(f"A{i}") for i in range(int(arity)))))
    expect_error(f"q :- {goal}.\nquery(q).", NesyError, contains=f"{functor}/{arity}", line=1)


def test_numbervars_copies_a_term_as_problog_does():
    source = ("n(T) :- numbervars(f(X, Y, X), 3, T).\n"
              "v :- numbervars(f(X, Y, X), 0, T), varnumbers(T, f(A, B, C)), A == C, A \\== B.\n"
              "query(n(_)). query(v).")
    expect_answers(source, {"n(f('$Var'(3),'$Var'(4),'$Var'(3)))": 1.0, "v": 1.0})


def test_possible_ignores_probabilities():
    source = "0.0::a(1). 0.5::a(2). a(3).\np(X) :- possible(a(X)).\nquery(p(_))."
    expect_answers(source, {"p(1)": 1.0, "p(2)": 1.0, "p(3)": 1.0})


def test_small_builtins():
    source = ("k :- call(f9, 1, 2, 3, 4, 5, 6, 7, 8).\nf9(_, _, _, _, _, _, _, _).\n"
              "w :- writeln(a, b, c, d, e, f, g), nocache(a, 1), trace, notrace.\n"
              "c(L) :- cmd_args(L).\nquery(k). query(w). query(c(_)).")
    expect_answers(source, {"k": 1.0, "w": 1.0, "c([])": 1.0})


def test_error_joins_its_arguments():
    expect_error("q :- error('bad value ', 3, \" here\").\nquery(q).", NesyError,
                 contains="error/3 called: bad value 3 here", line=1)


def test_a_module_declaration_in_the_main_program_is_an_error():
    # ProbLog 2.3 then answers no query at all; a consulted file may declare its module
    expect_error(":- module(m, [p/1]).\np(1).\nquery(p(_)).", NesyError, contains="module", line=1)
