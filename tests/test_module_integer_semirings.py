"""Sums of random integers stay symbolic under max-product and max-min (`symbolic_integers`).

Under `mpe`, `fuzzy-godel` and `possibilistic` the Module convolves digit values with the
semiring's own `mul` and `add_all` (`neural/random_integers.py`) instead of grounding every
digit combination; the value must equal the ground program's (the same Module with
`symbolic_integers=False`, which enumerates the digits), targets given or not, and the
gradient must be finite and nonzero.
"""

from __future__ import annotations

import math

import pytest
import torch

import nesy
from nesy.train.digit_addition_task import QUERY, program_text


class Softmax(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 10)

    def forward(self, x):
        return torch.softmax(self.linear(x), dim=-1)


def _models(semantics: str):
    torch.manual_seed(0)
    net = Softmax().double()
    symbolic = nesy.Module(program_text(), {"mnist_net": net}, QUERY, semantics)
    ground = nesy.Module(program_text(), {"mnist_net": net}, QUERY, semantics,
                         symbolic_integers=False)
    return net, symbolic, ground


# mpe at N=2 on the ground program compiles a smoothed circuit over 10^4 digit worlds: too large
@pytest.mark.parametrize("semantics, n", [("mpe", 1), ("fuzzy-godel", 1), ("possibilistic", 1),
                                          ("fuzzy-godel", 2)])
def test_symbolic_sums_equal_the_ground_program(semantics, n):
    net, symbolic, ground = _models(semantics)
    gen = torch.Generator().manual_seed(n)
    inputs = {"X": [torch.randn(3, 4, generator=gen, dtype=torch.float64) for _ in range(n)],
              "Y": [torch.randn(3, 4, generator=gen, dtype=torch.float64) for _ in range(n)]}
    targets = {"Z": torch.tensor([0, 9, 10 ** n + 3])}
    p = symbolic.probability(inputs, targets)
    assert symbolic.stats.symbolic_shapes == 1
    assert torch.allclose(p, ground.probability(inputs, targets), atol=1e-12)
    assert p[0] > 0
    free, enumerated = symbolic(inputs), ground(inputs)
    for answer in enumerated.answers:
        i, j = free.answers.index(answer), enumerated.answers.index(answer)
        assert torch.allclose(free.probs[:, i], enumerated.probs[:, j], atol=1e-12)
    loss = -symbolic.log_probability(inputs, targets).mean()
    loss.backward()
    grad = net.linear.weight.grad
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0


def test_mpe_gradient_is_the_max_product_subgradient():
    """d P_best / d p for a digit of the best world is the other digit's probability."""
    _, symbolic, _ = _models("mpe")
    a = torch.tensor([[0.1, 0.6, 0.3] + [0.0] * 7], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([[0.5, 0.2, 0.3] + [0.0] * 7], dtype=torch.float64, requires_grad=True)

    class Rows(torch.nn.Module):
        def forward(self, x):
            return torch.cat([a, b])[x.long().squeeze(1)]

    model = nesy.Module(program_text(), {"mnist_net": Rows()}, QUERY, "mpe")
    p = model.probability({"X": [torch.tensor([[0.0]])], "Y": [torch.tensor([[1.0]])]},
                          {"Z": torch.tensor([2])})
    # worlds with sum 2: (0,2) 0.03, (1,1) 0.12, (2,0) 0.15: the best is (2, 0)
    assert float(p) == pytest.approx(0.15)
    p.sum().backward()
    assert a.grad[0, 2] == pytest.approx(0.5) and b.grad[0, 0] == pytest.approx(0.3)
    assert a.grad[0, 1] == 0 and b.grad[0, 1] == 0


def test_a_saturated_lukasiewicz_truth_has_a_finite_loss_and_gradient():
    """Łukasiewicz's t-norm max(0, a + b - 1) is exactly 0 for two digits read at ~0.1 each:
    log_probability is -inf there (the truth), and with a training loss's floor (the dtype's
    smallest normal number; float32: 1e-300 was 0, the loss inf) the loss and its gradient stay
    finite: digit addition's loss_fn passes that floor."""
    torch.manual_seed(0)
    net = Softmax()
    model = nesy.Module(program_text(), {"mnist_net": net}, QUERY, "fuzzy-lukasiewicz")
    inputs = {"X": [torch.randn(4, 4)], "Y": [torch.randn(4, 4)]}
    targets = {"Z": torch.tensor([3, 5, 9, 12])}
    assert (model.probability(inputs, targets) == 0).all()
    assert (model.log_probability(inputs, targets) == -math.inf).all()
    loss = -model.log_probability(inputs, targets, torch.finfo(torch.float32).tiny).mean()
    assert torch.isfinite(loss) and float(loss) == pytest.approx(
        -torch.log(torch.tensor(torch.finfo(torch.float32).tiny)).item())
    loss.backward()
    assert torch.isfinite(net.linear.weight.grad).all()


@pytest.mark.parametrize("semantics", ["mpe", "fuzzy-godel"])
def test_the_carry_dp_under_a_semiring_equals_the_dense_convolution(semantics):
    """N-digit sums too wide to hold densely take the carry DP: forced here by a small
    max_distribution_size, it must give the dense convolution's values."""
    from nesy.arith import LinearExpr
    from nesy.limits import Limits
    from nesy.neural.random_integers import semiring_constraint
    from nesy.semiring import get_semiring

    semiring = get_semiring(semantics)
    gen = torch.Generator().manual_seed(1)
    groups = [("g", i) for i in range(6)]
    probs = {g: torch.softmax(torch.randn(5, 10, generator=gen, dtype=torch.float64), 1)
             for g in groups}
    domains = dict.fromkeys(groups, tuple(range(10)))
    # two 3-digit numbers: 100 a2 + 10 a1 + a0 + 100 b2 + 10 b1 + b0
    expr = LinearExpr(tuple((10 ** (i % 3), g) for i, g in enumerate(groups)), 0)
    like = torch.zeros(5, dtype=torch.float64)
    target = torch.tensor([0, 57, 999, 1200, 1998])
    dense = semiring_constraint(semiring, "=:=", expr, target, domains, probs, like)
    carry = semiring_constraint(semiring, "=:=", expr, target, domains, probs, like,
                                Limits(max_distribution_size=50))
    assert torch.allclose(dense, carry, atol=1e-14) and (dense > 0).all()
