"""The Program IR: rules by predicate, with probabilistic and neural clauses desugared.

A probabilistic clause `p1::h1; ...; pn::hn :- body` becomes one rule per head,
`hi :- body, '$choice'(Id, i, Vars, pi)`, where Vars holds every variable of the clause: ProbLog
makes one independent choice per ground instance of the whole clause. A neural clause
`nn(net, Inputs, Y, Domain) :: h :- body` becomes `h :- body, '$neural'(Id, Inputs, Y)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nesy.errors import Source, Span
from nesy.terms import Term, TermLike, format_goal

CHOICE = "$choice"
NEURAL = "$neural"
# A program's own definition of a library predicate (member/2, ...) is renamed "$user:member".
USER = "$user:"

# Goal positions inside control constructs and meta-predicates: signature -> argument indexes.
GOAL_ARGS = {
    (",", 2): (0, 1), (";", 2): (0, 1), ("->", 2): (0, 1), ("*->", 2): (0, 1),
    ("\\+", 1): (0,), ("not", 1): (0,), ("call", 1): (0,), ("once", 1): (0,),
    ("findall", 3): (1,), ("findall", 4): (1,), ("forall", 2): (0, 1),
    ("aggregate_all", 3): (1,), ("aggregate_all", 4): (2,),
}


@dataclass
class Rule:
    head: Term
    body: TermLike | None
    span: Span | None = None


@dataclass(frozen=True)
class NeuralSpec:
    """A neural predicate: the network's name and the domain its output ranges over."""

    id: int
    net: str
    domain: tuple | None  # None: a single probability (the 2-argument `nn(net, [X])` form)
    head: Term
    span: Span | None = None

    @property
    def integer_domain(self) -> bool:
        return bool(self.domain) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in self.domain
        )


@dataclass(frozen=True)
class ParamSpec:
    """A learnable probability `t(p0)::...`: keyed by (clause id, head index)."""

    key: tuple[int, int]
    initial: float
    span: Span | None = None


@dataclass
class Program:
    source: Source
    rules: dict[tuple[str, int], list[Rule]] = field(default_factory=dict)
    neural: dict[int, NeuralSpec] = field(default_factory=dict)
    params: dict[tuple[int, int], ParamSpec] = field(default_factory=dict)
    libraries: set[str] = field(default_factory=set)
    # predicates of Python modules the caller allowed: signature -> (nesy.extern.Export, function)
    externals: dict = field(default_factory=dict)
    unknown: str = "error"  # `:- unknown(fail).` makes it "fail": unknown predicates fail
    # directive goals the grounder runs before any query (`:- assertz(p(1)).`), in order
    initialization: list = field(default_factory=list)

    def add_rule(self, rule: Rule) -> None:
        self.rules.setdefault(rule.head.signature, []).append(rule)

    def defines(self, signature: tuple[str, int]) -> bool:
        return signature in self.rules

    def neural_by_net(self) -> dict[str, list[NeuralSpec]]:
        found: dict[str, list[NeuralSpec]] = {}
        for spec in self.neural.values():
            found.setdefault(spec.net, []).append(spec)
        return found

    def validate(self) -> None:
        """Rules filed under their head's signature, neural predicates and learnable
        probabilities under their own keys, initial probabilities in [0, 1] (run at the stage
        boundary in tests)."""
        for signature, rules in self.rules.items():
            for rule in rules:
                assert rule.head.signature == signature, (signature, rule.head)
        for net_id, spec in self.neural.items():
            assert spec.id == net_id, (net_id, spec)
        for key, spec in self.params.items():
            assert spec.key == key and 0.0 <= spec.initial <= 1.0, (key, spec)

    def pretty(self) -> str:
        """The program as text, one rule per line (for `nesy dump --stage program`)."""
        lines = []
        for rules in self.rules.values():
            for rule in rules:
                lines.append(f"{rule.head}." if rule.body is None
                             else f"{rule.head} :- {format_goal(rule.body)}.")
        return "\n".join(lines)
