"""Top-k's numeric half, batched on tensors: per example, the k most probable proofs of each
answer, then the exact probability of their disjunction.

The definition is `nesy.query`'s (`semiring.topk`): a proof is a distinct consistent set of
choice literals that derives the answer (every such set counts, a superset of another proof
included, as `AllProofOps` enumerates them); it weighs the product of its literals'
probabilities (p, or 1 - p for a negated choice); the k heaviest are kept, and the value is the
probability that at least one of them holds, outcomes of one annotated disjunction (or
categorical network) excluding each other. Proofs of probability 0 add nothing to it and are
not selected; among proofs of exactly equal weight `nesy.query` and `ProofTable` take the
smaller sorted literal list first, `ProofSearch` whichever its sort gives (why: `semiring.topk`,
on ties).

Two ways to select, one union:

- `ProofSearch` (used wherever it applies): a k-best search over the derivation DAG
  (`compile.ground2dag`), levelled once per query shape and run for the whole batch: per node
  and example, the k best proofs as (log-weight, hash, back-pointers); an AND combines its two
  children's k-lists (k x k candidates, the best k), an OR merges its children's and drops
  duplicates (one fact set reached by two derivations: equal hashes, a proof's hash being the
  sum of its literals' random 52-bit numbers, so two different sets collide with probability
  about 2^-52). The k best of an AND are
  among its children's k best, hence the search is exact, when its children share no literal
  and no group of choices in which either may pick a positive outcome (`proof_search_exact`,
  the condition `nesy.query`'s own pruning search obeys too: their proofs then join into
  distinct, consistent proofs weighing the product of theirs). Back-pointers
  then give each selected proof's literals. It never enumerates the proofs. Where moreover
  no AND joins two literals of one group and every OR's children hold different outcomes of
  some group in all their proofs (`exclusive`), every two proofs of an answer exclude each
  other and the union is the sum of the k weights.
- `ProofTable` (the rest): every proof enumerated once per shape (`compile.proof_table`) and
  ranked per example. It remains for three kinds of shape: few derivations (at most
  `RANK_ALL_PROOFS`: a gather, a product and a sort over each example's own answer's proofs
  cost less than a levelled search over every answer's DAG; digit addition N=1 and N=2), a
  cyclic program (no DAG: the proofs come from the fixpoint of `direct.DirectEvaluator`) and a
  DAG with an AND whose parts are not apart (`r :- p, q` with p's best proof conflicting with
  q's, or sharing a literal: the k best of the AND need not be made of its parts' k best, so
  only ranking every proof is exact).

`union_probability` is the disjunction's exact probability by inclusion–exclusion over the
2^k - 1 non-empty subsets of the selected proofs (a subset's conjunction: per group of choices,
its one positive outcome's probability, or 1 - the negated outcomes' sum; two outcomes, or an
outcome and its negation, make it impossible); it is differentiable in the probabilities.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import torch

from nesy.circuit.circuit import AND, FALSE, LIT, NOT, OR, TRUE, Circuit
from nesy.circuit.evaluate import width_chunks
from nesy.circuit.proof_search_exact import search_is_exact
from nesy.errors import InferenceError

#: inclusion–exclusion sums 2^k - 1 terms per answer and example
MAX_K = 14
#: elements of the [B, answers, 2^k - 1, literals] tensors past which answers go in chunks
CHUNK_ELEMENTS = 1 << 24
#: a literal's hash is drawn below 2^52, so sums over up to 2^11 literals stay exact in int64
HASH_BITS = 52
#: the positions of the two constants in a search's values: no proof, and the empty proof
ZERO, ONE = 0, 1
#: derivations of a shape's answers up to which a batch ranks every proof (`ProofTable`: a
#: gather, a product and a sort) rather than search (a few tensor ops per level of the DAG)
RANK_ALL_PROOFS = 100_000


def worth_searching(circuit: Circuit) -> bool:
    """Whether the derivations below the roots (an upper bound on their distinct proofs) are
    too many to rank them all per example (`RANK_ALL_PROOFS`)."""
    count: list[int] = []
    for kind, data in zip(circuit.kinds, circuit.data, strict=True):
        if kind == AND:
            value = 1
            for child in data:
                value *= count[child]
        elif kind == OR:
            value = sum(count[child] for child in data)
        elif kind == NOT:
            value = count[data[0]]
        else:
            value = int(kind != FALSE)
        count.append(min(value, RANK_ALL_PROOFS + 1))
    return sum(count[r] for r in circuit.roots) > RANK_ALL_PROOFS


def _check_k(k: int, most: int) -> int:
    kept = min(k, most)
    if kept > MAX_K:
        raise InferenceError(f"top-k in a Module sums 2^k terms per answer: k={k}, with "
                             f"{most} proofs to choose from, is more than it allows ({MAX_K})",
                             hint=f"use k <= {MAX_K}, or the exact semantics")
    return kept


# ----------------------------------------------------------------------------- the DAG search


@dataclass
class ProofSearch:
    """A derivation DAG levelled for the k-best search (symbolic, once per query shape).

    Literal codes: c is choice column c true, n + c false (`nodes` are the columns). Positions:
    0 no proof, 1 the empty proof, then one per literal leaf (`leaf_codes`), then the gates, an
    AND of m children as m - 1 binary ANDs (the two lowest parts first). `steps`: per depth
    and kind (ORs in chunks of similar width), (kind, children positions, first output
    position); a step's outputs are contiguous."""

    nodes: list[int]
    groups: list[int]  # per column: its group of choices, numbered
    leaf_codes: list[int]
    steps: list[tuple[int, list[list[int]], int]]
    roots: list[int]
    size: int
    depth: int  # the most gate levels below a root: the back-trace's steps
    width: int  # the most literals in one proof
    #: every two proofs of an answer exclude each other, and each weighs its probability:
    #: the disjunction's probability is the sum of the k proofs'
    exclusive: bool = False
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    @staticmethod
    def from_dag(circuit: Circuit, nodes: list[int], group_of: dict[int, object]) \
            -> ProofSearch | None:
        """The search over `circuit` (variable i is choice `nodes[i - 1]`, `group_of` a choice's
        group), or None where two parts of an AND are not apart (`search_is_exact`: the search
        would not be exact). Refuses a negated derived atom, as `nesy.query` does."""
        numbered = {g: i for i, g in enumerate(dict.fromkeys(group_of[n] for n in nodes))}
        groups = [numbered[group_of[n]] for n in nodes]
        if not search_is_exact(circuit, groups):
            return None
        n = len(nodes)
        position: dict[int, int] = {}
        # position -> bit masks of the literal codes, the groups and the groups with a
        # positive outcome below it
        masks: dict[int, tuple[int, int, int]] = {ZERO: (0, 0, 0), ONE: (0, 0, 0)}
        longest: dict[int, int] = {ZERO: 0, ONE: 0}
        height: dict[int, int] = {ZERO: 0, ONE: 0}
        leaf_codes: list[int] = []
        leaf_of: dict[int, int] = {}
        gates: list[tuple[int, list[int], int]] = []  # (kind, child positions, depth)

        def leaf(code: int) -> int:
            if code not in leaf_of:
                leaf_of[code] = 2 + len(leaf_codes)
                leaf_codes.append(code)
            return leaf_of[code]

        for node, (kind, data) in enumerate(zip(circuit.kinds, circuit.data, strict=True)):
            if kind in (FALSE, TRUE):
                position[node] = ONE if kind == TRUE else ZERO
                continue
            if kind == LIT or kind == NOT:
                # a NOT is over a literal (`search_is_exact` refused any other)
                var = -circuit.data[data[0]] if kind == NOT else data
                column = abs(var) - 1
                position[node] = leaf(column if var > 0 else n + column)
                continue
            position[node] = -1 - len(gates)  # provisional: gates are placed after the leaves
            gates.append((kind, list(data), 0))
        first_gate = 2 + len(leaf_codes)
        # position -> {group: positive code} held by every proof below it; with `strict` (no
        # AND joins two literals of one group), ORs whose children's such outcomes differ
        # pairwise make every two proofs of a root exclude each other
        forced: dict[int, dict[int, int]] = {ZERO: {}, ONE: {}}
        strict = exclusive = True
        for code, at in leaf_of.items():
            group = 1 << groups[code % n]
            masks[at] = (1 << code, group, group if code < n else 0)
            longest[at], height[at] = 1, 0
            forced[at] = {groups[code]: code} if code < n else {}
        placed: list[tuple[int, list[int], int]] = []  # binary ANDs, n-ary ORs, children first

        def resolve(node_position: int) -> int:
            return node_position if node_position >= 0 else final[-1 - node_position]

        final: list[int] = []
        for kind, children, _ in gates:
            children = [resolve(position_of) for position_of in
                        (position[c] for c in children)]
            if kind == AND:
                # binary ANDs, the two lowest parts first: the search's levels stay few (a
                # chain's leaves join each other early, beside the chain, not after it)
                parts = [(height[c], i, c) for i, c in enumerate(children)]
                heapq.heapify(parts)
                while len(parts) > 1:
                    (_, i, left), (_, _, right) = heapq.heappop(parts), heapq.heappop(parts)
                    strict = strict and not masks[left][1] & masks[right][1]
                    at = first_gate + len(placed)
                    placed.append((AND, [left, right], 1 + max(height[left], height[right])))
                    masks[at] = tuple(a | b for a, b in zip(masks[left], masks[right],
                                                            strict=True))
                    height[at] = placed[-1][2]
                    longest[at] = longest[left] + longest[right]
                    forced[at] = forced[left] | forced[right]
                    heapq.heappush(parts, (height[at], i, at))
                final.append(parts[0][2])
            else:
                at = first_gate + len(placed)
                placed.append((OR, children, 1 + max(height[c] for c in children)))
                mask = (0, 0, 0)
                for child in children:
                    mask = tuple(a | b for a, b in zip(mask, masks[child], strict=True))
                masks[at], height[at] = mask, placed[-1][2]
                longest[at] = max(longest[c] for c in children)
                common = set.intersection(*(set(forced[c].items()) for c in children))
                forced[at] = dict(common)
                exclusive = exclusive and _outcomes_differ([forced[c] for c in children])
                final.append(at)
        # renumber: gates grouped by (depth, kind), ORs in chunks of similar width, each
        # step's outputs contiguous
        levels: dict[tuple[int, int], list[int]] = {}
        for i, (kind, _, depth) in enumerate(placed):
            levels.setdefault((depth, kind), []).append(i)
        def width(i: int) -> int:
            return len(placed[i][1])

        chunks = [chunk for (_, kind), members in sorted(levels.items())
                  for chunk in (width_chunks(members, width) if kind == OR else [members])]
        order = [i for chunk in chunks for i in chunk]
        renumber = {first_gate + i: first_gate + rank for rank, i in enumerate(order)}

        def moved(at: int) -> int:
            return renumber.get(at, at)

        steps: list[tuple[int, list[list[int]], int]] = []
        start = first_gate
        for chunk in chunks:
            steps.append((placed[chunk[0]][0], [[moved(c) for c in placed[i][1]] for i in chunk],
                          start))
            start += len(chunk)
        roots = [moved(resolve(position[r])) for r in circuit.roots]
        root_depth = max((height[resolve(position[r])] for r in circuit.roots), default=0)
        root_width = max((longest[resolve(position[r])] for r in circuit.roots), default=0)
        return ProofSearch(nodes, groups, leaf_codes, steps, roots, first_gate + len(placed),
                           root_depth, max(root_width, 1), strict and exclusive)

    def _tensors(self, device: torch.device):
        if device not in self.cache:
            def long(values) -> torch.Tensor:
                return torch.tensor(values, dtype=torch.long, device=device)

            steps = []
            for kind, children, start in self.steps:
                if kind == AND:
                    steps.append((kind, long([c[0] for c in children]),
                                  long([c[1] for c in children]), start))
                    continue
                width = max(len(c) for c in children)
                steps.append((kind, long([c + [ZERO] * (width - len(c)) for c in children]),
                              None, start))
            n = len(self.nodes)
            generator = torch.Generator().manual_seed(0)
            hashes = torch.randint(1, 1 << HASH_BITS, (2 * n + 1,), generator=generator)
            self.cache[device] = (steps, long(self.leaf_codes or [-1]), long(self.roots),
                                  hashes.to(device), long(self.groups))
        return self.cache[device]

    def _entry_bases(self, device: torch.device, batch: int, k: int) -> list:
        """Per step, the flat entry (position * B + b) * k of its children's first proofs, per
        example: an AND's two [n, B, 1], an OR's [n, B, width]; last, the leaves' [L, B, 1]."""
        key = (device, batch, k)
        if key not in self.cache:
            steps = self._tensors(device)[0]
            rows = torch.arange(batch, device=device).view(1, -1, 1) * k

            def base(position: torch.Tensor) -> torch.Tensor:
                return position.unsqueeze(1) * (batch * k) + rows

            bases = [(base(index.view(-1, 1)), base(other.view(-1, 1))) if kind == AND
                     else base(index) for kind, index, other, _ in steps]
            leaves = torch.arange(2, 2 + len(self.leaf_codes), device=device)
            self.cache[key] = bases + [base(leaves.view(-1, 1))]
        return self.cache[key]

    def select(self, p: torch.Tensor, k: int, answers: list[int] | None = None):
        """The k best proofs of each root (or of each example's own, `answers`), per example:
        their literal codes [B, A, k, width] (-1 pads) and which exist [B, A, k]."""
        batch, device = p.shape[0], p.device
        steps, leaf_codes, roots, hashes, _ = self._tensors(device)
        n_leaves = len(self.leaf_codes)
        with torch.no_grad():
            # position-major [P, B, k]; an entry is its flat index (position * B + b) * k + rank
            logw = torch.cat([p, 1.0 - p], dim=1).to(torch.float64).log().T
            # every gate's entries are written below; a back-pointer is read only from an
            # entry with a proof (its children have proofs too)
            first_gate = 2 + n_leaves
            score = torch.empty(self.size, batch, k, dtype=torch.float64, device=device)
            score[:first_gate] = -torch.inf
            digest = torch.zeros(first_gate if self.exclusive else self.size, batch, k,
                                 dtype=torch.long, device=device)
            back = torch.empty(self.size, batch, k, 2, dtype=torch.long, device=device)
            back[:first_gate] = -1
            bases = self._entry_bases(device, batch, k)  # per step: its children's entry 0
            score[ONE, :, 0] = 0.0
            score[2:2 + n_leaves, :, 0] = logw[leaf_codes[:n_leaves]]
            digest[2:2 + n_leaves, :, 0] = hashes[leaf_codes[:n_leaves]].view(-1, 1)
            # a leaf's proof is itself
            back[2:2 + n_leaves, :, :1, 0] = bases[-1]
            for (kind, index, other, start), base in zip(steps, bases, strict=False):
                out = slice(start, start + index.shape[0])
                if kind == AND:
                    left, right = score[index], score[other]  # [n, B, k]
                    best, which = (left.unsqueeze(-1) + right.unsqueeze(-2)).flatten(-2).topk(k)
                    first, second = which // k, which % k
                    score[out] = best
                    if not self.exclusive:
                        digest[out] = digest[index].gather(-1, first) + \
                            digest[other].gather(-1, second)
                    back[out] = torch.stack([base[0] + first, base[1] + second], dim=-1)
                    continue
                # OR: the children's k-lists merged, one copy of each fact set kept (its best;
                # exclusive children hold no fact set twice)
                candidates = score[index].permute(0, 2, 1, 3).flatten(-2)  # [n, B, width * k]
                if self.exclusive:
                    best, source = candidates.topk(k)
                else:
                    hashed = digest[index].permute(0, 2, 1, 3).flatten(-2)
                    by_score = candidates.sort(dim=-1, descending=True, stable=True).indices
                    by_hash = hashed.gather(-1, by_score).sort(dim=-1, stable=True).indices
                    order = by_score.gather(-1, by_hash)
                    ranked, hashed = candidates.gather(-1, order), hashed.gather(-1, order)
                    repeated = torch.zeros_like(hashed, dtype=torch.bool)
                    repeated[..., 1:] = hashed[..., 1:] == hashed[..., :-1]
                    best, which = ranked.masked_fill(repeated, -torch.inf).topk(k)
                    source = order.gather(-1, which)  # [n, B, k]: slot * k + rank
                    digest[out] = hashed.gather(-1, which)
                # the child's entry 0 (`base`: [n, B, width]) plus the rank
                slot = source // k
                score[out] = best
                back[out, :, :, 0] = base.gather(-1, slot) + (source - slot * k)
                back[out, :, :, 1] = -1
            # the back-trace: each selected proof's frontier of entries, gates replaced by
            # their children until only leaves are left
            chosen = roots.view(1, -1).expand(batch, -1) if answers is None else \
                roots[torch.tensor([max(a, 0) for a in answers], device=device)].view(-1, 1)
            firsts = (chosen * batch + torch.arange(batch, device=device).view(-1, 1)) * k
            frontier = firsts.unsqueeze(-1) + torch.arange(k, device=device)  # [B, A, k]
            valid = score.view(-1)[frontier] > -torch.inf
            if answers is not None:
                missing = torch.tensor([a < 0 for a in answers], device=device).view(-1, 1, 1)
                valid = valid & ~missing
            frontier = frontier.masked_fill(~valid, -1).unsqueeze(-1)
            entries = back.view(-1, 2)
            for _ in range(self.depth):
                children = entries[frontier.clamp_min(0)]  # [B, A, k, F, 2]
                children = children.masked_fill((frontier < 0).unsqueeze(-1), -1).flatten(-2)
                if children.shape[-1] > self.width:
                    keep = (children < 0).to(torch.int8).sort(dim=-1, stable=True).indices
                    children = children.gather(-1, keep[..., :self.width])
                frontier = children
            at = frontier // (batch * k) - 2  # a leaf's place in `leaf_codes` (constants: < 0)
            codes = torch.where((frontier >= 0) & (at >= 0), leaf_codes[at.clamp_min(0)], -1)
        return codes, valid

    def union(self, p: torch.Tensor, like: torch.Tensor, k: int,
              answers: list[int] | None = None) -> torch.Tensor:
        """[B, A] (or [B, 1] with `answers`): P(disjunction of the k best proofs)."""
        if not self.roots:
            return torch.zeros(like.shape[0], 0 if answers is None else 1, dtype=like.dtype,
                               device=like.device)
        # an exclusive DAG's proofs are summed: no 2^k subsets, any k
        kept = k if self.exclusive else _check_k(k, k)
        codes, valid = self.select(p, kept, answers)
        p = p.to(like.dtype)
        if self.exclusive:
            return _weights(codes, p).masked_fill(~valid, 0.0).sum(-1)
        return union_probability(codes, valid, p, self._tensors(p.device)[4])


