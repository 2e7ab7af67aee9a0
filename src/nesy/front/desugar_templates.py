"""Rule templates (metarules) `:- template(Clause, PredicateVariables, Relations).` → one
probabilistic clause per assignment of relations to the predicate variables.

    :- template((t(_) :: located(X, Y) :- call(P, X, Z), call(Q, Z, Y)),
                [P, Q], [locatedIn, neighborOf]).

is the four clauses `t(_) :: located(X, Y) :- locatedIn(X, Z), locatedIn(Z, Y).`, ...,
`t(_) :: located(X, Y) :- neighborOf(X, Z), neighborOf(Z, Y).`, each with its own learnable
weight. A predicate variable stands where ProbLog allows a goal `call(P, A1, ..., An)` (and, in
the head, `call(P, A1, ..., An)` too), so the template is ProbLog syntax and a ProbLog reader
sees an unknown directive, not a parse error. The instances are ordinary clauses: the grounder
reaches an instance only when a query needs its head, so nothing is ever grounded as the product
of relations × entities. The clause may also carry a fixed probability or none (`Head :- Body`).
"""

from __future__ import annotations

import itertools

from nesy.errors import CheckError, NesyError
from nesy.syntax.ast import Clause, Directive, Item, ProbClause
from nesy.terms import Term, TermLike, Var, list_items

TEMPLATE = ("template", 3)
MAX_INSTANCES = 100_000


def _substitute(term: TermLike, chosen: dict[Var, Term]) -> TermLike:
    """`call(P, A...)` with P chosen → `rel(A...)`, everywhere inside `term`."""
    if not isinstance(term, Term) or not term.args:
        return term
    args = tuple(_substitute(a, chosen) for a in term.args)
    if term.functor == "call" and isinstance(args[0], Var) and args[0] in chosen:
        relation = chosen[args[0]]
        return Term(relation.functor, relation.args + args[1:], term.span)
    return Term(term.functor, args, term.span)


def _template_items(item: Directive, errors: list[NesyError]) -> list[Item]:
    clause, variables, relations = item.goal.args
    variables, relations = list_items(variables), list_items(relations)
    if variables is None or not all(isinstance(v, Var) for v in variables):
        errors.append(CheckError("template/3: the second argument is a list of the predicate "
                                 "variables, e.g. [P, Q]", item.span))
        return []
    if (relations is None or not relations
            or not all(isinstance(r, Term) and not r.args for r in relations)):
        errors.append(CheckError("template/3: the third argument is a non-empty list of "
                                 "relation names, e.g. [locatedIn, neighborOf]", item.span))
        return []
    prob = None
    if isinstance(clause, Term) and clause.functor == "::" and len(clause.args) == 2:
        prob, clause = clause.args
    if isinstance(clause, Term) and clause.functor == ":-" and len(clause.args) == 2:
        head, body = clause.args
    else:
        head, body = clause, None
    if isinstance(head, Term) and head.functor == "::" and len(head.args) == 2:
        prob, head = head.args  # `(t(_) :: h) :- b` as the operators bind it
    n_instances = len(relations) ** len(variables)
    if n_instances > MAX_INSTANCES:
        errors.append(CheckError(f"template/3 makes {n_instances} clauses, over "
                                 f"{MAX_INSTANCES}: declare fewer relations", item.span))
        return []
    items: list[Item] = []
    for chosen in itertools.product(relations, repeat=len(variables)):
        mapping = dict(zip(variables, chosen, strict=True))
        new_head = _substitute(head, mapping)
        new_body = None if body is None else _substitute(body, mapping)
        if not isinstance(new_head, Term) or isinstance(new_head, Var):
            errors.append(CheckError("template/3: the clause head must be an atom", item.span))
            return []
        if prob is None:
            items.append(Clause(new_head, new_body, item.span))
        else:
            items.append(ProbClause([(prob, new_head)], new_body, item.span))
    return items


def expand_templates(items: list[Item], errors: list[NesyError]) -> list[Item]:
    """Every `:- template(...)` directive replaced by its instances, in place."""
    expanded: list[Item] = []
    for item in items:
        if (isinstance(item, Directive) and isinstance(item.goal, Term)
                and item.goal.signature == TEMPLATE):
            expanded.extend(_template_items(item, errors))
        else:
            expanded.append(item)
    return expanded
