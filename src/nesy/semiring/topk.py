"""Top-k proofs: keep the k most probable proofs of each atom, then count models over them.

The definition (one example's `nesy.query`, and a batch's `circuit.topk`): a proof of an atom
is a distinct consistent set of choice literals its derivations use (a frozenset; one fact set
reached by two derivations is one proof; a superset of another proof is a proof of its own);
proofs that pick two alternatives of one annotated disjunction, or a literal and its negation,
are inconsistent and dropped. A proof weighs the product of its literals' probabilities (p, or
1 - p negated); the k heaviest are selected (ties: the smaller sorted literal list first, see
below), and the answer is the exact probability of their disjunction. Evidence conditions on
the evidence's k best proofs (one example only).

Values are symbolic, so the plan evaluates this algebra on the ground program (`ProofOps`: up to
k (probability, proof) pairs, best first; `AllProofOps`: every proof, ranked later) and hands
the selected proofs to exact weighted model counting. `ProofOps` as a search (k per atom as it
goes) is exact only where every AND's parts are apart (`circuit.proof_search_exact`); the plan
uses it only there.

Ties at the k-th place (proofs of exactly equal weight) are where the paths may part, and the
answer then depends on which tied proof is kept:
- one example ranks every proof by (weight, its sorted literal list): the smaller list first;
  its exact search keeps the same proofs except when one tied proof is a prefix of another (the
  longer one's extra literals weigh exactly 1): lexicographic order is kept by joining disjoint
  parts in every other case, not in that one;
- a batch's proof table keeps the same rule (proofs sorted by literal list, then a stable sort
  by weight), on the plan's own node numbers;
- a batch's DAG search keeps whichever its sort of summed log-weights gives: the literal-list
  order of a joined proof is not a function of its parts' places (the prefix case), and
  comparing the literal lists of an AND's k x k candidates per example would cost more than
  the search itself;
- a tie is exact only in real arithmetic: one example multiplies floats in sorted literal
  order (as a proof table does, for proofs of up to 4 literals), a proof table in the Module's
  dtype (float32 by default), the search adds float64 logarithms; equal products may differ in
  the last bit, and that bit then decides. A Module's ground program also numbers its choices
  apart from the text program's (network outputs are slots there).
Whenever the k-th and the (k+1)-th best weights differ by more than rounding, every path
selects the same proofs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nesy.errors import InferenceError, LimitError
from nesy.semiring.base import Semiring

if TYPE_CHECKING:
    from nesy.ground.ground_program import GroundProgram


@dataclass(frozen=True)
class TopKProofs(Semiring):
    k: int = 3
    name = "topk"
    supports_evidence = True
    selects_proofs = True

    def __post_init__(self):
        if self.k < 1:
            raise InferenceError(f"top-k needs k >= 1, got {self.k}")


def consistent(ground: GroundProgram, proof: frozenset) -> bool:
    """No literal beside its negation, no two outcomes of one annotated disjunction."""
    groups = set()
    for lit in proof:
        if -lit in proof:
            return False
        if lit > 0:
            group = ground.choices[lit].group
            if group in groups:
                return False
            groups.add(group)
    return True


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
        """The product of its literals' probabilities, in sorted literal order (one value per
        set, however it was built)."""
        weight = 1.0
        for lit in sorted(proof):
            p = self.probability[abs(lit)]
            weight *= p if lit > 0 else 1.0 - p
        return weight

    def _consistent(self, proof) -> bool:
        return consistent(self.ground, proof)

    def _best(self, items):
        unique = {}
        for weight, proof in items:
            unique.setdefault(proof, weight)
        ranked = sorted(((w, p) for p, w in unique.items()),
                        key=lambda wp: (-wp[0], sorted(wp[1])))
        return tuple(ranked[: self.k])

    def ranked(self, proofs) -> tuple:
        """The k best of some proofs (as `AllProofOps` gives them)."""
        return self._best([(self._weight(p), p) for p in proofs])

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


class AllProofOps:
    """Every proof of each atom, unranked: values are tuples of distinct consistent proofs.

    A Module's top-k enumerates these once per query shape and ranks them per example on
    tensors; past `max_proofs` proofs of one atom (or joins to try) it raises a LimitError.
    """

    def __init__(self, ground: GroundProgram, max_proofs: int):
        self.ground = ground
        self.max_proofs = max_proofs

    def zero(self):
        return ()

    def one(self):
        return (frozenset(),)

    def leaf(self, node: int, positive: bool):
        return (frozenset((node if positive else -node,)),)

    def _checked(self, proofs: dict) -> tuple:
        if len(proofs) > self.max_proofs:
            raise LimitError("too many proofs to rank per example for top-k", "max_proofs",
                             self.max_proofs)
        return tuple(proofs)

    def add(self, a, b):
        return self._checked(dict.fromkeys(a + b))

    def mul(self, a, b):
        if len(a) * len(b) > 10 * self.max_proofs:
            raise LimitError("too many proofs to rank per example for top-k", "max_proofs",
                             self.max_proofs)
        joined = (p | q for p in a for q in b)
        return self._checked(dict.fromkeys(p for p in joined if consistent(self.ground, p)))

    def negate(self, a):
        return ProofOps.negate(self, a)

    def converged(self, old, new):
        return set(old) == set(new)
