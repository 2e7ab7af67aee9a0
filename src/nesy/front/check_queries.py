"""`query/1` and `evidence/1,2` facts must name a goal: `query(X).` can never be answered
(ProbLog: "Invalid query"), so it is reported where it is written, not when grounding."""

from __future__ import annotations

from nesy.errors import CheckError, NesyError
from nesy.syntax.ast import Clause
from nesy.terms import Term, Var, format_term

_PURPOSE = {("query", 1): "to answer", ("evidence", 1): "to observe",
            ("evidence", 2): "to observe"}
_EXAMPLE = {"query": "query(p(X)) (answered for each binding of X)",
            "evidence": "evidence(p(1), true)"}


def check_query_fact(item: Clause, errors: list[NesyError]) -> None:
    """A body-less query/evidence fact whose goal is a variable or not callable is an error."""
    head = item.head
    purpose = _PURPOSE.get(head.signature)
    if item.body is not None or purpose is None:
        return
    goal = head.args[0]
    if isinstance(goal, Term) and goal.functor in ("\\+", "not") and len(goal.args) == 1:
        goal = goal.args[0]
    if isinstance(goal, Term):
        return
    what = "a variable" if isinstance(goal, Var) else \
        f"{format_term(goal)}, which is not an atom or a compound term"
    errors.append(CheckError(
        f"{head.functor}/{head.arity} needs a goal {purpose}; here it is {what}", item.span,
        hint=f"name a goal, as in {_EXAMPLE[head.functor]}"))
