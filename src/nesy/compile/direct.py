"""Direct evaluation of a simplified ground program in a semiring (no knowledge compilation).

Used by the semantics defined on derivations rather than on worlds (fuzzy t-norms,
possibilistic, boolean) and by top-k proofs: each atom's value is the semiring sum over its
bodies of the product of their literals, computed per strongly connected component, iterating
cycles from zero to a fixpoint. A Module's batches of an acyclic program take one levelled
pass over the same derivations instead (`ground2dag`); this evaluator serves one example's
floats (`nesy.query`) and cycles.
"""

from __future__ import annotations

from collections.abc import Callable

from nesy.compile.components import has_self_loop, strongly_connected
from nesy.errors import LimitError
from nesy.ground.simplify import FALSE, TRUE, Simplified
from nesy.limits import Deadline, Limits


class DirectEvaluator:
    """Values of literals under `ops`, an object with zero/one/add/mul/negate/converged/leaf."""

    def __init__(self, simplified: Simplified, ops, leaf: Callable, limits: Limits = Limits()):
        self.simplified = simplified
        self.ops = ops
        self.leaf = leaf
        self.limits = limits
        self.values: dict[int, object] = {}
        self.choices = simplified.ground.choices
        self.budget = Deadline(limits)

    def literal(self, lit):
        if lit == TRUE:
            return self.ops.one()
        if lit == FALSE:
            return self.ops.zero()
        node = abs(lit)
        value = self.leaf(node, lit > 0) if node in self.choices else self.atom(node)
        if lit < 0 and node not in self.choices:
            value = self.ops.negate(value)
        return value

    def atom(self, node: int):
        if node not in self.values:
            self._evaluate_component(node)
        return self.values[node]

    def _node_value(self, node: int):
        self.budget.check("evaluation")
        ops = self.ops
        total = ops.zero()
        for body in self.simplified.bodies[node]:
            product = ops.one()
            for lit in body:
                product = ops.mul(product, self.literal(lit))
            total = ops.add(total, product)
        return total

    def _evaluate_component(self, root: int) -> None:
        bodies = self.simplified.bodies
        for component in strongly_connected(root, bodies, self.values):
            if len(component) == 1 and not has_self_loop(component[0], bodies):
                self.values[component[0]] = self._node_value(component[0])
                continue
            for node in component:
                self.values[node] = self.ops.zero()
            for _ in range(self.limits.max_fixpoint_iterations):
                changed = False
                for node in component:
                    new = self._node_value(node)
                    if not self.ops.converged(self.values[node], new):
                        changed = True
                    self.values[node] = new
                if not changed:
                    break
            else:
                raise LimitError("a cycle did not reach a fixpoint", "max_fixpoint_iterations",
                                 self.limits.max_fixpoint_iterations)


class TensorOps:
    """A semiring as DirectEvaluator ops, over values shaped like `like` (a [B] tensor, or a
    float for one example with fixed probabilities)."""

    def __init__(self, semiring, like):
        self.semiring = semiring
        self.like = like

    def zero(self):
        return self.semiring.zero(self.like)

    def one(self):
        return self.semiring.one(self.like)

    def add(self, a, b):
        return self.semiring.add(a, b)

    def mul(self, a, b):
        return self.semiring.mul(a, b)

    def negate(self, a):
        return self.semiring.negate(a)

    def converged(self, old, new):
        return self.semiring.converged(old, new)
