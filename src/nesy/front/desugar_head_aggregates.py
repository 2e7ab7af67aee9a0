"""Head aggregates of ProbLog's library(aggregate) → calls of `aggregate/5`.

`h(G1, ..., agg<X>, ..., Gn) :- body.` (agg one of avg, sum, max, min, count) groups the
distinct solutions of the body by the other head arguments and aggregates the values of X in each
group, as ProbLog does:

    h(G1, ..., R, ..., Gn) :- aggregate(agg, X, [G1, ..., Gn], body, ([G1, ..., Gn], R)).

`aggregate/5` and the aggregate functions are in `src/nesy/library/aggregate.pl`.
"""

from __future__ import annotations

from dataclasses import replace

from nesy.errors import CheckError, NesyError
from nesy.syntax.ast import Clause, Directive, Item, NeuralClause, ProbClause
from nesy.terms import TRUE, Term, Var, make_list

AGGREGATE = "$aggregate"


def desugar_head_aggregates(items: list[Item], errors: list[NesyError]) -> list[Item]:
    """The items with head aggregates rewritten; an aggregate anywhere else is an error."""
    out: list[Item] = []
    for item in items:
        if isinstance(item, Clause) and _aggregate_positions(item.head):
            item = _rewrite(item, errors)
        for term in _terms(item):
            misplaced = _find_aggregate(term)
            if misplaced is not None:
                errors.append(CheckError(
                    f"{misplaced.args[0].functor}<...> is a head aggregate: it may only stand "
                    "as an argument of the head of a rule", misplaced.span or item.span))
        out.append(item)
    return out


def _scoped(head):
    """The head inside `scope:head`, and a function that puts a new one back in the scope."""
    if isinstance(head, Term) and head.functor == ":" and len(head.args) == 2:
        inner, wrap = _scoped(head.args[1])
        return inner, lambda h: Term(":", (head.args[0], wrap(h)), head.span)
    return head, lambda h: h


def _aggregate_positions(head) -> list[int]:
    head, _ = _scoped(head)
    if not isinstance(head, Term):
        return []
    return [i for i, a in enumerate(head.args) if isinstance(a, Term) and a.functor == AGGREGATE]


def _rewrite(clause: Clause, errors: list[NesyError]) -> Clause:
    head, wrap = _scoped(clause.head)
    positions = _aggregate_positions(head)
    if len(positions) > 1:
        errors.append(CheckError("a head may hold one aggregate", clause.span))
        return clause
    (k,) = positions
    name, value = head.args[k].args
    result = Var("AggregateResult")
    group = make_list([a for i, a in enumerate(head.args) if i != k])
    body = clause.body if clause.body is not None else TRUE
    call = Term("aggregate", (name, value, group, body, Term(",", (group, result))), clause.span)
    new_head = Term(head.functor, head.args[:k] + (result,) + head.args[k + 1:], head.span)
    return replace(clause, head=wrap(new_head), body=call)


def _terms(item: Item) -> list:
    if isinstance(item, Clause):
        return [item.head, item.body]
    if isinstance(item, ProbClause):
        return [h for _, h in item.heads] + [item.body]
    if isinstance(item, NeuralClause):
        return [item.head, item.body]
    if isinstance(item, Directive):
        return [item.goal]
    return []


def _find_aggregate(term):
    """The first head aggregate inside `term` (iteratively: lists may be very long)."""
    stack = [term]
    while stack:
        t = stack.pop()
        if isinstance(t, Term) and t.args:
            if t.functor == AGGREGATE:
                return t
            stack.extend(t.args)
    return None