# ----------------------------------------------------------------------------- every proof


@dataclass
class ProofTable:
    """Every proof of each of A answers (and, last, of none), padded to P proofs of W literal
    codes (c: column c true, n + c: false, -1: padding) over the choices `nodes`."""

    nodes: list[int]
    groups: list[int]  # per column: its group of choices, numbered
    codes: torch.Tensor  # [A + 1, P, W]
    counts: torch.Tensor  # [A + 1] proofs of each answer
    #: each answer's proofs exclude each other and each proof's probability is the product
    #: of its literals': the disjunction's probability is the sum of the k proofs'
    exclusive: bool = False
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def _tensors(self, device: torch.device):
        if device not in self.cache:
            self.cache[device] = (self.codes.to(device), self.counts.to(device),
                                  torch.tensor(self.groups, dtype=torch.long, device=device))
        return self.cache[device]

    def union(self, p: torch.Tensor, like: torch.Tensor, k: int,
              answers: list[int] | None = None) -> torch.Tensor:
        """[B, A] (or [B, 1] with `answers`): per example, P(disjunction of the k most
        probable proofs of each answer), `p` [B, N] the probabilities of `nodes`."""
        batch, dtype, device = like.shape[0], like.dtype, like.device
        codes, counts, groups = self._tensors(device)
        n_real = codes.shape[0] - 1  # the last one is the answer without proofs
        if answers is not None:
            chosen = torch.tensor([a if a >= 0 else n_real for a in answers], device=device)
            codes, counts = codes[chosen].unsqueeze(1), counts[chosen].unsqueeze(1)
        else:
            codes = codes[:n_real].unsqueeze(0).expand(batch, -1, -1, -1)
            counts = counts[:n_real].unsqueeze(0).expand(batch, -1)
        n_answers, most = codes.shape[1], codes.shape[2]
        if most == 0 or n_answers == 0:
            return torch.zeros(batch, n_answers, dtype=dtype, device=device)
        kept = _check_k(k, most)
        p = p.to(dtype)
        weights = _weights(codes, p)  # [B, A, P]
        valid = torch.arange(most, device=device) < counts.unsqueeze(-1)
        weights = torch.where(valid, weights, torch.full_like(weights, -1.0))
        if self.exclusive:
            return weights.clamp_min(0.0).topk(kept, dim=-1).values.sum(-1)
        # ranked without gradient; a stable sort keeps the proofs' order among ties
        order = torch.sort(weights.detach(), dim=-1, descending=True, stable=True).indices
        order = order[..., :kept]  # [B, A, k]
        selected = codes.gather(2, order.unsqueeze(-1).expand(-1, -1, -1, codes.shape[-1]))
        return union_probability(selected, valid.gather(-1, order), p, groups)


