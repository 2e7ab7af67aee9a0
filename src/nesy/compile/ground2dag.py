"""A simplified ground program's derivations as a circuit, for the semantics defined on
derivations (fuzzy t-norms, possibilistic): no knowledge compilation.

Each derived atom below the roots becomes an OR over its bodies, each body an AND over its
literals; a negated derived atom is a NOT (the semiring's negation), a negated choice a NOT of
its variable, so the circuit's literals are all positive. Children are not merged (a ⊗ a ≠ a
under the fuzzy product), so the circuit computes exactly what `direct.DirectEvaluator` does,
but as one levelled, batched `CircuitPlan`. Only an acyclic program has one: cycles need the
evaluator's fixpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from nesy.circuit.circuit import AND, LIT, NOT, OR, Circuit
from nesy.ground.simplify import FALSE, TRUE, Simplified
from nesy.semiring.values import Value, ones_like, stack_columns


@dataclass
class DerivationDag:
    """The circuit and its variables: variable i is the choice node `choices[i - 1]`."""

    circuit: Circuit
    choices: list[int]

    def weights(self, probs: dict[int, Value], like: Value):
        """[B, num_vars + 1]: each variable's choice probability (column 0 unused)."""
        return stack_columns([ones_like(like)] + [probs[node] for node in self.choices])


def ground2dag(simplified: Simplified, roots: list) -> DerivationDag | None:
    """The derivations below `roots` (literals, TRUE or FALSE) as a circuit whose roots are
    theirs, in order; None where a cycle is reachable from them."""
    bodies = simplified.bodies
    choices = simplified.ground.choices
    circuit = Circuit(0, idempotent=False)
    variable: dict[int, int] = {}  # choice node -> circuit variable
    built: dict[int, int] = {}  # derived atom -> circuit node
    visiting: set[int] = set()

    def leaf(node: int) -> int:
        if node not in variable:
            variable[node] = len(variable) + 1
        return circuit.add(LIT, variable[node])

    def literal(lit) -> int:
        if lit == TRUE or lit == FALSE:
            return circuit.constant(lit == TRUE)
        node = abs(lit)
        positive = leaf(node) if node in choices else built[node]
        return positive if lit > 0 else circuit.add(NOT, (positive,))

    def below(lit) -> list[int]:
        return [abs(child) for body in bodies[abs(lit)] for child in body
                if abs(child) not in choices]

    for root in roots:
        if not isinstance(root, int) or abs(root) in choices or abs(root) in built:
            continue
        # depth first, children before parents; an atom met again while open is a cycle
        stack = [(abs(root), False)]
        while stack:
            node, done = stack.pop()
            if done:
                visiting.discard(node)
                built[node] = circuit.add(OR, tuple(
                    circuit.add(AND, tuple(literal(lit) for lit in body))
                    for body in bodies[node]))
                continue
            if node in built:
                continue
            if node in visiting:
                return None
            visiting.add(node)
            stack.append((node, True))
            stack.extend((child, False) for child in below(node) if child not in built)
    circuit.roots = [literal(root) for root in roots]
    circuit.num_vars = len(variable)
    return DerivationDag(circuit, list(variable))
