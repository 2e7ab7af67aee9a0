"""`:- use_module(library(scope)).`: goals in scopes, `S:G`, as ProbLog's library/scope.pl.

A clause `s1:a.` defines the atom `s1:a` (an ordinary term `:`/2). The library adds: a scope
distributes over a conjunction (`s:(a, b)`), a list of scopes holds when one of them does (in
any order), and any goal holds in any scope when it holds unscoped. ProbLog writes the last one
`_:G :- nonvar(G), try_call(G)`; here `_:G :- nonvar(G), '$scoped'(G)` with one `'$scoped'`
clause per predicate the program defines and per builtin (so `query(s:_)` finds the scope's own
atoms only, as in ProbLog).
"""

from __future__ import annotations

from collections.abc import Iterable

from nesy.front.program import Program, Rule
from nesy.syntax.parser import parse
from nesy.terms import Term, Var

LIBRARY = """
C:R :- nonvar(R), R = (A, B), C:A, C:B.
C:R :- nonvar(C), C = [C1|_], C1:R.
C:R :- nonvar(C), \\+ is_list(C), [C]:R.
List:Predicate :- nonvar(List), is_list(List), select(X, List, R), [X|R]:Predicate.
_:Goal :- nonvar(Goal), '$scoped'(Goal).
"""
SKIP = {(":", 2), ("query", 1), ("evidence", 1), ("evidence", 2)}


def add_scope_library(program: Program, builtins: Iterable[tuple[str, int]]) -> None:
    signatures = [s for s in list(program.rules) + sorted(builtins)
                  if s not in SKIP and not s[0].startswith("$")]
    for item in parse(LIBRARY, "library(scope)").items:
        program.add_rule(Rule(item.head, item.body, item.span))
    for name, arity in dict.fromkeys(signatures):
        goal = Term(name, tuple(Var(f"A{i}") for i in range(arity)))
        program.add_rule(Rule(Term("$scoped", (goal,)), goal))