# ----------------------------------------------------------------------------- the union


def union_probability(codes: torch.Tensor, valid: torch.Tensor, p: torch.Tensor,
                      groups: torch.Tensor) -> torch.Tensor:
    """[B, A]: P(at least one of k proofs holds) per example and answer, exactly, by
    inclusion–exclusion; `codes` [B, A, k, W] each proof's literal codes (-1 pads), `valid`
    [B, A, k] which proofs exist, `p` [B, n] the choices' probabilities (differentiable),
    `groups` [n] each choice's group (a group's outcomes exclude each other)."""
    batch, n_answers, k, width = codes.shape
    if n_answers == 0 or k == 0:
        return p.new_zeros(batch, n_answers)
    span = k * width
    subsets, signs = _subsets(k, p.dtype, p.device)
    step = max(1, CHUNK_ELEMENTS // (batch * subsets.shape[0] * max(span, 1) * 2))
    if n_answers > step:  # bounded memory: answers in chunks
        return torch.cat([union_probability(codes[:, i:i + step], valid[:, i:i + step], p,
                                            groups) for i in range(0, n_answers, step)], dim=1)
    n = p.shape[1]
    if n == 0:  # no choices: every proof is empty (a column to read, never used)
        p, groups, n = p.new_zeros(batch, 1), groups.new_zeros(1), 1
    flat = codes.reshape(batch, n_answers, span)
    held = flat >= 0
    # one slot per distinct literal (its first occurrence); members[j, l]: proof j holds it
    same = (flat.unsqueeze(-1) == flat.unsqueeze(-2)) & held.unsqueeze(-1)
    earlier = torch.ones(span, span, dtype=torch.bool, device=p.device).tril(-1)
    canonical = held & ~(same & earlier).any(-1)
    members = same.view(batch, n_answers, k, width, span).any(3) & canonical.unsqueeze(2) \
        & valid.unsqueeze(-1)
    code = flat.clamp_min(0)
    positive = code < n
    column = code % n
    # its outcome's probability (a negated outcome's counts against its group's 1)
    literal_p = p.gather(1, column.view(batch, -1)).view(flat.shape)
    both = canonical.unsqueeze(-1) & canonical.unsqueeze(-2)
    group = groups[column]
    same_group = (group.unsqueeze(-1) == group.unsqueeze(-2)) & both
    slot = torch.where(canonical, same_group.to(torch.int8).argmax(-1), span)
    positive_group = torch.where(positive, slot, span)
    negative_group = torch.where(positive, span, slot)
    negation = torch.where(positive, code + n, code - n)
    opposite = (negation.unsqueeze(-1) == code.unsqueeze(-2)) & both
    partner = torch.where(opposite.any(-1), opposite.to(torch.int8).argmax(-1), span)

    dtype = p.dtype
    present = (torch.einsum("sk,bakl->basl", subsets, members.to(dtype)) > 0).to(dtype)
    weighted = present * literal_p.unsqueeze(2)
    shape = (batch, n_answers, subsets.shape[0], span + 1)

    def by_group(values: torch.Tensor, where: torch.Tensor) -> torch.Tensor:
        where = where.unsqueeze(2).expand(-1, -1, subsets.shape[0], -1)
        return values.new_zeros(shape).scatter_add(-1, where, values)

    # per group: its one positive outcome's probability, or 1 - the negated outcomes' sum;
    # two positive outcomes: impossible
    positives = by_group(present, positive_group)
    positive_p = by_group(weighted, positive_group)
    negated_p = by_group(weighted, negative_group)
    value = torch.where(positives == 0, 1.0 - negated_p,
                        torch.where(positives == 1, positive_p, torch.zeros_like(positive_p)))
    value = value[..., :-1].prod(-1)
    padded = torch.cat([present, present.new_zeros(*present.shape[:-1], 1)], dim=-1)
    against = partner.unsqueeze(2).expand(-1, -1, subsets.shape[0], -1)
    clash = (present * padded.gather(-1, against)).sum(-1) > 0  # a literal and its negation
    missing = torch.einsum("sk,bak->bas", subsets, (~valid).to(dtype)) > 0
    value = torch.where(clash | missing, torch.zeros_like(value), value)
    return (value * signs).sum(-1)


def _weights(codes: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """[B, ...]: each proof's weight, the product of its literals' probabilities, from `codes`
    [B, ..., W] (-1 pads) and `p` [B, n]."""
    n = p.shape[1]
    # literal columns of [p | 1 - p | 1]: short proofs are padded with 1
    columns = torch.cat([p, 1.0 - p, p.new_ones(p.shape[0], 1)], dim=1)
    index = torch.where(codes < 0, 2 * n, codes).reshape(codes.shape[0], -1)
    return _product(columns.gather(1, index).reshape(codes.shape))


def _outcomes_differ(children: list[dict[int, int]], most_pairs: int = 4096) -> bool:
    """Whether every two of an OR's children hold different positive outcomes of some group in
    all their proofs (`children`: each one's {group: code} held by every proof): at once where
    the groups all of them hold tell them apart, else pair by pair (up to `most_pairs`)."""
    common = set.intersection(*(set(c) for c in children))
    keys = {tuple(c[g] for g in sorted(common)) for c in children}
    if len(keys) == len(children):
        return True
    if len(children) * (len(children) - 1) // 2 > most_pairs:
        return False  # not worth checking: inclusion–exclusion is exact too
    return all(any(g in b and b[g] != code for g, code in a.items())
               for i, a in enumerate(children) for b in children[:i])


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
