"""Probabilities of linear constraints over independent random integers, on tensors.

A neural predicate with an integer domain, whose output only flows into `is/2` arithmetic,
stays symbolic: `Z is X + 10*Y` builds a LinearExpr, never 10^N worlds. Here such expressions
become distributions: small supports by batched convolution; equalities with huge supports
(N-digit sums) by a carry DP over the coefficient levels (1, 10, 100, ...), polynomial in N.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from nesy.arith import COMPARISONS, LinearExpr
from nesy.errors import InferenceError, LimitError
from nesy.limits import Limits


@functools.lru_cache(maxsize=4096)
def _scatter_index(size: int, offsets: tuple[int, ...]) -> torch.Tensor:
    return (torch.arange(size).unsqueeze(1) + torch.tensor(offsets).unsqueeze(0)).reshape(1, -1)


def _add_term(dist: torch.Tensor | None, low: int, coef: int, values: list[int],
              probs: torch.Tensor):
    """Distribution [B, S] over low..low+S-1 plus coef*X, X over `values` with probs [B, D].

    `dist` None stands for the point mass at `low` (the start of a sum).
    """
    if coef < 0:
        coef, values = -coef, [-v for v in values]
    vmin = min(values)
    offsets = tuple(coef * (v - vmin) for v in values)
    if dist is None and offsets == tuple(range(len(values))):
        return probs, low + coef * vmin  # already dense over consecutive values
    if dist is None:
        dist = torch.ones(probs.shape[0], 1, dtype=probs.dtype, device=probs.device)
    size = dist.shape[1]
    index = _scatter_index(size, offsets).to(dist.device)
    joint = (dist.unsqueeze(2) * probs.unsqueeze(1)).reshape(dist.shape[0], -1)
    out = torch.zeros(dist.shape[0], size + max(offsets), dtype=dist.dtype, device=dist.device)
    out = out.scatter_add(1, index.expand(dist.shape[0], -1), joint)
    return out, low + coef * vmin


def support_size(expr: LinearExpr, domains) -> int:
    return sum(abs(c) * (max(domains[g]) - min(domains[g])) for c, g in expr.terms) + 1


def check_support(expr: LinearExpr, domains, limits: Limits) -> None:
    """A LimitError where `expr` takes more values than a dense distribution may hold."""
    size = support_size(expr, domains)
    if size > limits.max_distribution_size:
        raise LimitError(f"the distribution of {expr} has {size} values",
                         "max_distribution_size", limits.max_distribution_size)


def dense_distribution(expr: LinearExpr, domains, probs, like: torch.Tensor,
                       limits: Limits = Limits()):
    """(values, [B, S] probabilities) of `expr` by successive convolution."""
    check_support(expr, domains, limits)
    dist = None
    low = expr.const
    for coef, group in expr.terms:
        dist, low = _add_term(dist, low, coef, list(domains[group]), probs[group])
    return list(range(low, low + dist.shape[1])), dist


def constraint_probability(op: str, expr: LinearExpr, target, domains, probs,
                           like: torch.Tensor, limits: Limits = Limits(),
                           log: bool = False) -> torch.Tensor:
    """P(expr op target) per example (its log with `log`, which the carry DP computes without
    underflow); `target` is an int, a [B] tensor, or a list of ints. `probs` (group -> [B, D])
    are converted to `like`'s dtype here."""
    domain_items = tuple((g, tuple(domains[g])) for g in expr.groups())
    method = _method(op, expr, domain_items, limits.max_distribution_size)
    if method == "carry":  # converts once, after stacking the groups
        return _carry_dp(expr, target, domain_items, probs, like, limits, log=log)
    probs = {g: p if p.dtype == like.dtype else p.to(like.dtype) for g, p in probs.items()}
    if method == "point":
        p = _dense_equality(expr, target, domains, probs, like, limits, domain_items)
    elif method == "dense":
        values, dist = dense_distribution(expr, domains, probs, like, limits)
        value_tensor = torch.tensor(values, dtype=torch.float64, device=like.device)
        target_tensor = _as_float(target, like.shape[0], like.device)
        mask = COMPARISONS_T[op](value_tensor.unsqueeze(0), target_tensor.unsqueeze(1))
        p = (dist * mask.to(dist.dtype)).sum(1)
    else:
        raise LimitError(f"the comparison {expr} {op} ... ranges over too many values",
                         "max_distribution_size", limits.max_distribution_size)
    return p.clamp_min(torch.finfo(p.dtype).tiny).log() if log else p


