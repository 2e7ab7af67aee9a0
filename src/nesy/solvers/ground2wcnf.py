"""GroundProgram → WeightedCNF for the most probable world (MPE), as MaxSAT solves it.

Every choice the grounding reached is a variable; an annotated disjunction's alternatives and
its "none" outcome are exactly-one (hard); each outcome costs -log p when it holds (soft), so a
least-cost model is a most probable world. Derived atoms are defined by their completion (atom
↔ one of its bodies, body ↔ all its literals, Tseitin style), which is the least-fixpoint
meaning on an acyclic program; on a cycle a body supports its atom only through atoms of lower
rank (ranks exist, in unary, and cost nothing), which keeps the least fixpoint without unrolling.
Roots (queries, evidence) become hard unit clauses per solve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from nesy.compile.components import has_self_loop, strongly_connected
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
        return self.simplified.ground.describe_world(self.groups, lambda var: var in model)

    def _none_probability(self, members) -> float:
        return max(0.0, 1.0 - sum(self.probabilities[n] for n, _ in members if n is not None))


def ground2wcnf(simplified: Simplified, probabilities: dict[int, float]) -> MpeEncoding:
    """The MPE weighted CNF of every choice and of the derived atoms the roots reach."""
    roots = [lit for _, lit in simplified.queries] + [lit for _, lit, _ in simplified.evidence]
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
    component = cyclic_components(simplified, roots)
    ranks = {id(c): _Ranks(c, new_var, hard) for c in {id(c): c for c in component.values()}
             .values()}
    for node in order:
        atom = encoding.atom_var[node]
        cycle = component.get(node)
        supports = []
        for body in simplified.bodies[node]:
            literals = [lit_of(lit) for lit in body]
            # on a cycle, a body supports its atom only through atoms of lower rank (no atom
            # proves itself): the least fixpoint, not just any fixpoint of the completion
            below = [abs(lit) for lit in body if lit > 0 and cycle is not None
                     and abs(lit) in cycle]
            if len(literals) == 1 and not below:
                supports.append(literals[0])
                continue
            support = new_var(f"body of {ground.describe(node)}")
            hard.extend((-support, lit) for lit in literals)  # an empty body: always true
            if below:
                rank = ranks[id(cycle)]
                hard.extend((-support, rank.less(other, node)) for other in below)
                hard.append((atom, *(-lit for lit in literals)))  # the body holds: so does atom
            else:
                hard.append((support, *(-lit for lit in literals)))
            supports.append(support)
        hard.append((-atom, *supports))
        hard.extend((-support, atom) for support in supports)
    encoding.wcnf = WeightedCNF(count, hard, soft, names)
    return encoding


def cyclic_components(simplified: Simplified, roots) -> dict[int, frozenset[int]]:
    """Each derived atom on a cycle (below the roots) → the atoms of its strongly connected
    component."""
    done: set[int] = set()
    found: dict[int, frozenset[int]] = {}
    for root in roots:
        if not isinstance(root, int) or abs(root) not in simplified.bodies or abs(root) in done:
            continue
        for members in strongly_connected(abs(root), simplified.bodies, done):
            done.update(members)
            if len(members) > 1 or has_self_loop(members[0], simplified.bodies):
                cycle = frozenset(members)
                found.update((node, cycle) for node in members)
    return found


class _Ranks:
    """A rank in 0..n-1 per atom of an n-atom cycle, in unary (`at_least[a][k]`: rank(a) >= k),
    and `less(c, a)`: a variable that implies rank(c) < rank(a). Ranks only exist, they cost
    nothing: a model's choices fix the atoms, and some ranking of their derivation exists."""

    def __init__(self, cycle: frozenset[int], new_var, hard: list):
        self.size = len(cycle)
        self.new_var = new_var
        self.hard = hard
        self.at_least: dict[int, list[int]] = {}
        for node in cycle:
            bits = [new_var(f"rank({node}) >= {k}") for k in range(1, self.size)]
            hard.extend((-bits[k + 1], bits[k]) for k in range(len(bits) - 1))
            self.at_least[node] = bits
        self.pairs: dict[tuple[int, int], int] = {}

    def _geq(self, node: int, k: int):
        if k <= 0:
            return True
        if k >= self.size:
            return False
        return self.at_least[node][k - 1]

    def less(self, lower: int, node: int) -> int:
        key = (lower, node)
        if key not in self.pairs:
            var = self.new_var(f"rank({lower}) < rank({node})")
            for k in range(self.size):  # rank(lower) >= k implies rank(node) >= k + 1
                low, high = self._geq(lower, k), self._geq(node, k + 1)
                if low is False or high is True:
                    continue
                clause = [-var]
                if low is not True:
                    clause.append(-low)
                if high is not False:
                    clause.append(high)
                self.hard.append(tuple(clause))
            self.pairs[key] = var
        return self.pairs[key]
