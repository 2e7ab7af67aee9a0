"""Proof sets for top-k: values are up to k (probability, proof) pairs, best first.

A proof is a frozenset of choice literals; proofs that pick two alternatives of one annotated
disjunction, or a literal and its negation, are inconsistent and dropped.
"""

from __future__ import annotations

from nesy.errors import InferenceError
from nesy.ground.ground_program import GroundProgram


class ProofOps:
    def __init__(self, ground: GroundProgram, probability: dict[int, float], k: int):
        self.ground = ground
        self.probability = probability
        self.k = k

    def zero(self):
        return ()

    def one(self):
        return ((1.0, frozenset()),)

    def leaf(self, node: int, positive: bool):
        p = self.probability[node]
        lit = node if positive else -node
        return ((p if positive else 1.0 - p, frozenset((lit,))),)

    def _weight(self, proof) -> float:
        weight = 1.0
        for lit in proof:
            p = self.probability[abs(lit)]
            weight *= p if lit > 0 else 1.0 - p
        return weight

    def _consistent(self, proof) -> bool:
        groups = set()
        for lit in proof:
            if -lit in proof:
                return False
            if lit > 0:
                group = self.ground.choices[lit].group
                if group in groups:
                    return False
                groups.add(group)
        return True

    def _best(self, items):
        unique = {}
        for weight, proof in items:
            unique.setdefault(proof, weight)
        ranked = sorted(((w, p) for p, w in unique.items()),
                        key=lambda wp: (-wp[0], sorted(wp[1])))
        return tuple(ranked[: self.k])

    def add(self, a, b):
        return self._best(a + b)

    def mul(self, a, b):
        joined = []
        for _, p in a:
            for _, q in b:
                proof = p | q
                if self._consistent(proof):
                    joined.append((self._weight(proof), proof))
        return self._best(joined)

    def negate(self, a):
        raise InferenceError("top-k proofs cannot negate a derived atom; use the exact semantics "
                             "for programs that negate derived atoms")

    def converged(self, old, new):
        return old == new
