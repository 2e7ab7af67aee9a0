"""Top-k's enumeration, for the shapes its DAG search cannot answer exactly (a cyclic program;
an AND whose parts share a group of choices; see `circuit.topk`): every proof of each answer,
once per query shape, as the padded literal codes of a `ProofTable` ranked per example."""

from __future__ import annotations

import torch

from nesy.circuit.topk import ProofTable
from nesy.compile.direct import DirectEvaluator
from nesy.errors import LimitError
from nesy.limits import Limits
from nesy.semiring.topk import AllProofOps, consistent


def build_proof_table(simplified, roots: list, limits: Limits) -> ProofTable:
    """Every proof of each root literal, as padded literal codes (symbolic work, once)."""
    ground = simplified.ground
    ops = AllProofOps(ground, limits.max_proofs)
    evaluator = DirectEvaluator(simplified, ops, ops.leaf, limits)
    # sorted as nesy.query breaks ties between equally probable proofs
    per_answer = [sorted(sorted(p) for p in evaluator.literal(root)) for root in roots]
    per_answer.append([])  # an answer without proofs, for targets no answer has
    nodes = sorted({abs(lit) for proofs in per_answer for p in proofs for lit in p})
    column = {node: i for i, node in enumerate(nodes)}
    n = len(nodes)
    most = max(len(proofs) for proofs in per_answer)
    width = max((len(p) for proofs in per_answer for p in proofs), default=0) or 1
    if len(per_answer) * most * width > 100 * limits.max_proofs:
        raise LimitError(f"top-k's proof table would hold {len(per_answer)} answers x {most} "
                         f"proofs x {width} literals", "max_proofs", limits.max_proofs)
    codes = torch.full((len(per_answer), most, width), -1, dtype=torch.long)
    for a, proofs in enumerate(per_answer):
        for j, proof in enumerate(proofs):
            codes[a, j, :len(proof)] = torch.tensor(
                [column[abs(lit)] + (0 if lit > 0 else n) for lit in proof], dtype=torch.long)
    numbered: dict = {}
    groups = [numbered.setdefault(ground.choices[node].group, len(numbered)) for node in nodes]
    counts = torch.tensor([len(proofs) for proofs in per_answer], dtype=torch.long)
    exclusive = all(len({ground.choices[abs(lit)].group for lit in p}) == len(p)
                    for proofs in per_answer for p in proofs) and \
        all(_exclusive(ground, proofs) for proofs in per_answer)
    return ProofTable(nodes, groups, codes, counts, exclusive)


def _exclusive(ground, proofs: list[list[int]], most: int = 512) -> bool:
    """Whether every two of one answer's proofs clash: one holds a literal the other negates,
    or another outcome of the same annotated disjunction (their union is inconsistent)."""
    if len(proofs) > most:
        return False  # not worth checking: the general way is exact too
    sets = [frozenset(p) for p in proofs]
    return all(not consistent(ground, a | b) for i, a in enumerate(sets) for b in sets[:i])
