"""nesy's library predicates written in the program language (`src/nesy/library/*.pl`).

They are parsed once per process and join every program's rules, below the program's own: a
program that defines a predicate of the same name and arity keeps its definition (as in ProbLog).
"""

from __future__ import annotations

import functools
from pathlib import Path

from nesy.front.program import CHOICE, Rule
from nesy.terms import Term

LIBRARY_DIR = Path(__file__).resolve().parent.parent / "library"


@functools.lru_cache(maxsize=1)
def library_rules() -> dict:
    """Rules of the library files by signature."""
    from nesy.front import ast2program
    from nesy.syntax.parser import parse

    rules: dict = {}
    ids: dict = {}
    for path in sorted(LIBRARY_DIR.glob("*.pl")):
        program = ast2program(parse(path.read_text(encoding="utf-8"), f"library/{path.name}"))
        for signature, clauses in program.rules.items():
            rules[signature] = [Rule(rule.head, _own_choice_ids(rule.body, path.name, ids),
                                     rule.span) for rule in clauses]
    return rules


def _own_choice_ids(body, name: str, ids: dict):
    """`body` with the clause id of its probabilistic choice made negative and unique across
    the library files, so that no choice of the library shares a program clause's id."""
    if not isinstance(body, Term) or not body.args:
        return body
    if body.functor == CHOICE:
        key = (name, body.args[0])
        number = ids.setdefault(key, -1 - len(ids))
        return Term(CHOICE, (number, *body.args[1:]), body.span)
    return Term(body.functor, tuple(_own_choice_ids(a, name, ids) for a in body.args), body.span)


def with_library(rules: dict) -> dict:
    """A program's rules with the library's for every predicate it does not define."""
    return {**library_rules(), **rules}
