"""nesy's library predicates written in the program language (`src/nesy/library/*.pl`).

They are parsed once per process and join every program's rules, below the program's own: a
program that defines a predicate of the same name and arity keeps its definition (as in ProbLog).
A program that names none of them (nor could build a call to one from text) does without: most
programs never pay for parsing the library (a large part of a small query's cold start).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

from nesy.errors import GroundingError
from nesy.front.program import CHOICE, Rule
from nesy.terms import Term

LIBRARY_DIR = Path(__file__).resolve().parent.parent / "library"
# DeepProbLog's tensor builtins: in scope only where a nesy.Module evaluates the program (its
# results are tensors only a Module computes); elsewhere add/3 etc. stay unknown, as in ProbLog
TENSOR_FILE = "tensor.pl"


@functools.lru_cache(maxsize=2)
def library_rules(tensors: bool = False) -> dict:
    """Rules of the library files by signature (with the tensor builtins' where `tensors`)."""
    from nesy.front import ast2program
    from nesy.syntax.parser import parse

    rules: dict = {}
    ids: dict = {}
    for path in sorted(LIBRARY_DIR.glob("*.pl")):
        if path.name == TENSOR_FILE and not tensors:
            continue
        program = ast2program(parse(path.read_text(encoding="utf-8"), f"library/{path.name}"))
        for signature, clauses in program.rules.items():
            # a predicate two files define (max/2: library(aggregate) on numbers, DeepProbLog's
            # on tensors) gets the clauses of both, in file order; they must exclude each other
            rules.setdefault(signature, []).extend(
                Rule(rule.head, _own_choice_ids(rule.body, path.name, ids), rule.span)
                for rule in clauses)
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


def with_library(rules: dict, goals: Iterable = (), tensors: bool = False) -> dict:
    """A program's rules with the library's for every predicate it does not define; `goals` are
    the program's other goals (its directives); `tensors`: with DeepProbLog's tensor builtins.
    The library is left out of a program whose clauses and goals never name one of its
    predicates."""
    if not _may_reach_library(rules, goals):
        return dict(rules)
    return {**library_rules(tensors), **rules}


@functools.lru_cache(maxsize=1)
def tensor_builtin_names() -> frozenset[str]:
    """The names of DeepProbLog's tensor builtins (read off tensor.pl's clause heads)."""
    text = (LIBRARY_DIR / TENSOR_FILE).read_text(encoding="utf-8")
    return frozenset(_HEAD.findall(text))


# builtins through which a program may reach a library predicate without naming it: they make
# atoms from text (a name for `call/N` or `=..`), or read the clauses of every predicate
_REACH_UNNAMED = frozenset({
    "atom_concat", "concat", "lst2str", "str2lst", "atom_codes", "atom_chars", "char_code",
    "atom_string", "atom_to_term", "term_to_atom", "term_string", "atomic_list_concat",
    "clause", "dbg_printdb", "print_state",
})
# a clause head at the start of a line, after an optional probability label (`P::`, `t(_)::`)
_HEAD = re.compile(r"^(?:[^\n%:]*::\s*)?([a-z][A-Za-z0-9_]*|'(?:[^'\\]|\\.)*')", re.MULTILINE)


@functools.lru_cache(maxsize=1)
def library_names() -> frozenset[str]:
    """The names the library files define, read off their clause heads without parsing them
    (the tests check them against the parsed library)."""
    names = set()
    for path in sorted(LIBRARY_DIR.glob("*.pl")):
        for name in _HEAD.findall(path.read_text(encoding="utf-8")):
            names.add(name[1:-1] if name.startswith("'") else name)
    return frozenset(names)


def _may_reach_library(rules: dict, goals: Iterable) -> bool:
    """Whether any clause or goal names a library predicate, anywhere in a term (a goal, a
    goal passed as data, an asserted clause), or uses a builtin in `_REACH_UNNAMED`."""
    wanted = library_names() | _REACH_UNNAMED
    if any(name in wanted for name, _ in rules):
        return True
    stack: list = list(goals)
    for clauses in rules.values():
        for rule in clauses:
            stack.append(rule.head)
            stack.append(rule.body)
    while stack:
        term = stack.pop()
        if type(term) is Term:
            if term.functor in wanted:
                return True
            stack.extend(a for a in term.args if type(a) is Term)
    return False


def require_library(g, library: str, predicate: str, span) -> None:
    """A GroundingError naming `predicate` unless the program loaded `library` (the libraries
    nesy implements in Python, such as assert and db, exist only once loaded, as in ProbLog)."""
    if library not in g.program.libraries:
        raise GroundingError(f"unknown predicate {predicate}", span,
                             hint=f"load it with :- use_module(library({library})).")
