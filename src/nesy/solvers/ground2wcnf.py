"""GroundProgram → WeightedCNF for the most probable world (MPE), as MaxSAT solves it.

Every choice the grounding reached is a variable; an annotated disjunction's alternatives and
its "none" outcome are exactly-one (hard); each outcome costs -log p when it holds (soft), so a
least-cost model is a most probable world. Derived atoms are defined by their completion (atom
↔ one of its bodies, body ↔ all its literals, Tseitin style), which is the least-fixpoint
meaning on an acyclic program — cyclic ones are unrolled by `ground.break_cycles` first.
Roots (queries, evidence) become hard unit clauses per solve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from nesy.errors import InferenceError
from nesy.ground.break_cycles import is_cyclic
from nesy.ground.simplify import FALSE, TRUE, Simplified
from nesy.solvers.base import WeightedCNF


@dataclass
class MpeEncoding:
    """The weighted CNF of one simplified ground program, and how its variables map back."""

    simplified: Simplified
    probabilities: dict[int, float]
    wcnf: WeightedCNF
    #: (group, [(choice node or None for "none", variable)]) in the program's order
    groups: list[tuple[tuple, list[tuple[int | None, int]]]] = field(default_factory=list)
    #: derived node → variable
    atom_var: dict[int, int] = field(default_factory=dict)
    choice_var: dict[int, int] = field(default_factory=dict)

    def root(self, lit) -> int | str:
        """A root literal as a DIMACS literal, or TRUE/FALSE."""
        if lit in (TRUE, FALSE):
            return lit
        node = abs(lit)
        var = self.choice_var.get(node) or self.atom_var.get(node)
        if var is None:
            return FALSE if lit > 0 else TRUE  # a node without bodies is false
        return var if lit > 0 else -var

    def probability(self, model: frozenset[int]) -> float:
        """The probability of the world `model` (its true variables) assigns the choices."""
        value = 1.0
        for _, members in self.groups:
            if len(members) == 1:
                node, var = members[0]
                p = self.probabilities[node]
                value *= p if var in model else 1.0 - p
                continue
            for node, var in members:
                if var in model:
                    value *= (self._none_probability(members) if node is None
                              else self.probabilities[node])
        return value

    def world(self, model: frozenset[int]) -> list[str]:
        """The world as text: each chosen outcome, and `\\+a` for a false independent fact
        (an atom several probabilistic clauses make is named by its clause, `a@clause2`)."""
        ground = self.simplified.ground
        named = [(node, var, len(members)) for _, members in self.groups
                 for node, var in members if node is not None]
        counts: dict[str, int] = {}
        for node, _, _ in named:
            counts[ground.describe(node)] = counts.get(ground.describe(node), 0) + 1
        words = []
        for node, var, size in named:
            name = ground.describe(node)
            if counts[name] > 1:
                name += f"@clause{ground.choices[node].group[0] + 1}"
            if var in model:
                words.append(name)
            elif size == 1:
                words.append(f"\\+{name}")
        return words

    def _none_probability(self, members) -> float:
        return max(0.0, 1.0 - sum(self.probabilities[n] for n, _ in members if n is not None))


def ground2wcnf(simplified: Simplified, probabilities: dict[int, float],
                what: str = "mpe-maxsat") -> MpeEncoding:
    """The MPE weighted CNF of every choice and of the derived atoms the roots reach."""
    roots = [lit for _, lit in simplified.queries] + [lit for _, lit, _ in simplified.evidence]
    if is_cyclic(simplified, roots):
        raise InferenceError(
            f"the {what} semantics needs an acyclic ground program, and this one's cycles are "
            "too dense to unroll", hint="use --semantics mpe (compiled) for this program")
    ground = simplified.ground
    hard: list[tuple[int, ...]] = []
    soft: list[tuple[tuple[int, ...], float]] = []
    names: dict[int, str] = {}
    encoding = MpeEncoding(simplified, probabilities, WeightedCNF(0))
    count = 0

    def new_var(name: str) -> int:
        nonlocal count
        count += 1
        names[count] = name
        return count

    def outcome(var: int, p: float) -> None:
        # holding costs -log p; an impossible outcome is excluded outright
        if p <= 0.0:
            hard.append((-var,))
        elif p < 1.0:
            soft.append(((-var,), -math.log(p)))

    by_group: dict[tuple, list[int]] = {}
    for node, choice in ground.choices.items():
        by_group.setdefault(choice.group, []).append(node)
    for group, nodes in by_group.items():
        nodes.sort(key=lambda n: ground.choices[n].index)
        members: list[tuple[int | None, int]] = []
        for node in nodes:
            var = new_var(ground.describe(node))
            encoding.choice_var[node] = var
            members.append((node, var))
        if len(nodes) == 1:
            node, var = members[0]
            p = probabilities[node]
            outcome(var, p)
            if p >= 1.0:
                hard.append((var,))
            elif p > 0.0:
                soft.append(((var,), -math.log(1.0 - p)))  # false costs -log(1 - p)
        else:
            members.append((None, new_var(f"none{group}")))
            variables = [var for _, var in members]
            hard.append(tuple(variables))
            hard.extend((-a, -b) for i, a in enumerate(variables) for b in variables[i + 1:])
            for node, var in members:
                outcome(var, encoding._none_probability(members) if node is None
                        else probabilities[node])
        encoding.groups.append((group, members))

    def lit_of(lit: int) -> int:
        node = abs(lit)
        var = encoding.choice_var.get(node) or encoding.atom_var.get(node)
        if var is None:  # a derived node outside the reachable part: false
            var = new_var(ground.describe(node))
            encoding.atom_var[node] = var
            hard.append((-var,))
        return var if lit > 0 else -var

    order = simplified.reachable(roots)  # dependencies first
    for node in order:
        encoding.atom_var[node] = new_var(ground.describe(node))
    for node in order:
        atom = encoding.atom_var[node]
        supports = []
        for body in simplified.bodies[node]:
            literals = [lit_of(lit) for lit in body]
            if len(literals) == 1:
                supports.append(literals[0])
                continue
            support = new_var(f"body of {ground.describe(node)}")
            hard.extend((-support, lit) for lit in literals)  # an empty body: always true
            hard.append((support, *(-lit for lit in literals)))
            supports.append(support)
        hard.append((-atom, *supports))
        hard.extend((-support, atom) for support in supports)
    encoding.wcnf = WeightedCNF(count, hard, soft, names)
    return encoding
