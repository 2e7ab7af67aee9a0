"""Constant propagation and alias removal on a GroundProgram.

Deterministic parts (facts, builtins) leave nodes that are certainly true or false; this pass
removes them and collapses nodes with a single one-literal body into that literal, so later
stages see only the probabilistic structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nesy.ground.ground_program import GroundProgram
from nesy.limits import Deadline, Limits
from nesy.terms import format_term

TRUE = "true"
FALSE = "false"


@dataclass
class Simplified:
    """A ground program whose roots (queries, evidence) are literals, TRUE or FALSE."""

    ground: GroundProgram
    bodies: dict[int, list[tuple[int, ...]]] = field(default_factory=dict)
    queries: list = field(default_factory=list)  # (atom, literal | TRUE | FALSE)
    evidence: list = field(default_factory=list)  # (atom, literal | TRUE | FALSE, value)

    def pretty(self) -> str:
        """The derived atoms the roots reach (dependencies first) with their bodies, the choices
        they read, then the roots (for `nesy dump --stage simplified`)."""
        ground = self.ground
        roots = [lit for _, lit in self.queries] + [lit for _, lit, _ in self.evidence]
        derived = self.reachable(roots)
        lines = []
        for node in derived:
            rhs = " ; ".join(", ".join(ground.describe(lit) for lit in body) or "true"
                             for body in self.bodies[node])
            lines.append(f"{node}: {ground.describe(node)} :- {rhs or 'false'}")
        used = {abs(lit) for node in derived for body in self.bodies[node] for lit in body
                if abs(lit) in ground.choices}
        used |= {abs(lit) for lit in roots if isinstance(lit, int) and abs(lit) in ground.choices}
        for node in sorted(used):
            lines.append(f"{node}: {ground.pretty_choice(node)}")
        for atom, lit in self.queries:
            lines.append(f"query({format_term(atom)}) -> {_root_text(lit)}")
        for atom, lit, value in self.evidence:
            lines.append(f"evidence({format_term(atom)}, {str(value).lower()}) -> "
                         f"{_root_text(lit)}")
        return "\n".join(lines)

    def validate(self) -> None:
        """Every literal names a node of the ground program; every derived node a body list;
        roots are literals, TRUE or FALSE (run at the stage boundary in tests)."""
        ground = self.ground
        n = len(ground.names)

        def check(lit, where) -> None:
            if lit in (TRUE, FALSE):
                return
            assert isinstance(lit, int) and lit != 0 and abs(lit) < n, (where, lit)
            assert abs(lit) in ground.choices or abs(lit) in self.bodies, (where, lit)

        for node, node_bodies in self.bodies.items():
            assert 0 < node < n and node not in ground.choices, node
            for body in node_bodies:
                for lit in body:
                    assert lit not in (TRUE, FALSE), (node, body)
                    check(lit, node)
        for atom, lit in self.queries:
            check(lit, atom)
        for atom, lit, _ in self.evidence:
            check(lit, atom)

    def reachable(self, roots) -> list[int]:
        """Derived nodes reachable from `roots`, dependencies before dependants where acyclic."""
        seen: set[int] = set()
        order: list[int] = []
        for root in roots:
            if not isinstance(root, int):
                continue
            stack = [(abs(root), False)]
            while stack:
                node, done = stack.pop()
                if done:
                    order.append(node)
                    continue
                if node in seen or node not in self.bodies:
                    continue
                seen.add(node)
                stack.append((node, True))
                for body in self.bodies[node]:
                    for lit in body:
                        if abs(lit) not in seen and abs(lit) in self.bodies:
                            stack.append((abs(lit), False))
        return order


def _root_text(lit) -> str:
    return lit if isinstance(lit, str) else str(lit)


def simplify(ground: GroundProgram, limits: Limits | None = None) -> Simplified:
    budget = Deadline(limits or Limits())
    choices = ground.choices
    bodies = ground.bodies
    certain_choice = {n for n, c in choices.items() if isinstance(c.prob, float) and c.prob >= 1.0}
    impossible_choice = {n for n, c in choices.items()
                         if isinstance(c.prob, float) and c.prob <= 0.0}

    definitely: set[int] = set(certain_choice)
    possibly: set[int] = set(choices) - impossible_choice
    while True:
        new_possibly = _fixpoint(bodies, set(choices) - impossible_choice, definitely,
                                 budget)
        new_definitely = _fixpoint(bodies, set(certain_choice), new_possibly, budget)
        if new_possibly == possibly and new_definitely == definitely:
            break
        possibly, definitely = new_possibly, new_definitely

    def value(lit: int):
        node = abs(lit)
        if node in definitely:
            return TRUE if lit > 0 else FALSE
        if node not in possibly:
            return FALSE if lit > 0 else TRUE
        return lit

    result = Simplified(ground)
    for node, node_bodies in bodies.items():
        if node in definitely or node not in possibly:
            continue
        kept = []
        for body in node_bodies:
            values = [value(lit) for lit in body]
            if FALSE in values:
                continue
            kept.append(tuple(v for v in values if v != TRUE))
        result.bodies[node] = kept

    alias: dict[int, object] = {}

    def resolve(lit):
        if not isinstance(lit, int):
            return lit
        node = abs(lit)
        if node in alias:
            target = alias[node]
        else:
            node_bodies = result.bodies.get(node)
            if node_bodies is not None and len(node_bodies) == 1 and len(node_bodies[0]) == 1:
                alias[node] = node  # guard against cycles of aliases
                target = resolve(node_bodies[0][0])
                alias[node] = target
            else:
                target = node
        if lit > 0 or not isinstance(target, int):
            return target if lit > 0 else (FALSE if target == TRUE else TRUE)
        return -target

    for node in list(result.bodies):
        result.bodies[node] = [tuple(sorted({resolve(lit) for lit in body}, key=abs))
                               for body in result.bodies[node]]
    for atom, node in ground.queries:
        result.queries.append((atom, resolve(value(node)) if node else FALSE))
    for atom, node, val in ground.evidence:
        result.evidence.append((atom, resolve(value(node)) if node else FALSE, val))
    return result


def _fixpoint(bodies, start: set[int], other: set[int], budget: Deadline) -> set[int]:
    """Least set of nodes with a body whose literals hold: a positive literal when its node is
    in the set, a negative one when its node is not in `other` (the definitely-true nodes when
    computing the possibly-true ones, and the possibly-true ones for the definitely-true).

    A worklist pass, linear in the size of the program: each body counts its positive literals
    not yet in the set, and a node joins the set when one of its bodies reaches zero."""
    acc = set(start)
    waiting: dict[int, list[list]] = {}  # node -> the body counters its positive literal feeds
    queue = list(acc)
    for node, node_bodies in bodies.items():
        if node in acc:
            continue
        for body in node_bodies:
            if any(lit < 0 and -lit in other for lit in body):
                continue  # a negative literal that can never hold
            missing = {lit for lit in body if lit > 0 and lit not in acc}
            if not missing:
                acc.add(node)
                queue.append(node)
                break
            counter = [len(missing), node]
            for lit in missing:
                waiting.setdefault(lit, []).append(counter)
    steps = 0
    while queue:
        steps += 1
        if steps & 1023 == 0:
            budget.check("simplification")
        for counter in waiting.pop(queue.pop(), ()):
            counter[0] -= 1
            if counter[0] == 0 and counter[1] not in acc:
                acc.add(counter[1])
                queue.append(counter[1])
    return acc
