"""Link predictors over a knowledge graph's constants: ComplEx as a neural predicate, and
learnable chain rules combined with it by noisy-or.

`ComplEx` is the network of the neural predicate `nn(complex, [X, R, Y]) :: rel(X, R, Y).`: it
maps constants to learned complex embeddings and scores a (head, relation) pair against every
entity at once (1-N scoring), so one forward pass gives the logits of `rel(h, r, Y)` for all Y.
Relations come in pairs: index `r` and its reciprocal `r + R` (`rel(Y, r, X)` asked as
`rel(X, r⁻¹, Y)`), the usual way of answering head queries with a tail predictor.

`RuleLinkPredictor` adds learned rules `t(_) :: rel(X, R, Y) :- rel(X, P, Z), rel(Z, Q, Y).`
(and one-step `rel(X, R, Y) :- rel(X, P, Y)`) whose bodies are certain training facts. Under
ProbLog's semantics with independent rule instances, the probability of `rel(x, r, y)` is the
noisy-or of the neural fact and every rule proof:

    P = 1 - (1 - sigmoid(s)) * prod_i (1 - w_i) ** n_i(x, y)

with n_i(x, y) the number of body paths x → y of rule i — the closed form
`nesy.neural.chain_rules` uses, here with a neural fact added to the disjunction. With
`counts` clipped to 0/1 (the link-prediction task's default) each rule has one choice per
(x, y) rather than per path: `w_i :: fire(i, X, Y)` added to the rule's body.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from nesy.errors import NeuralError


class ComplEx(torch.nn.Module):
    """ComplEx (Trouillon et al. 2016) with reciprocal relations; `forward(heads, relations)`
    gives the [B, E] logits of every entity as the tail."""

    def __init__(self, n_entities: int, n_relations: int, rank: int = 100, init: float = 1e-3):
        super().__init__()
        self.rank = rank
        self.entity = torch.nn.Embedding(n_entities, 2 * rank)
        self.relation = torch.nn.Embedding(2 * n_relations, 2 * rank)
        with torch.no_grad():
            self.entity.weight.mul_(init)
            self.relation.weight.mul_(init)

    def forward(self, heads: torch.Tensor, relations: torch.Tensor) -> torch.Tensor:
        return self.scores_and_factors(heads, relations)[0]

    def scores_and_factors(self, heads, relations):
        """Logits [B, E] and the embedding moduli the N3 regulariser reads (Lacroix et al.)."""
        k = self.rank
        h, r = self.entity(heads), self.relation(relations)
        h_re, h_im, r_re, r_im = h[:, :k], h[:, k:], r[:, :k], r[:, k:]
        e_re, e_im = self.entity.weight[:, :k], self.entity.weight[:, k:]
        q_re = h_re * r_re - h_im * r_im
        q_im = h_re * r_im + h_im * r_re
        logits = q_re @ e_re.t() + q_im @ e_im.t()
        return logits, (torch.sqrt(h_re ** 2 + h_im ** 2), torch.sqrt(r_re ** 2 + r_im ** 2))

    def triple_logits(self, heads, relations, tails) -> torch.Tensor:
        """[B] logits of the triples (heads[i], relations[i], tails[i]): the entries of
        `forward`'s rows at `tails`, without scoring every other entity."""
        k = self.rank
        h, r, t = self.entity(heads), self.relation(relations), self.entity(tails)
        h_re, h_im, r_re, r_im, t_re, t_im = (h[:, :k], h[:, k:], r[:, :k], r[:, k:],
                                              t[:, :k], t[:, k:])
        q_re = h_re * r_re - h_im * r_im
        q_im = h_re * r_im + h_im * r_re
        return (q_re * t_re + q_im * t_im).sum(-1)


class TripleScorer(torch.nn.Module):
    """The network of the neural predicate `nn(complex, [X, R, Y]) :: rel(X, R, Y).` as a
    `nesy.Module` calls it: each argument a [B] tensor of constant ids (`embed`), the [B] logits
    of the neural facts out (bind it with `logits=["complex"]`).

    `constants` lists the program's constants; `entity_rows` / `relation_rows` map each name
    to its row of the entity / relation embeddings (a name may be both)."""

    def __init__(self, complex_model: ComplEx, constants: list[str],
                 entity_rows: dict[str, int], relation_rows: dict[str, int],
                 bias: torch.Tensor | None = None):
        super().__init__()
        self.complex = complex_model
        self.ids = {c: i for i, c in enumerate(constants)}
        self.register_buffer("entity_rows", torch.tensor(
            [entity_rows.get(c, -1) for c in constants], dtype=torch.long), persistent=False)
        self.register_buffer("relation_rows", torch.tensor(
            [relation_rows.get(c, -1) for c in constants], dtype=torch.long), persistent=False)
        self.bias = bias

    def embed(self, term) -> torch.Tensor:
        """The id of a constant, as `nesy.Module(embed=...)` asks for it."""
        name = getattr(term, "functor", None)
        if name not in self.ids or getattr(term, "args", ()):
            raise NeuralError(f"complex has no embedding for {term!r}: not a constant of the "
                              "knowledge graph")
        return torch.tensor(self.ids[name])

    def forward(self, heads, relations, tails) -> torch.Tensor:
        rows = [self.entity_rows[heads.long()], self.relation_rows[relations.long()],
                self.entity_rows[tails.long()]]
        for row, what in zip(rows, ("an entity", "a relation", "an entity"), strict=True):
            if (row < 0).any():
                raise NeuralError(f"complex received a constant that is not {what}")
        logits = self.complex.triple_logits(*rows)
        return logits if self.bias is None else logits + self.bias


