"""Cycle breaking: a cyclic ground program → an acyclic one with the same least-fixpoint answers.

A derivation of a query never uses an atom twice on one branch, so each atom is copied per
context: walking down from the roots, an atom met again below itself is false there (that branch
would be circular). A copy is reused wherever it stays valid: every atom it cut is an ancestor
there too, and none of the atoms inside it is (then it would have had to be cut). ProbLog breaks
cycles the same way before it compiles; compiling the acyclic program avoids iterating SDD
disjunctions to a fixpoint, which grows without bound on dense cycles (smokers).
"""

from __future__ import annotations

from dataclasses import dataclass

from nesy.ground.simplify import FALSE, TRUE, Simplified
from nesy.limits import Deadline, Limits


@dataclass
class _Copy:
    literal: object  # the new node, TRUE or FALSE
    cut: frozenset  # atoms this copy made false because they were its ancestors
    inside: frozenset  # derived atoms the copy contains (uncut)


def break_cycles(simplified: Simplified, limits: Limits = Limits()) -> Simplified:
    """The same program without cycles among the atoms the roots reach (itself when acyclic)."""
    roots = [lit for _, lit in simplified.queries] + [lit for _, lit, _ in simplified.evidence]
    if not is_cyclic(simplified, roots):
        return simplified
    breaker = _Breaker(simplified, limits)
    names = len(simplified.ground.names)
    try:
        queries = [(atom, breaker.root(lit)) for atom, lit in simplified.queries]
        evidence = [(atom, breaker.root(lit), value) for atom, lit, value in simplified.evidence]
    except _TooManyCopies:
        # dense cycles (a complete graph) have exponentially many contexts: leave the cycles
        # to the compiler's least fixpoint instead
        del simplified.ground.names[names:]
        return simplified
    return Simplified(simplified.ground, breaker.bodies, queries, evidence)


class _TooManyCopies(Exception):
    pass


class _Breaker:
    def __init__(self, simplified: Simplified, limits: Limits):
        self.old = simplified.bodies
        self.names = simplified.ground.names
        self.bodies: dict[int, list[tuple[int, ...]]] = {}
        self.copies: dict[int, list[_Copy]] = {}
        self.limits = limits
        self.budget = Deadline(limits)
        self.steps = 0
        self.max_copies = max(10_000, 20 * len(self.old))

    def root(self, lit):
        if not isinstance(lit, int):
            return lit
        value = self.literal(abs(lit), set(), set(), set())
        return value if lit > 0 else _negate(value)

    def literal(self, node: int, ancestors: set, cut: set, inside: set):
        if node not in self.old:
            return node  # a choice
        if node in ancestors:
            cut.add(node)
            return FALSE
        for copy in self.copies.get(node, ()):
            self._tick()
            if copy.cut <= ancestors | {node} and not ancestors & copy.inside:
                cut |= copy.cut
                inside |= copy.inside
                return copy.literal
        self._tick()
        child_cut: set = set()
        child_inside: set = set()
        ancestors.add(node)
        bodies = []
        for body in self.old[node]:
            kept = []
            for lit in body:
                value = self.literal(abs(lit), ancestors, child_cut, child_inside)
                value = value if lit > 0 else _negate(value)
                if value == FALSE:
                    break
                if value != TRUE:
                    kept.append(value)
            else:
                bodies.append(tuple(kept))
        ancestors.discard(node)
        literal = self._node(node, bodies)
        if literal not in (TRUE, FALSE):
            child_inside.add(node)
        self.copies.setdefault(node, []).append(
            _Copy(literal, frozenset(child_cut), frozenset(child_inside - child_cut)))
        cut |= child_cut
        inside |= child_inside
        return literal

    def _tick(self) -> None:
        self.steps += 1
        if self.steps & 255 == 0:
            self.budget.check("cycle breaking")

    def _node(self, original: int, bodies: list[tuple[int, ...]]):
        if not bodies:
            return FALSE
        if any(not body for body in bodies):
            return TRUE
        if len(bodies) == 1 and len(bodies[0]) == 1:
            return bodies[0][0]
        node = len(self.names)
        if len(self.bodies) > self.max_copies:
            raise _TooManyCopies()
        self.names.append(self.names[original])
        self.bodies[node] = list(dict.fromkeys(bodies))
        return node


def _negate(value):
    if value == TRUE:
        return FALSE
    if value == FALSE:
        return TRUE
    return -value


def is_cyclic(simplified: Simplified, roots) -> bool:
    """Whether a derived atom the roots reach depends on itself (iterative DFS colouring)."""
    bodies = simplified.bodies
    state: dict[int, int] = {}  # 1 on the stack, 2 done
    for root in roots:
        if not isinstance(root, int) or abs(root) not in bodies or abs(root) in state:
            continue
        stack = [(abs(root), iter([abs(lit) for body in bodies[abs(root)] for lit in body]))]
        state[abs(root)] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in bodies:
                    continue
                if state.get(child) == 1:
                    return True
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter([abs(x) for b in bodies[child] for x in b])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return False
