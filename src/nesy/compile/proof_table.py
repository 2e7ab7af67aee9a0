"""Top-k's symbolic half: every proof of each answer enumerated once per query shape, as the
padded index tensors of a `ProofTable` that `circuit.topk.topk_union` ranks per example."""

from __future__ import annotations

import torch

from nesy.circuit.topk import ProofTable
from nesy.compile.direct import DirectEvaluator
from nesy.errors import LimitError
from nesy.limits import Limits
from nesy.semiring.topk import AllProofOps


def build_proof_table(simplified, roots: list, limits: Limits) -> ProofTable:
    """Every proof of each root literal, as padded index tensors (symbolic work, once)."""
    ground = simplified.ground
    ops = AllProofOps(ground, limits.max_proofs)
    evaluator = DirectEvaluator(simplified, ops, ops.leaf, limits)
    # sorted as nesy.query breaks ties between equally probable proofs
    per_answer = [sorted(sorted(p) for p in evaluator.literal(root)) for root in roots]
    per_answer.append([])  # an answer without proofs, for targets no answer has
    nodes = sorted({abs(lit) for proofs in per_answer for p in proofs for lit in p})
    column = {n: i for i, n in enumerate(nodes)}
    n = len(nodes)
    answers = len(per_answer)
    most = max((len(proofs) for proofs in per_answer), default=0)
    width = max((len(p) for proofs in per_answer for p in proofs), default=0)
    literals = [sorted({lit for p in proofs for lit in p}) for proofs in per_answer]
    span = max((len(lits) for lits in literals), default=0)
    groups = [list(dict.fromkeys(ground.choices[abs(lit)].group for lit in lits))
              for lits in literals]
    n_groups = max((len(g) for g in groups), default=0)
    if answers * most * max(span, width) > 100 * limits.max_proofs:
        raise LimitError(f"top-k's proof table would hold {answers} answers x {most} proofs x "
                         f"{max(span, width)} literals", "max_proofs", limits.max_proofs)
    # literal columns of [p | 1 - p | 1 | 0]: short proofs are padded with 1, missing ones are 0
    index = [[[2 * n + 1] * width for _ in range(most)] for _ in range(answers)]
    members = torch.zeros(answers, most, span)
    literal_nodes = [[0] * span for _ in range(answers)]
    positive_group = [[n_groups] * span for _ in range(answers)]
    negative_group = [[n_groups] * span for _ in range(answers)]
    partner = [[span] * span for _ in range(answers)]
    rows, cols, where = [], [], []
    for a, proofs in enumerate(per_answer):
        position = {lit: i for i, lit in enumerate(literals[a])}
        group_of = {g: i for i, g in enumerate(groups[a])}
        for lit, i in position.items():
            literal_nodes[a][i] = column[abs(lit)]
            group = group_of[ground.choices[abs(lit)].group]
            (positive_group if lit > 0 else negative_group)[a][i] = group
            partner[a][i] = position.get(-lit, span)
        for j, proof in enumerate(proofs):
            index[a][j] = [column[abs(lit)] + (0 if lit > 0 else n) for lit in proof] + \
                [2 * n] * (width - len(proof))
            for lit in proof:
                rows.append(a)
                cols.append(j)
                where.append(position[lit])
    members[rows, cols, where] = 1.0

    def long(values) -> torch.Tensor:
        return torch.tensor(values, dtype=torch.long)

    index, literal_nodes = long(index).reshape(answers, most, width), long(literal_nodes)
    positive_group, negative_group = long(positive_group), long(negative_group)
    partner = long(partner).reshape(answers, span)
    literal_nodes = literal_nodes.reshape(answers, span)
    positive_group = positive_group.reshape(answers, span)
    negative_group = negative_group.reshape(answers, span)
    counts = torch.tensor([len(proofs) for proofs in per_answer], dtype=torch.long)
    exclusive = all(len({ground.choices[abs(lit)].group for lit in p}) == len(p)
                    for proofs in per_answer for p in proofs) and \
        all(_exclusive(ground, lits, members[a, :len(per_answer[a]), :len(lits)])
            for a, lits in enumerate(literals))
    return ProofTable(nodes, index, counts, members, literal_nodes, positive_group,
                      negative_group, partner, n_groups, exclusive)


def _exclusive(ground, literals: list[int], members: torch.Tensor, most: int = 4096) -> bool:
    """Whether every two of one answer's proofs (rows of `members` over `literals`) clash: one
    holds a literal the other negates, or another outcome of the same annotated disjunction."""
    if members.shape[0] < 2:
        return True
    if members.shape[0] > most:
        return False  # not worth checking: the general way is exact too
    group = [ground.choices[abs(lit)].group for lit in literals]
    clash = torch.tensor([[float(a == -b or (a > 0 and b > 0 and a != b and group[i] == group[j]))
                           for j, b in enumerate(literals)] for i, a in enumerate(literals)])
    pairs = (members @ clash @ members.T) > 0
    return bool((pairs | torch.eye(members.shape[0], dtype=torch.bool)).all())


