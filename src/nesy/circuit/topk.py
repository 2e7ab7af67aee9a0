"""Top-k's numeric half: per example, the k most probable of every proof of each answer (a
`ProofTable`, built once per query shape by `compile.proof_table`), and the exact probability of
their disjunction, batched on tensors.

The same definition as one example's top-k (`nesy.query`): proofs are ranked by the product of
their literals' probabilities (ties: the smaller sorted literal list first); the disjunction's
probability is exact, outcomes of one annotated disjunction (or categorical network) excluding
each other, by inclusion–exclusion over the k selected proofs (2^k - 1 conjunctions).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from nesy.errors import InferenceError

#: inclusion–exclusion sums 2^k - 1 terms per answer and example
MAX_K = 14
#: elements of the [B, answers, 2^k - 1, literals] tensors past which answers go in chunks
CHUNK_ELEMENTS = 1 << 24


@dataclass
class ProofTable:
    """Every proof of each of A answers, padded to P proofs of W literals over L distinct
    literals per answer; `nodes` are the choice nodes, the columns of the probabilities."""

    nodes: list[int]
    index: torch.Tensor  # [A, P, W] columns of [p | 1 - p | 1] (the last one pads)
    counts: torch.Tensor  # [A] proofs of each answer
    members: torch.Tensor  # [A, P, L] 1.0 where the proof holds the answer's l-th literal
    literal_nodes: torch.Tensor  # [A, L] the column of the l-th literal's node
    positive_group: torch.Tensor  # [A, L] the literal's group if it is positive, else G
    negative_group: torch.Tensor  # [A, L] the literal's group if it is negated, else G
    partner: torch.Tensor  # [A, L] where the literal's negation is among the L, else L
    n_groups: int  # G: most groups of choices any answer's literals fall in
    #: each answer's proofs exclude each other and each proof's probability is the product
    #: of its literals': the disjunction's probability is the sum of the k proofs'
    exclusive: bool = False
    #: the table on other devices, and inclusion–exclusion's subsets, made once each
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def to(self, device: torch.device) -> ProofTable:
        if self.index.device == device:
            return self
        moved = self.cache.get(device)
        if moved is None:
            tensors = {name: getattr(self, name).to(device) for name in
                       ("index", "counts", "members", "literal_nodes", "positive_group",
                        "negative_group", "partner")}
            moved = self.cache[device] = ProofTable(self.nodes, n_groups=self.n_groups,
                                                    exclusive=self.exclusive, **tensors)
        return moved

    def answer_range(self, start: int, stop: int) -> ProofTable:
        """The table of answers start..stop-1 (and the answer without proofs)."""
        rows = list(range(start, stop)) + [self.index.shape[0] - 1]
        tensors = {name: getattr(self, name)[rows] for name in
                   ("index", "counts", "members", "literal_nodes", "positive_group",
                    "negative_group", "partner")}
        return ProofTable(self.nodes, n_groups=self.n_groups, exclusive=self.exclusive,
                          **tensors)

    def subsets(self, k: int, dtype: torch.dtype, device: torch.device):
        key = (k, dtype, device)
        if key not in self.cache:
            self.cache[key] = _subsets(k, dtype, device)
        return self.cache[key]


def topk_union(table: ProofTable, p: torch.Tensor, like: torch.Tensor, k: int,
               answers: list[int] | None = None) -> torch.Tensor:
    """[B, A]: per example, P(disjunction of the k most probable proofs of each answer), `p`
    [B, N] being the probabilities of `table.nodes`; with `answers` (per example an answer's
    index, -1 for none) [B, 1]: only each example's own answer."""
    batch, dtype, device = like.shape[0], like.dtype, like.device
    table = table.to(device)
    n_real = table.index.shape[0] - 1  # the last one is the answer without proofs
    n_answers = n_real if answers is None else 1
    if answers is not None:
        chosen = torch.tensor([a if a >= 0 else n_real for a in answers], device=device)
    most, width = table.index.shape[1], table.index.shape[2]
    if most == 0 or n_answers == 0:
        return torch.zeros(batch, n_answers, dtype=dtype, device=device)
    kept = min(k, most)
    if kept > MAX_K:
        raise InferenceError(f"top-k in a Module sums 2^k terms per answer: k={k}, with "
                             f"{most} proofs to choose from, is more than it allows ({MAX_K})",
                             hint=f"use k <= {MAX_K}, or the exact semantics")

    def per_example(tensor: torch.Tensor) -> torch.Tensor:
        """A per-answer tensor [A, ...] as [B, A', ...] for the chosen answers."""
        if answers is None:
            real = tensor[:n_real]
            return real.unsqueeze(0).expand(batch, *real.shape)
        return tensor[chosen].unsqueeze(1)

    p = p.to(dtype)
    columns = torch.cat([p, 1.0 - p, p.new_tensor([1.0, 0.0]).expand(batch, 2)],
                        dim=1)  # [B, 2N+2]
    index = per_example(table.index).reshape(batch, -1)
    weights = _product(columns.gather(1, index).reshape(batch, n_answers, most, width))
    if table.exclusive:  # (a missing proof weighs 0)
        return weights.topk(kept, dim=-1).values.sum(-1)
    span = table.members.shape[-1]
    step = max(1, CHUNK_ELEMENTS // (batch * ((1 << kept) - 1) * max(span, 1)))
    if answers is None and n_answers > step:  # bounded memory: answers in chunks
        return torch.cat([topk_union(table.answer_range(start, min(start + step, n_real)), p,
                                     like, k) for start in range(0, n_real, step)], dim=1)
    valid = torch.arange(most, device=device) < per_example(table.counts).unsqueeze(-1)
    weights = torch.where(valid, weights, torch.full_like(weights, -1.0))
    # ranked without gradient; a stable sort keeps the proofs' order among ties
    order = torch.sort(weights.detach(), dim=-1, descending=True, stable=True).indices
    order = order[..., :kept]  # [B, A', k]
    selected_valid = valid.gather(-1, order)
    members = per_example(table.members).to(dtype)
    span = members.shape[-1]
    selected = members.gather(2, order.unsqueeze(-1).expand(-1, -1, -1, span))  # [B, A', k, L]
    subsets, signs = table.subsets(kept, dtype, device)  # [S, k], [S]
    present = (torch.einsum("sk,bakl->basl", subsets, selected) > 0).to(dtype)  # [B, A', S, L]
    # each literal's node's probability; per group of choices, the conjunction's probability:
    # its one positive outcome's, or 1 - the negated outcomes' sum; two outcomes: impossible
    literal_p = columns.gather(1, per_example(table.literal_nodes).reshape(batch, -1))
    weighted = present * literal_p.reshape(batch, n_answers, 1, span)
    shape = (batch, n_answers, subsets.shape[0], table.n_groups + 1)

    def by_group(values: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
        where = per_example(groups).unsqueeze(2).expand(-1, -1, subsets.shape[0], -1)
        return values.new_zeros(shape).scatter_add(-1, where, values)

    positives = by_group(present, table.positive_group)
    positive_p = by_group(weighted, table.positive_group)
    negated_p = by_group(weighted, table.negative_group)
    zero = torch.zeros_like(positive_p)
    value = torch.where(positives == 0, 1.0 - negated_p,
                        torch.where(positives == 1, positive_p, zero))[..., :-1].prod(-1)
    padded = torch.cat([present, present.new_zeros(*present.shape[:-1], 1)], dim=-1)
    partner = per_example(table.partner).unsqueeze(2).expand(-1, -1, subsets.shape[0], -1)
    clash = (present * padded.gather(-1, partner)).sum(-1) > 0  # a literal and its negation
    missing = torch.einsum("sk,bak->bas", subsets, (~selected_valid).to(dtype)) > 0
    value = torch.where(clash | missing, torch.zeros_like(value), value)
    return (value * signs).sum(-1)


def _product(factors: torch.Tensor) -> torch.Tensor:
    """The product over the last dimension; a few multiplications for short proofs are
    cheaper than `prod` and its backward."""
    if factors.shape[-1] == 0 or factors.shape[-1] > 4:
        return factors.prod(-1)
    result = factors[..., 0]
    for i in range(1, factors.shape[-1]):
        result = result * factors[..., i]
    return result


def _subsets(k: int, dtype: torch.dtype, device: torch.device):
    """The 2^k - 1 non-empty subsets of k items as rows of 0/1, and their signs (+1 for odd
    sizes, -1 for even) in inclusion–exclusion."""
    masks = torch.arange(1, 1 << k, device=device)
    rows = ((masks.unsqueeze(1) >> torch.arange(k, device=device)) & 1).to(dtype)
    signs = 1.0 - 2.0 * ((rows.sum(1) + 1) % 2)
    return rows, signs
