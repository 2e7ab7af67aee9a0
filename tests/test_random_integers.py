"""The carry DP (`constraint_probability` on sums too wide to hold densely) against the dense
convolution, on irregular positional sums: levels with different groups and domains, radices
that vary, a first unit above 1, a constant, and targets outside the support."""

from __future__ import annotations

import pytest
import torch

from nesy.arith import LinearExpr
from nesy.limits import Limits
from nesy.neural.random_integers import _method, constraint_probability, dense_distribution

#: a limit below every support here, so that equalities take the carry DP
CARRY = Limits(max_distribution_size=2)


def _case(coefs_domains, const, batch=3, seed=0):
    torch.manual_seed(seed)
    groups = [("nn", "net", i) for i in range(len(coefs_domains))]
    expr = LinearExpr(tuple((c, g) for (c, _), g in zip(coefs_domains, groups, strict=True)),
                      const)
    domains = {g: list(d) for (_, d), g in zip(coefs_domains, groups, strict=True)}
    logits = {g: torch.randn(batch, len(domains[g]), dtype=torch.float64, requires_grad=True)
              for g in groups}
    probs = {g: logits[g].softmax(-1) for g in groups}
    return expr, domains, logits, probs, torch.zeros(batch, dtype=torch.float64)


CASES = {
    # two digits per level, then a level of three groups with a gapped domain, then one group
    "mixed levels": ([(1, range(10)), (1, range(10)), (10, range(10)), (10, range(10)),
                      (10, (0, 2, 5)), (100, (1, 2, 3))], 7),
    # radices 2, 3, 5 (coefficients 1 | 2 | 6 | 30), domains wider than the radix
    "varying radices": ([(1, range(4)), (2, range(3)), (2, range(2)), (6, range(7)),
                         (30, range(3))], 0),
    # a first unit of 3: targets not divisible by it are impossible
    "first unit 3": ([(3, range(5)), (3, range(5)), (12, range(4)), (48, range(2))], -2),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_carry_dp_equals_the_dense_convolution(name):
    terms, const = CASES[name]
    expr, domains, logits, probs, like = _case(terms, const)
    items = tuple((g, tuple(domains[g])) for g in expr.groups())
    assert _method("=:=", expr, items, CARRY.max_distribution_size) == "carry"
    support, dist = dense_distribution(expr, domains, probs, like)
    # every value of the support, and values outside it on both sides
    targets = list(range(support[0] - 4, support[-1] + 5))
    for t in targets:
        expected = dist[:, t - support[0]] if support[0] <= t <= support[-1] \
            else torch.zeros(like.shape[0], dtype=torch.float64)
        got = constraint_probability("=:=", expr, t, domains, probs, like, CARRY)
        assert torch.allclose(got, expected, rtol=1e-12, atol=1e-300), t
        logged = constraint_probability("=:=", expr, t, domains, probs, like, CARRY, log=True)
        assert torch.equal(logged == -torch.inf, expected == 0), t
        assert torch.allclose(logged[expected > 0], expected[expected > 0].log(), rtol=1e-12)
    # per-example targets (one tensor), and the gradient of the log-likelihood
    chosen = torch.tensor([support[0], support[0] + int(dist[1].argmax()), support[-1]])
    dense_log = dist.gather(1, (chosen - support[0]).unsqueeze(1)).squeeze(1).log()
    carry_log = constraint_probability("=:=", expr, chosen, domains, probs, like, CARRY,
                                       log=True)
    assert torch.allclose(carry_log, dense_log, rtol=1e-12)
    params = list(logits.values())
    dense_grad = torch.autograd.grad(dense_log.sum(), params, retain_graph=True)
    carry_grad = torch.autograd.grad(carry_log.sum(), params)
    for a, b in zip(dense_grad, carry_grad, strict=True):
        assert torch.allclose(a, b, rtol=1e-9, atol=1e-12)


def test_an_impossible_target_has_log_probability_minus_infinity_and_no_nan_gradient():
    """A target no reading reaches: probability 0, log -inf, and a zero gradient where the
    caller floors it (as the training loss does)."""
    terms = [(10 ** (i // 2), range(10)) for i in range(8)]  # two 4-digit numbers
    expr, domains, logits, probs, like = _case(terms, 0, batch=2)
    targets = [2 * 9999 + 1, -1]
    p = constraint_probability("=:=", expr, targets, domains, probs, like, CARRY)
    assert torch.equal(p, torch.zeros(2, dtype=torch.float64))
    logp = constraint_probability("=:=", expr, targets, domains, probs, like, CARRY, log=True)
    assert torch.all(logp == -torch.inf)
    loss = -logp.clamp_min(-50.0).sum()
    loss.backward()
    for t in logits.values():
        assert t.grad is not None and torch.all(torch.isfinite(t.grad))


def test_a_digit_read_with_probability_zero_makes_its_sums_impossible():
    """Exact zeros in a network's output (a saturated softmax) are impossible readings, not
    tiny ones: the sums that need them get probability exactly 0."""
    terms = [(10 ** (i // 2), range(10)) for i in range(6)]  # two 3-digit numbers
    expr, domains, _, probs, like = _case(terms, 0, batch=1)
    certain = torch.zeros(1, 10, dtype=torch.float64)
    certain[0, 3] = 1.0
    probs = {g: certain for g in probs}  # every digit is 3: 333 + 333
    assert float(constraint_probability("=:=", expr, 666, domains, probs, like, CARRY)) == 1.0
    assert float(constraint_probability("=:=", expr, 667, domains, probs, like, CARRY,
                                        log=True)) == -float("inf")


POINT_CASES = {
    "two digits": ([(1, range(10)), (1, range(10))], 0),
    "last coefficient 3": ([(1, range(4)), (2, range(3)), (3, range(5))], 1),
    "negative last coefficient": ([(1, range(6)), (-2, range(1, 4))], -3),
    "one group": ([(1, range(2, 7))], 5),
}


@pytest.mark.parametrize("name", sorted(POINT_CASES))
def test_one_point_of_the_last_convolution_equals_the_dense_distribution(name):
    """Equalities over small supports read one point per example (no whole distribution):
    the same values, inside and outside the support, and the same gradient."""
    terms, const = POINT_CASES[name]
    expr, domains, logits, probs, like = _case(terms, const, batch=4)
    items = tuple((g, tuple(domains[g])) for g in expr.groups())
    assert _method("=:=", expr, items, Limits().max_distribution_size) == "point"
    support, dist = dense_distribution(expr, domains, probs, like)
    targets = torch.arange(support[0] - 3, support[-1] + 4)
    for t in targets.tolist():
        expected = dist[:, t - support[0]] if support[0] <= t <= support[-1] \
            else torch.zeros(4, dtype=torch.float64)
        got = constraint_probability("=:=", expr, t, domains, probs, like)
        assert torch.allclose(got, expected, rtol=1e-12, atol=0), t
    chosen = torch.tensor([support[0], support[-1], support[0] - 1, support[0] + len(support)
                           // 2])
    inside = (chosen >= support[0]) & (chosen <= support[-1])
    got = constraint_probability("=:=", expr, chosen, domains, probs, like)
    expected = torch.where(inside, dist.gather(
        1, (chosen - support[0]).clamp(0, len(support) - 1).unsqueeze(1)).squeeze(1), 0.0)
    assert torch.allclose(got, expected, rtol=1e-12, atol=0)
    params = list(logits.values())
    a = torch.autograd.grad(got.sum(), params, retain_graph=True)
    b = torch.autograd.grad(expected.sum(), params)
    for x, y in zip(a, b, strict=True):
        assert torch.allclose(x, y, rtol=1e-9, atol=1e-12)
