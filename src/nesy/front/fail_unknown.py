"""`:- unknown(fail).`: calls to predicates without clauses fail instead of raising an error.

ProbLog switches its engine's mode; here every predicate the program calls by name (in a body,
through control constructs and goal arguments of call/once/findall/forall/aggregate_all, or in
query/evidence) that has no clauses and is no builtin gets an empty definition, so it fails.
`Program.unknown` records the mode for goals built at run time (`call(G)` with G computed).
"""

from __future__ import annotations

from collections.abc import Container

from nesy.front.program import GOAL_ARGS, Program
from nesy.terms import Term

ROOTS = {("query", 1): (0,), ("evidence", 1): (0,), ("evidence", 2): (0,)}


def fail_unknown(program: Program, builtins: Container) -> None:
    """Give every called predicate without clauses (and no builtin) an empty definition."""
    goals = []
    for signature, rules in program.rules.items():
        for rule in rules:
            if rule.body is not None:
                goals.append(rule.body)
            if signature in ROOTS:
                goals.extend(rule.head.args[i] for i in ROOTS[signature])
    missing = set()
    while goals:
        goal = goals.pop()
        if not isinstance(goal, Term):
            continue
        signature = goal.signature
        if signature in GOAL_ARGS:
            goals.extend(goal.args[i] for i in GOAL_ARGS[signature])
        elif signature not in builtins and not goal.functor.startswith("$"):
            if signature not in program.rules:
                missing.add(signature)
    for signature in sorted(missing):
        program.rules[signature] = []