def adjacency(triples: list[tuple[int, int, int]], n_entities: int, n_relations: int):
    """[2R, E, E] 0/1 adjacency of every relation and its reciprocal."""
    a = torch.zeros(2 * n_relations, n_entities, n_entities)
    for h, r, t in triples:
        a[r, h, t] = 1.0
        a[r + n_relations, t, h] = 1.0
    return a


@dataclass(frozen=True)
class MinedRule:
    """A candidate rule for head relation `head`: body relations (one or two), the support and
    confidence it had on the training graph (how it was chosen; its weight is learned)."""

    head: int
    body: tuple[int, ...]
    support: int
    confidence: float


def mine_rules(adj: torch.Tensor, per_head: int, min_support: int = 2) -> list[list[MinedRule]]:
    """Candidate rules per head relation, the `per_head` of highest confidence on the training
    graph: bodies `P` (P ≠ head) and `P, Q`. Query-directed in the sense that only these
    candidates are grounded — never the full product of relations × entities × rules."""
    n = adj.shape[0]
    flat = adj.reshape(n, -1)  # [2R, E*E]
    # One step: support[r, p] = |A_r ∧ A_p|, body = |A_p|; two steps likewise over P·Q paths.
    support = [flat @ flat.t()]
    body = [flat.sum(1).expand(n, n)]
    for p in range(n):
        paths = (torch.matmul(adj[p].unsqueeze(0), adj) > 0).float().reshape(n, -1)  # [Q, E*E]
        support.append(flat @ paths.t())  # [head, Q]
        body.append(paths.sum(1).expand(n, n))
    support_all, body_all = torch.cat(support, 1), torch.cat(body, 1)  # [head, n + n*n]
    confidence = support_all / body_all.clamp(min=1)
    confidence[support_all < min_support] = -1.0
    confidence[torch.arange(n), torch.arange(n)] = -1.0  # r(X, Y) :- r(X, Y)
    k = min(per_head, confidence.shape[1])
    top_conf, top_index = confidence.topk(k, dim=1)
    rules: list[list[MinedRule]] = []
    for r in range(n):
        head_rules = []
        for c, j in zip(top_conf[r].tolist(), top_index[r].tolist(), strict=True):
            if c < 0:
                break
            b = (j,) if j < n else ((j - n) // n, (j - n) % n)
            head_rules.append(MinedRule(r, b, int(support_all[r, j]), c))
        rules.append(head_rules)
    return rules


def rule_counts(adj: torch.Tensor, rules: list[list[MinedRule]], per_head: int) -> torch.Tensor:
    """[2R, K, E, E] path counts n_i(x, y) of each head's rules (zeros pad missing rules)."""
    n, e, _ = adj.shape
    counts = torch.zeros(n, per_head, e, e)
    for r, head_rules in enumerate(rules):
        for i, rule in enumerate(head_rules):
            m = adj[rule.body[0]]
            for q in rule.body[1:]:
                m = m @ adj[q]
            counts[r, i] = m
    return counts


class RuleLinkPredictor(torch.nn.Module):
    """Noisy-or of a ComplEx neural fact and learned rules; `forward` gives log P [B, E]."""

    def __init__(self, complex_model: ComplEx, counts: torch.Tensor, mask: torch.Tensor,
                 initial: float = 0.1):
        super().__init__()
        self.complex = complex_model
        # [2R, K, E, E], a function of the training graph: rebuilt, never checkpointed
        self.register_buffer("counts", counts, persistent=False)
        self.register_buffer("mask", mask)  # [2R, K] 1 where a rule exists
        logit = torch.log(torch.tensor(initial) / (1 - torch.tensor(initial)))
        self.rule_logit = torch.nn.Parameter(torch.full(mask.shape, float(logit)))
        self.fact_bias = torch.nn.Parameter(torch.zeros(()))

    def weights(self) -> torch.Tensor:
        return torch.sigmoid(self.rule_logit) * self.mask

    def forward(self, heads: torch.Tensor, relations: torch.Tensor) -> torch.Tensor:
        return self.log_prob_and_factors(heads, relations)[0]

    def log_prob_and_factors(self, heads, relations):
        logits, factors = self.complex.scores_and_factors(heads, relations)
        log_not_w = torch.log1p(-self.weights().clamp(max=1 - 1e-6))  # [2R, K]
        n = self.counts[relations, :, heads, :]  # [B, K, E]
        log_not_rules = (n * log_not_w[relations].unsqueeze(-1)).sum(1)  # [B, E]
        log_false = F.logsigmoid(-(logits + self.fact_bias)) + log_not_rules
        log_prob = torch.log(-torch.expm1(log_false.clamp(max=-1e-7)))
        return log_prob, factors, log_false

    def ranking_scores(self, heads, relations) -> torch.Tensor:
        """logit P = log P - log(1 - P): ranks as P does, without float32's ties at P = 1."""
        log_prob, _, log_false = self.log_prob_and_factors(heads, relations)
        return log_prob - log_false


__all__ = ["ComplEx", "MinedRule", "RuleLinkPredictor", "TripleScorer", "adjacency",
           "mine_rules", "rule_counts"]
