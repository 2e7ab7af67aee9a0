"""The GroundProgram IR: ground atoms as AND/OR nodes over independent choice variables.

Node ids start at 1; a literal is `+id` or `-id` (negation). A derived node is true when one of
its bodies (a tuple of literals) holds; a node with no body is false, one with the empty body is
true. Choice nodes are the random variables: the alternatives of one annotated disjunction (a
*group*) are mutually exclusive, and the remaining mass means "none of them".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nesy.terms import Term, format_term


@dataclass(frozen=True)
class ParamRef:
    """A learnable probability `t(...)`, keyed by (clause id, head index)."""

    key: tuple[int, int]


@dataclass(frozen=True)
class NeuralRef:
    """Probability `index` of network `net_id`'s output on `input` (index -1: a single output)."""

    net_id: int
    input: Term
    index: int


@dataclass(frozen=True)
class TensorRef:
    """A probability given as a tensor term (`P :: a :- tensor_index(T, [0], P).`), one value
    per example, computed by the Module from its inputs and networks."""

    term: Term


@dataclass(frozen=True)
class Constraint:
    """`expr op value` over independent random integers: its probability is computed, not chosen."""

    op: str
    expr: object  # LinearExpr
    value: object  # an int, or a slot term bound per example


@dataclass(frozen=True)
class Choice:
    group: tuple
    index: int
    prob: object  # float | ParamRef | NeuralRef | TensorRef | Constraint
    atom: Term | None = None  # the head this choice makes true, for explanations


@dataclass
class GroundProgram:
    names: list = field(default_factory=lambda: [None])  # id -> Term (derived) or Choice
    bodies: dict[int, list[tuple[int, ...]]] = field(default_factory=dict)
    choices: dict[int, Choice] = field(default_factory=dict)
    groups: dict[tuple, dict[int, int]] = field(default_factory=dict)  # group -> index -> node
    queries: list[tuple[Term, int]] = field(default_factory=list)
    evidence: list[tuple[Term, int, bool]] = field(default_factory=list)
    true_nodes: set[int] = field(default_factory=set)

    @property
    def size(self) -> int:
        return len(self.names) - 1

    def is_choice(self, node: int) -> bool:
        return node in self.choices

    def group_probs(self, group: tuple) -> list:
        return [self.choices[n].prob for n in self.groups[group].values()]

    def describe(self, literal: int) -> str:
        node = abs(literal)
        name = self.names[node]
        text = choice_text(name) if isinstance(name, Choice) else format_term(name)
        return text if literal > 0 else f"\\+{text}"

    def describe_world(self, groups, holds) -> list[str]:
        """A world over the choices as text: each chosen outcome, and `\\+a` for a false
        independent fact (an atom several probabilistic clauses make is named by its clause,
        `a@clause2`). `groups`: (group, [(node or None, var), ...]) per choice group; `holds`:
        var -> True, False, or None where the world leaves it open (not written)."""
        named = [(node, var, len(members)) for _, members in groups
                 for node, var in members if node is not None]
        counts: dict[str, int] = {}
        for node, _, _ in named:
            counts[self.describe(node)] = counts.get(self.describe(node), 0) + 1
        words = []
        for node, var, size in named:
            name = self.describe(node)
            if counts[name] > 1:
                name += f"@clause{self.choices[node].group[0] + 1}"
            value = holds(var)
            if value:
                words.append(name)
            elif size == 1 and value is not None:
                words.append(f"\\+{name}")
        return words

    def validate(self) -> None:
        """Structural invariants (see `validate`)."""
        validate(self)

    def pretty_choice(self, node: int) -> str:
        """A choice as `atom :: probability`."""
        choice = self.choices[node]
        return f"{choice_text(choice)} :: {_prob_text(choice.prob)}"

    def pretty(self) -> str:
        """One line per derived node and choice (for `nesy dump --stage ground`)."""
        lines = []
        for node, name in enumerate(self.names):
            if node == 0:
                continue
            if isinstance(name, Choice):
                lines.append(f"{node}: {choice_text(name)} :: {_prob_text(name.prob)}")
                continue
            bodies = self.bodies.get(node, [])
            rhs = " ; ".join(", ".join(self.describe(lit) for lit in b) or "true" for b in bodies)
            lines.append(f"{node}: {format_term(name)} :- {rhs or 'false'}")
        for atom, node in self.queries:
            lines.append(f"query({format_term(atom)}) -> {node}")
        for atom, node, value in self.evidence:
            lines.append(f"evidence({format_term(atom)}, {str(value).lower()}) -> {node}")
        return "\n".join(lines)


def choice_text(choice: Choice) -> str:
    if choice.atom is not None:
        return format_term(choice.atom)
    return f"choice{choice.group}[{choice.index}]"


def _prob_text(prob) -> str:
    if isinstance(prob, float):
        return f"{prob:.6g}"
    if isinstance(prob, ParamRef):
        return f"t{prob.key}"
    if isinstance(prob, NeuralRef):
        return f"nn{prob.net_id}({format_term(prob.input)})[{prob.index}]"
    if isinstance(prob, Constraint):
        return f"P({prob.expr} {prob.op} {prob.value})"
    if isinstance(prob, TensorRef):
        return format_term(prob.term)
    return repr(prob)


def validate(ground: GroundProgram) -> None:
    """Structural invariants (run at the stage boundary in tests)."""
    n = len(ground.names)
    for node, bodies in ground.bodies.items():
        assert 0 < node < n and node not in ground.choices, node
        for body in bodies:
            for lit in body:
                assert lit != 0 and abs(lit) < n, (node, body)
    for group, members in ground.groups.items():
        for index, node in members.items():
            choice = ground.choices[node]
            assert choice.group == group and choice.index == index
