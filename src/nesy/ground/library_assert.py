"""library(assert): assertz/1, retract/1, retractall/1 as ProbLog 2.3 defines them.

They change the clauses of one grounding run (never the Program) while it runs, so answers
depend on the order in which goals are grounded: directives first, then each query in order,
then the evidence, every goal depth first and left to right, a called predicate's table complete
before its caller goes on. That is ProbLog's order; where nesy's evaluation order differs (a
change while grounding a recursive predicate) the grounder raises an error instead of answering.
ProbLog's retract/1 does not unify: it removes the first clause whose head arguments equal the
goal's ground arguments (clauses with a non-ground argument there come after those), and binds
nothing. ProbLog 2.3 has no asserta/1 and no `dynamic` declaration.
"""

from __future__ import annotations

from nesy.errors import EvaluationError, GroundingError
from nesy.front.program import Rule
from nesy.ground.library import require_library
from nesy.terms import Term, Var, format_term

LIBRARY = "assert"


def register(builtins: dict) -> None:
    """Add the library's predicates to the builtin table."""
    builtins[("assertz", 1)] = _assertz
    builtins[("retract", 1)] = _retract
    builtins[("retractall", 1)] = _retractall


def _callable(g, term, name: str, span) -> Term:
    term = g.resolve(term)
    if isinstance(term, Var):
        raise EvaluationError(f"instantiation error: {name}/1 of an unbound term", span)
    if not isinstance(term, Term):
        raise EvaluationError(f"type error: {name}/1 of {format_term(term)}, which is not "
                              "callable", span)
    return term


def _assertz(g, args, depth, span):
    require_library(g, LIBRARY, "assertz/1", span)
    clause = g.rename(_callable(g, args[0], "assertz", span), {})  # fresh variables
    head, body = clause, None
    if clause.functor == ":-" and len(clause.args) == 2:
        head, body = clause.args
        if not isinstance(head, Term):
            raise EvaluationError(f"type error: assertz/1 of a clause whose head "
                                  f"{format_term(head)} is not callable", span)
    if head.functor == "::" and len(head.args) == 2:
        raise EvaluationError("assertz/1 of a probabilistic clause is not supported (ProbLog "
                              "2.3 cannot parse one either)", span)
    signature = head.signature
    g.change_clauses(signature, [*g.rules.get(signature, ()), Rule(head, body, span)])
    yield ()


def _matching(g, goal: Term, name: str, span) -> list[int]:
    """Positions of the clauses retract/1 would remove, in ProbLog's order."""
    if goal.functor == ":-" and len(goal.args) == 2:
        raise EvaluationError(f"{name}/1 of a clause with a body is not supported (ProbLog 2.3 "
                              "only retracts by head)", span)
    clauses = g.rules.get(goal.signature)
    if clauses is None:
        raise GroundingError(f"unknown predicate {goal.functor}/{len(goal.args)} in {name}/1",
                             span)
    order = list(range(len(clauses)))
    for i, arg in enumerate(goal.args):
        if not _ground(arg):
            continue  # no restriction
        equal = [c for c in order if _identical(clauses[c].head.args[i], arg)]
        free = [c for c in order if not _ground(clauses[c].head.args[i])]
        order = equal + [c for c in free if c not in equal]
    return order


def _retract(g, args, depth, span):
    require_library(g, LIBRARY, "retract/1", span)
    goal = _callable(g, args[0], "retract", span)
    found = _matching(g, goal, "retract", span)
    if not found:
        return
    clauses = g.rules[goal.signature]
    g.change_clauses(goal.signature, [c for i, c in enumerate(clauses) if i != found[0]])
    yield ()  # binds nothing, as in ProbLog


def _retractall(g, args, depth, span):
    require_library(g, LIBRARY, "retractall/1", span)
    goal = _callable(g, args[0], "retractall", span)
    found = set(_matching(g, goal, "retractall", span))
    if found:
        clauses = g.rules[goal.signature]
        g.change_clauses(goal.signature, [c for i, c in enumerate(clauses) if i not in found])
    yield ()


def _ground(t) -> bool:
    if isinstance(t, Term):
        return t.ground
    return not isinstance(t, Var)


def _identical(a, b) -> bool:
    """Equal ground terms (1 and 1.0 differ)."""
    if isinstance(a, Term) and isinstance(b, Term):
        return (a.functor == b.functor and len(a.args) == len(b.args)
                and all(_identical(x, y) for x, y in zip(a.args, b.args, strict=True)))
    return type(a) is type(b) and a == b