DENSE_EQUALITY_LIMIT = 2000  # above this, equalities over positional sums use the carry DP


@functools.lru_cache(maxsize=4096)
def _method(op: str, expr: LinearExpr, domain_items: tuple, max_size: int) -> str:
    """How to evaluate `expr op target`: one point of the last convolution, the whole dense
    distribution, or the carry DP; decided once per expression."""
    domains = dict(domain_items)
    size = support_size(expr, domains)
    if op == "=:=" and size > DENSE_EQUALITY_LIMIT and _positional(expr, domains):
        return "carry"
    if size > max_size:
        return "carry" if op == "=:=" else "too large"
    return "point" if op == "=:=" else "dense"


def _positional(expr: LinearExpr, domains) -> bool:
    units = sorted({c for c, _ in expr.terms})
    return (all(c > 0 and min(domains[g]) >= 0 for c, g in expr.terms)
            and all(b % a == 0 for a, b in zip(units, units[1:], strict=False)))


COMPARISONS_T = {
    "<": torch.lt, ">": torch.gt, "=<": torch.le, ">=": torch.ge, "=:=": torch.eq, "=\\=": torch.ne,
}
assert set(COMPARISONS_T) == set(COMPARISONS)


@functools.lru_cache(maxsize=1024)
def _equality_plan(expr: LinearExpr, domain_items: tuple):
    """What `_dense_equality` needs that depends only on the expression: cached."""
    domains = dict(domain_items)
    *rest, (coef, group) = expr.terms
    values = list(domains[group])
    flip = coef < 0
    if flip:
        coef, values = -coef, [-v for v in values][::-1]
    if values != list(range(values[0], values[0] + len(values))):
        return None
    head = LinearExpr(tuple(rest), expr.const)
    low = expr.const + sum(min(c * v for v in domains[g]) for c, g in rest)
    size = support_size(head, domains) if rest else 1
    # coef * v = t - s for each s in the support of the head: for coef 1, v's column in the
    # last distribution padded by a zero on each side is t - (s + first - 1)
    return head if rest else None, group, coef, values[0], len(values), flip, \
        torch.arange(low, low + size).unsqueeze(0), \
        torch.arange(low + values[0] - 1, low + values[0] - 1 + size).unsqueeze(0)


def _dense_equality(expr: LinearExpr, target, domains, probs, like, limits,
                    domain_items: tuple) -> torch.Tensor:
    """P(expr = target): the distribution of all terms but the last, then one point of the
    last convolution per example (no full distribution of the sum is built)."""
    plan = _equality_plan(expr, domain_items)
    if plan is None:  # irregular last domain: read the target off the whole distribution
        support, dist = dense_distribution(expr, domains, probs, like, limits)
        index = _as_index(target, support[0], len(support), like.shape[0], like.device)
        padded = torch.cat([dist, torch.zeros_like(dist[:, :1])], dim=1)
        return padded.gather(1, index.unsqueeze(1)).squeeze(1)
    head, group, coef, first, count, flip, support, padded_columns = plan
    dist = dense_distribution(head, domains, probs, like, limits)[1] if head is not None else None
    last = probs[group].flip(1) if flip else probs[group]
    target = _as_long(target, like.shape[0], like.device).unsqueeze(1)
    if coef == 1:  # the common case in few ops: out-of-range columns read a zero pad
        index = (target - _on(padded_columns, like.device)).clamp(0, count + 1)
        picked = torch.nn.functional.pad(last, (1, 1)).gather(1, index)
    else:
        offset = target - _on(support, like.device) - coef * first
        index = torch.div(offset, coef, rounding_mode="floor")
        valid = (index >= 0) & (index < count) & (offset == index * coef)
        picked = last.gather(1, index.clamp(0, count - 1)) * valid
    return (picked * dist).sum(1) if dist is not None else picked.squeeze(1)


def _on(tensor: torch.Tensor, device) -> torch.Tensor:
    return tensor if tensor.device == device else tensor.to(device)


