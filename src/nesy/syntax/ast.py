"""The AST: one node per program item, each with its source span.

Goals and heads are `nesy.terms` values; control constructs stay terms (`','/2`, `';'/2`,
`'\\+'/1`, `'->'/2`), so the grounder interprets a body as Prolog does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nesy.errors import Source, Span
from nesy.terms import Term, TermLike


@dataclass
class Clause:
    """`head.` or `head :- body.`"""

    head: Term
    body: TermLike | None
    span: Span


@dataclass
class ProbClause:
    """`p::h.`, `p::h :- body.`, or an annotated disjunction `p1::h1; p2::h2 :- body.`

    Each probability is a term: a number, an expression (`1/4`), or `t(...)` (learnable).
    """

    heads: list[tuple[TermLike, Term]]
    body: TermLike | None
    span: Span


@dataclass
class NeuralClause:
    """`nn(net, [X], Y, [0,...,9]) :: digit(X, Y) :- body.` (output/domain optional)."""

    net: str
    inputs: list[TermLike]
    output: TermLike | None
    domain: list[TermLike] | None
    head: Term
    body: TermLike | None
    span: Span


@dataclass
class Directive:
    """`:- goal.`"""

    goal: TermLike
    span: Span


Item = Clause | ProbClause | NeuralClause | Directive


@dataclass
class ProgramAST:
    source: Source
    items: list[Item] = field(default_factory=list)
