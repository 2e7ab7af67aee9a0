"""Negative head literals (`0.5::\\+a :- c.`, `\\+a :- c.`) → ordinary clauses, as ProbLog does.

For each predicate f/n that has a negative head anywhere in the program, ProbLog 2.3
(`ExtendedPrologFactory`) renames every negative head `\\+f(...)` to `f_n(...)` and every
positive head `f(...)` to `f_p(...)`, then adds `f(V1..Vn) :- f_p(V1..Vn), \\+f_n(V1..Vn).`
at the end of the program. Calls to f in bodies and queries are left alone, so they see f with
the negative clauses lowering its probability. (So `0.5::\\+a.` without a clause for `a` is an
unknown `a_p/0`, as in ProbLog.)
"""

from __future__ import annotations

from dataclasses import replace

from nesy.syntax.ast import Clause, Item, NeuralClause, ProbClause
from nesy.terms import Term, Var


def _is_negative(head) -> bool:
    return isinstance(head, Term) and head.functor == "\\+" and len(head.args) == 1


def desugar_negative_heads(items: list[Item]) -> list[Item]:
    """The program's items with negative heads replaced (the same list when there are none)."""
    negated: dict[tuple[str, int], Item] = {}  # signature -> the first clause negating it
    for item in items:
        for head in _heads(item):
            if _is_negative(head):
                negated.setdefault(head.args[0].signature, item)
    if not negated:
        return items

    def rename(head):
        if _is_negative(head):
            atom = head.args[0]
            return Term(atom.functor + "_n", atom.args, head.span)
        if isinstance(head, Term) and head.signature in negated:
            return Term(head.functor + "_p", head.args, head.span)
        return head

    out: list[Item] = []
    for item in items:
        if isinstance(item, Clause | NeuralClause):
            item = replace(item, head=rename(item.head))
        elif isinstance(item, ProbClause):
            item = replace(item, heads=[(p, rename(h)) for p, h in item.heads])
        out.append(item)
    for (name, arity), first in negated.items():
        args = tuple(Var(f"V{i}") for i in range(arity))
        positive = Term(name + "_p", args, first.span)
        negative = Term("\\+", (Term(name + "_n", args, first.span),), first.span)
        body = Term(",", (positive, negative), first.span)
        out.append(Clause(Term(name, args, first.span), body, first.span))
    return out


def _heads(item: Item) -> list:
    if isinstance(item, ProbClause):
        return [h for _, h in item.heads]
    if isinstance(item, Clause):
        return [item.head]
    return []