def _as_long(target, batch: int, device) -> torch.Tensor:
    if isinstance(target, torch.Tensor):
        if target.dtype == torch.long and target.dim() == 1 and target.device == device:
            return target
        return target.to(device=device, dtype=torch.long).reshape(-1)
    if isinstance(target, int):
        return torch.full((batch,), target, dtype=torch.long, device=device)
    return torch.tensor(_targets_list(target, batch), dtype=torch.long, device=device)


def _targets_list(target, batch: int) -> list[int]:
    if isinstance(target, int):
        return [target] * batch
    if isinstance(target, torch.Tensor):
        return [int(t) for t in target.tolist()]
    return [int(t) for t in target]


def _as_index(target, low: int, size: int, batch: int, device) -> torch.Tensor:
    """Index of each target in low..low+size-1, or `size` (a zero column) when outside."""
    if isinstance(target, torch.Tensor) and target.dtype == torch.long:
        index = target.to(device) - low
    else:
        index = torch.tensor([t - low for t in _targets_list(target, batch)], dtype=torch.long,
                             device=device) if not isinstance(target, int) else \
            torch.full((batch,), target - low, dtype=torch.long, device=device)
    return torch.where((index >= 0) & (index < size), index, torch.full_like(index, size))


def _as_float(target, batch: int, device) -> torch.Tensor:
    if isinstance(target, torch.Tensor):
        return target.to(device=device, dtype=torch.float64)
    return torch.tensor(_targets_list(target, batch), dtype=torch.float64, device=device)


def _carry_levels(expr: LinearExpr, domains, limits: Limits) -> tuple[dict, list[int]]:
    """The carry DP's coefficient levels (coefficient -> its groups) and their units in order;
    a LimitError unless every term is non-negative and each unit divides the next."""
    levels: dict[int, list] = {}
    for coef, group in expr.terms:
        if coef <= 0 or min(domains[group]) < 0:
            raise LimitError(f"{expr} = ... is too large to expand and has negative parts",
                             "max_distribution_size", limits.max_distribution_size)
        levels.setdefault(coef, []).append(group)
    units = sorted(levels)
    if any(upper % lower for lower, upper in zip(units, units[1:], strict=False)):
        raise LimitError(f"{expr} = ... is too large to expand and its coefficients are not "
                         "positional (each must divide the next)", "max_distribution_size",
                         limits.max_distribution_size)
    return levels, units


#: the log of an impossible transition in the carry DP: finite (no NaN gradients through
#: logsumexp), far below any reachable log-probability, and summable thousands of times
_IMPOSSIBLE = -1e250


@dataclass(frozen=True)
class _LevelBlock:
    """Levels whose groups have the same domains, summed together as one batch of levels:
    per position p, the p-th group of each level and the 0/1 matrix [S * D_p, S'] that adds
    its values (offsets from the domain's minimum) to a distribution over S values."""

    levels: tuple[int, ...]
    groups: tuple[tuple, ...]  # per position: the group of each level
    spreads: tuple  # per position: [S * D_p, S'] float tensor, None for an identity
    width: int  # S of the block's level sums


@dataclass(frozen=True)
class _CarryPlan:
    """What the carry DP needs that depends only on the expression and the domains.

    Level j sums the groups of coefficient units[j] over lows[j] .. lows[j] + width - 1. Its
    transfer matrix [C, C] from the carry c into it to the carry k out of it reads the level
    sum at digit_j - lows[j] + k * radix_j - c (for the last level, k = 0 at rest - lows[j]);
    `offsets` [L, C * C] holds k * radix_j - c, or a huge value where (c, k) is not a carry of
    that level, so that the index falls outside the level's support."""

    units: tuple[int, ...]
    lows: tuple[int, ...]
    blocks: tuple[_LevelBlock, ...]
    order: torch.Tensor | None  # level order of the concatenated blocks (None: already)
    width: int  # the widest level sum; column `width` is the zero padding
    carries: int  # C
    offsets: torch.Tensor  # [L, C * C] int64
    sizes: torch.Tensor  # [L, 1] int64: each level sum's width
    identity: torch.Tensor  # [C, C] float64: the identity in logs, to pad the tree


def _spread(size: int, values: tuple[int, ...], dtype) -> tuple[torch.Tensor | None, int]:
    """[size * D, size + span - 1]: position (i, j) goes to column i + values[j] - min."""
    low = min(values)
    offsets = [v - low for v in values]
    width = size + max(offsets)
    if size == 1 and offsets == list(range(len(values))):
        return None, width
    matrix = torch.zeros(size * len(values), width, dtype=dtype)
    for i in range(size):
        for j, off in enumerate(offsets):
            matrix[i * len(values) + j, i + off] = 1.0
    return matrix, width


@functools.lru_cache(maxsize=1024)
def _carry_plan(expr: LinearExpr, domain_items: tuple, limits: Limits) -> _CarryPlan:
    domains = dict(domain_items)
    levels, units = _carry_levels(expr, domains, limits)
    by_signature: dict = {}
    for j, unit in enumerate(units):
        signature = tuple(tuple(domains[g]) for g in levels[unit])
        by_signature.setdefault(signature, []).append(j)
    blocks, order, widths = [], [], [0] * len(units)
    for signature, js in by_signature.items():
        spreads, width = [], 1
        for values in signature:
            matrix, width = _spread(width, values, torch.float64)
            spreads.append(matrix)
        for j in js:
            widths[j] = width
        groups = tuple(tuple(levels[units[j]][p] for j in js) for p in range(len(signature)))
        blocks.append(_LevelBlock(tuple(js), groups, tuple(spreads), width))
        order += js
    lows = tuple(sum(min(domains[g]) for g in levels[unit]) for unit in units)
    # carry sizes: into level 0 only 0; out of level j, every k with k * radix <= its top sum
    carry_in = [1]
    for j in range(len(units) - 1):
        top = lows[j] + carry_in[j] + widths[j] - 2
        carry_in.append(top // (units[j + 1] // units[j]) + 1)
    carries = max(carry_in)
    width = max(widths)
    huge = 1 << 40
    offsets = torch.full((len(units), carries, carries), huge, dtype=torch.long)
    for j in range(len(units)):
        last = j + 1 == len(units)
        radix = 0 if last else units[j + 1] // units[j]
        for c in range(carry_in[j]):
            for k in range(1 if last else carry_in[j + 1]):
                offsets[j, c, k] = k * radix - c
    inverse = torch.argsort(torch.tensor(order))
    identity = torch.full((carries, carries), _IMPOSSIBLE, dtype=torch.float64)
    identity.fill_diagonal_(0.0)
    return _CarryPlan(tuple(units), lows, tuple(blocks),
                      None if order == sorted(order) else inverse, width, carries,
                      offsets.reshape(len(units), -1),
                      torch.tensor(widths, dtype=torch.long).unsqueeze(1), identity)


def _level_sums(plan: _CarryPlan, probs, dtype, device) -> torch.Tensor:
    """[B, L, width + 1]: each level's sum distribution, zero-padded; one batched convolution
    per block of levels with the same domains (no loop over levels)."""
    parts = []
    for block in plan.blocks:
        dist = None
        for groups, spread in zip(block.groups, block.spreads, strict=True):
            stacked = _stack(probs, groups).to(dtype)  # [B, n, D]
            if dist is not None:
                stacked = (dist.unsqueeze(-1) * stacked.unsqueeze(-2)).flatten(-2)
            dist = stacked if spread is None else stacked @ spread.to(dtype=dtype, device=device)
        parts.append(torch.nn.functional.pad(dist, (0, plan.width + 1 - block.width)))
    sums = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]
    return sums if plan.order is None else sums.index_select(1, plan.order.to(device))


def _stack(probs, groups: tuple) -> torch.Tensor:
    """[B, n, D]: the distributions of `groups` side by side; `probs` may stack them itself
    (`stack(groups)`: the Module reads them off one network call's output in one op)."""
    stack = getattr(probs, "stack", None)
    if stack is not None:
        return stack(groups)
    return torch.stack([probs[g] for g in groups], dim=1)


def _carry_dp(expr: LinearExpr, target, domain_items: tuple, probs, like, limits,
              log: bool = False) -> torch.Tensor:
    """P(sum_i c_i X_i + const = target) when the coefficients form a divisibility chain.

    Process coefficient levels v_1 | v_2 | ...; the state is the carry k into the next level:
    after level j, the partial sum equals (target mod v_{j+1}) + k * v_{j+1}. Each level is a
    transfer matrix from its carry in to its carry out, built for all levels at once; their
    chain product is a balanced tree of batched log-space products (logsumexp), so the op
    count grows with log L rather than L, and nothing underflows (the log keeps the scale of
    thousands of digits).
    """
    plan = _carry_plan(expr, domain_items, limits)
    # float64 whatever `like` is: room for the impossible transitions' sentinel far below any
    # log-probability; the per-op cost on these small tensors is the same as float32's
    batch, device, dtype = like.shape[0], like.device, torch.float64
    n_levels, width = len(plan.units), plan.width
    far = 1 << 41  # an index beyond every level's support, whatever the offset
    rows = []
    for t in _targets_list(target, batch):
        t -= expr.const
        if t < 0 or t % plan.units[0]:
            rows.append([far] * n_levels)  # impossible: every index outside the support
            continue
        rest, row = t // plan.units[0], []
        for j in range(n_levels - 1):
            rest, digit = divmod(rest, plan.units[j + 1] // plan.units[j])
            row.append(digit - plan.lows[j])
        row.append(min(rest - plan.lows[-1], far))
        rows.append(row)
    index = torch.tensor(rows, dtype=torch.long, device=device).unsqueeze(2) + \
        _on(plan.offsets, device)
    index = torch.where((index >= 0) & (index < _on(plan.sizes, device)), index, width)
    steps = _level_sums(plan, probs, dtype, device).gather(2, index)  # [B, L, C * C]
    tiny = torch.finfo(dtype).tiny
    steps = torch.where(steps > 0, steps.clamp_min(tiny).log(), _IMPOSSIBLE)
    carries = plan.carries
    steps = steps.reshape(batch, n_levels, carries, carries)
    padded = 1 << (n_levels - 1).bit_length()
    if padded > n_levels:  # the identity (in logs) fills the tree up to a power of two
        identity = _on(plan.identity, device).expand(batch, padded - n_levels, -1, -1)
        steps = torch.cat([steps, identity], dim=1)
    while steps.shape[1] > 1:  # pairs of neighbours: [.., i, k, 1] + [.., 1, k, j], sum over k
        steps = torch.logsumexp(steps[:, 0::2, :, :, None] + steps[:, 1::2, None], dim=-2)
    log_p = steps[:, 0, 0, 0]
    impossible = log_p < _IMPOSSIBLE / 2
    value = torch.where(impossible, -torch.inf, log_p) if log else \
        torch.where(impossible, 0.0, log_p.exp())
    return value if like.dtype == dtype else value.to(like.dtype)


# ------------------------------------------------------------------ under another semiring
#
# The same convolutions with a semiring's `mul` and `add_all` in place of product and sum
# (`Semiring.symbolic_integers`): each value of a sum gets the semiring sum, over the ways to
# reach it, of the semiring product of the digits' values. For max-product and max-min this is
# the value of the best way to reach it, which is what the ground program's enumeration of the
# digits gives (their `add` is idempotent and `mul` distributes over it). A gather of each
# value's ways into a [B, values, ways] block and one `add_all`: no scatter, so any semiring's
# reduction (and its gradient) applies.


@functools.lru_cache(maxsize=4096)
def _ways_index(size: int, offsets: tuple[int, ...]) -> torch.Tensor:
    """[size + max(offsets), W]: per value t, the flat positions i * len(offsets) + j of the
    pairs with i + offsets[j] = t, padded with size * len(offsets) (a zero column)."""
    width = len(offsets)
    ways: list[list[int]] = [[] for _ in range(size + max(offsets))]
    for i in range(size):
        for j, off in enumerate(offsets):
            ways[i + off].append(i * width + j)
    longest = max(len(w) for w in ways)
    pad = size * width
    return torch.tensor([w + [pad] * (longest - len(w)) for w in ways], dtype=torch.long)


def _semiring_add_term(semiring, dist, low: int, coef: int, values: list[int], probs):
    """`_add_term` under `semiring`: the values [B, S] of low..low+S-1 plus coef*X."""
    if coef < 0:
        coef, values = -coef, [-v for v in values]
    vmin = min(values)
    offsets = tuple(coef * (v - vmin) for v in values)
    if dist is None and offsets == tuple(range(len(values))):
        return probs, low + coef * vmin
    if dist is None:
        dist = torch.ones(probs.shape[0], 1, dtype=probs.dtype, device=probs.device)
    joint = semiring.mul(dist.unsqueeze(2), probs.unsqueeze(1)).reshape(dist.shape[0], -1)
    padded = torch.cat([joint, torch.zeros_like(joint[:, :1])], dim=1)
    index = _ways_index(dist.shape[1], offsets).to(dist.device)
    return semiring.add_all(padded[:, index]), low + coef * vmin


def semiring_distribution(semiring, expr: LinearExpr, domains, probs, like: torch.Tensor,
                          limits: Limits = Limits()):
    """(values, [B, S]) of `expr` under `semiring`: each value's best way to be reached
    (max-product, max-min), by successive convolution."""
    check_support(expr, domains, limits)
    dist = None
    low = expr.const
    for coef, group in expr.terms:
        dist, low = _semiring_add_term(semiring, dist, low, coef, list(domains[group]),
                                       probs[group])
    return list(range(low, low + dist.shape[1])), dist


def semiring_constraint(semiring, op: str, expr: LinearExpr, target, domains, probs,
                        like: torch.Tensor, limits: Limits = Limits()) -> torch.Tensor:
    """The value of `expr op target` per example under `semiring` (`semiring_distribution`
    read at the values that satisfy it); equalities over positional sums too wide to hold
    densely by the carry DP with the semiring's operations."""
    domain_items = tuple((g, tuple(domains[g])) for g in expr.groups())
    if _method(op, expr, domain_items, limits.max_distribution_size) == "carry":
        return _semiring_carry(semiring, expr, target, domains, probs, like, limits)
    values, dist = semiring_distribution(semiring, expr, domains, probs, like, limits)
    value_tensor = torch.tensor(values, dtype=torch.float64, device=like.device)
    target_tensor = _as_float(target, like.shape[0], like.device)
    mask = COMPARISONS_T[op](value_tensor.unsqueeze(0), target_tensor.unsqueeze(1))
    return semiring.add_all(semiring.mul(dist, mask.to(dist.dtype)))


def _semiring_carry(semiring, expr: LinearExpr, target, domains, probs, like, limits):
    """`_carry_dp` under `semiring`, without its rescaling (max-min is not homogeneous): the
    state after each coefficient level is the carry into the next one."""
    levels, units = _carry_levels(expr, domains, limits)
    batch, device = like.shape[0], like.device
    targets = [t - expr.const for t in _targets_list(target, batch)]
    valid = [t >= 0 and t % units[0] == 0 for t in targets]
    carry = torch.ones(batch, 1, dtype=like.dtype, device=device)
    for j, unit in enumerate(units):
        level, low = None, 0
        for group in levels[unit]:
            level, low = _semiring_add_term(semiring, level, low, 1, list(domains[group]),
                                            probs[group])
        u, _ = _semiring_add_term(semiring, carry, 0, 1, list(range(level.shape[1])), level)
        size = u.shape[1]
        padded = torch.cat([u, torch.zeros_like(u[:, :1])], dim=1)
        if j + 1 < len(units):
            radix = units[j + 1] // unit
            digits = [min((t // unit) % radix, low + size) if ok else low + size
                      for t, ok in zip(targets, valid, strict=True)]
            new_size = (low + size - 1) // radix + 1
            base = torch.tensor(digits, dtype=torch.long, device=device).unsqueeze(1) - low
            index = torch.arange(new_size, device=device).unsqueeze(0) * radix + base
            inside = (index >= 0) & (index < size)
            carry = padded.gather(1, torch.where(inside, index, torch.full_like(index, size)))
        else:
            rest = [(t // unit) - low if ok else -1 for t, ok in zip(targets, valid, strict=True)]
            index = torch.tensor([r if 0 <= r < size else size for r in rest], dtype=torch.long,
                                 device=device)
            return padded.gather(1, index.unsqueeze(1)).squeeze(1)
    raise InferenceError("empty expression")  # unreachable: expr has terms
