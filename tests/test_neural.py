"""Neural predicates: exactness against brute force, gradients, caching, symbolic integers."""

from __future__ import annotations

import itertools

import pytest
import torch

import nesy
from nesy.datasets.digit_addition import digits_to_int
from nesy.train.digit_addition_task import program_text


def _net(seed=0, features=4):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(features, 10), torch.nn.Softmax(-1))


def _brute_force_sum(net, xs, ys):
    """P(sum) for every sum by enumerating all 10^(2N) digit assignments."""
    with torch.no_grad():
        pa = [net(x) for x in xs]
        pb = [net(y) for y in ys]
    n = len(xs)
    batch = xs[0].shape[0]
    table = torch.zeros(batch, 2 * 10**n, dtype=torch.float64)
    for da in itertools.product(range(10), repeat=n):
        for db in itertools.product(range(10), repeat=n):
            weight = torch.ones(batch, dtype=torch.float64)
            for i in range(n):
                weight = weight * pa[i][:, da[i]].double() * pb[i][:, db[i]].double()
            total = int("".join(map(str, da))) + int("".join(map(str, db)))
            table[:, total] += weight
    return table


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("symbolic", [True, False])
def test_multi_digit_addition_is_exact(n, symbolic):
    net = _net()
    module = nesy.Module(program_text(), {"mnist_net": net}, "multi_addition(X, Y, Z)",
                         symbolic_integers=symbolic)
    xs = [torch.randn(3, 4) for _ in range(n)]
    ys = [torch.randn(3, 4) for _ in range(n)]
    expected = _brute_force_sum(net, xs, ys)
    dist = module({"X": xs, "Y": ys})
    assert dist.answers == list(range(2 * 10**n - 1))
    assert torch.allclose(dist.probs.double(), expected[:, :-1], atol=1e-6)
    targets = torch.tensor([5, 17, 2 * 10**n - 2])
    p = module.probability({"X": xs, "Y": ys}, {"Z": targets})
    assert torch.allclose(p.double(), expected[torch.arange(3), targets], atol=1e-6)
    assert module.stats.symbolic_shapes == (2 if symbolic else 0)


def test_symbolic_sums_scale_to_many_digits_and_match_the_carry_dp_by_hand():
    net = _net(1)
    module = nesy.Module(program_text(), {"mnist_net": net}, "multi_addition(X, Y, Z)")
    n = 15
    xs = [torch.randn(2, 4) for _ in range(n)]
    ys = [torch.randn(2, 4) for _ in range(n)]
    a = [[int(d) for d in torch.randint(0, 10, (n,))] for _ in range(2)]
    b = [[int(d) for d in torch.randint(0, 10, (n,))] for _ in range(2)]
    sums = [int("".join(map(str, x))) + int("".join(map(str, y))) for x, y in zip(a, b, strict=False)]
    p = module.probability({"X": xs, "Y": ys}, {"Z": sums})
    # by hand: a carry chain from the least significant digit
    with torch.no_grad():
        pa = [net(x).double() for x in xs]
        pb = [net(y).double() for y in ys]
    for e in range(2):
        target = sums[e]
        carry = {0: 1.0}
        for i in reversed(range(n)):
            digit = (target // 10 ** (n - 1 - i)) % 10
            new = {}
            for c, w in carry.items():
                for u in range(10):
                    for v in range(10):
                        s = u + v + c
                        if s % 10 == digit:
                            new[s // 10] = new.get(s // 10, 0.0) + \
                                w * float(pa[i][e, u] * pb[i][e, v])
            carry = new
        expected = carry.get(target // 10**n, 0.0)
        assert float(p[e]) == pytest.approx(expected, rel=1e-9)
    assert module.stats.shapes == 1


def test_gradients_match_finite_differences_on_a_tiny_program():
    source = """
    nn(net, [X], Y, [0, 1, 2]) :: d(X, Y).
    t(0.3)::bonus.
    ok(X, Y) :- d(X, A), d(Y, B), A < B.
    ok(X, Y) :- d(X, 2), bonus.
    """
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Softmax(-1)).double()
    module = nesy.Module(source, {"net": net}, "ok(X, Y)")
    inputs = {"X": torch.randn(2, 2, dtype=torch.float64), "Y": torch.randn(2, 2,
                                                                              dtype=torch.float64)}

    def value():
        return module(inputs).probs.sum()

    value().backward()
    parameters = list(module.parameters())
    analytic = [p.grad.clone() for p in parameters]
    eps = 1e-6
    for param, grad in zip(parameters, analytic, strict=True):
        flat = param.data.view(-1)
        for i in range(flat.numel()):
            old = float(flat[i])
            flat[i] = old + eps
            up = value().item()
            flat[i] = old - eps
            down = value().item()
            flat[i] = old
            assert grad.view(-1)[i].item() == pytest.approx((up - down) / (2 * eps), abs=1e-6)


def test_neural_answers_match_the_oracle_on_fixed_outputs():
    """With constant network outputs the Module agrees with plain exact inference."""
    source = """
    nn(net, [X], Y, [a, b, c]) :: colour(X, Y).
    0.4::lit.
    same(X, Y) :- colour(X, C), colour(Y, C).
    bright(X) :- colour(X, a), lit.
    bright(X) :- colour(X, c), \\+ lit.
    """

    class Fixed(torch.nn.Module):
        def forward(self, x):
            return torch.tensor([0.2, 0.5, 0.3], dtype=torch.float64).expand(x.shape[0], 3)

    module = nesy.Module(source, {"net": Fixed()}, "same(X, Y)")
    dist = module({"X": torch.zeros(1, 1), "Y": torch.zeros(1, 1)})
    assert dist.answers == [()]
    assert float(dist.probs[0, 0]) == pytest.approx(0.2**2 + 0.5**2 + 0.3**2)
    plain = source.replace("nn(net, [X], Y, [a, b, c]) :: colour(X, Y).",
                           "0.2::colour(X, a); 0.5::colour(X, b); 0.3::colour(X, c) :- in(X).\n"
                           "in(x). in(y).") + "query(bright(x)).\n"
    expected = nesy.query(plain).probabilities["bright(x)"]
    module = nesy.Module(source, {"net": Fixed()}, "bright(X)")
    assert float(module({"X": torch.zeros(1, 1)}).probs[0, 0]) == pytest.approx(expected)


def test_a_second_batch_of_the_same_shape_does_no_grounding(monkeypatch):
    module = nesy.Module(program_text(), {"mnist_net": _net()}, "multi_addition(X, Y, Z)")
    xs = [torch.randn(4, 4) for _ in range(2)]
    module.probability({"X": xs, "Y": xs}, {"Z": torch.tensor([1, 2, 3, 4])})
    grounded = []
    original = nesy.neural.answers.Grounder.answers

    def spy(self, *args, **kwargs):
        grounded.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(nesy.neural.answers.Grounder, "answers", spy)
    other = [torch.randn(4, 4) for _ in range(2)]
    module.probability({"X": other, "Y": other}, {"Z": torch.tensor([9, 8, 7, 6])})
    assert grounded == []
    assert module.stats.shapes == 1 and module.stats.hits >= 1
    # a different shape (3 digits) is grounded once, then cached
    three = [torch.randn(4, 4) for _ in range(3)]
    module.probability({"X": three, "Y": three}, {"Z": torch.tensor([1, 2, 3, 4])})
    assert len(grounded) == 1 and module.stats.shapes == 2


def test_learnable_probabilities_train_towards_the_data():
    source = """
    nn(net, [X], Y, [0, 1]) :: bit(X, Y).
    t(0.2)::noise.
    flip(X, Y) :- bit(X, Y), \\+ noise.
    flip(X, Y) :- bit(X, B), noise, Y is 1 - B.
    """
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.Softmax(-1))
    module = nesy.Module(source, {"net": net}, "flip(X, Y)")
    parameter = next(iter(module.params.values()))
    assert torch.sigmoid(parameter).item() == pytest.approx(0.2)
    x = torch.ones(64, 1)
    bits = torch.ones(64, dtype=torch.long)
    bits[:16] = 0  # the label is flipped a quarter of the time
    optimiser = torch.optim.Adam(module.parameters(), lr=0.05)
    for _ in range(300):
        p = module.probability({"X": x}, {"Y": bits})
        loss = -torch.log(p).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    noise = torch.sigmoid(parameter).item()
    reads_one = net(x[:1])[0, 1].item()
    # P(Y=1) = r(1-n) + (1-r)n must reach 0.75
    assert reads_one * (1 - noise) + (1 - reads_one) * noise == pytest.approx(0.75, abs=0.02)


def test_predict_uses_the_most_probable_world_beyond_the_distribution_limit():
    module = nesy.Module(program_text(), {"mnist_net": _net()}, "multi_addition(X, Y, Z)")
    n = 12
    xs = [torch.randn(2, 4) for _ in range(n)]
    ys = [torch.randn(2, 4) for _ in range(n)]
    predicted = module.predict({"X": xs, "Y": ys})
    net = module.networks["mnist_net"]
    with torch.no_grad():
        a = torch.stack([net(x).argmax(1) for x in xs], 1)
        b = torch.stack([net(y).argmax(1) for y in ys], 1)
    assert predicted == [x + y for x, y in zip(digits_to_int(a), digits_to_int(b), strict=True)]


def test_carry_dp_log_probability_does_not_underflow():
    from nesy.arith import LinearExpr
    from nesy.neural.random_integers import constraint_probability

    n = 400
    groups = [("nn", 0, i) for i in range(2 * n)]
    expr = LinearExpr(tuple((10 ** (i % n), g) for i, g in enumerate(groups)))
    domains = {g: list(range(10)) for g in groups}
    torch.manual_seed(0)
    logits = torch.randn(2 * n, 2, 10, dtype=torch.float64, requires_grad=True)
    probs = {g: logits[i].softmax(-1) for i, g in enumerate(groups)}
    like = torch.zeros(2, dtype=torch.float64)
    target = [int("7" * n), int("1" + "0" * n)]
    plain = constraint_probability("=:=", expr, target, domains, probs, like)
    logp = constraint_probability("=:=", expr, target, domains, probs, like, log=True)
    assert torch.all(plain == 0)  # below float64's range
    assert torch.all(torch.isfinite(logp)) and torch.all(logp < -700)
    logp.sum().backward()
    assert logits.grad.abs().sum() > 0
    # where both are representable they agree
    small = LinearExpr(tuple((10 ** (i % 30), groups[i + (i >= 30) * (n - 30)])
                             for i in range(60)))
    t = [int("7" * 30)]
    a = constraint_probability("=:=", small, t, domains, probs, like[:1])
    b = constraint_probability("=:=", small, t, domains, probs, like[:1], log=True)
    assert float(b[0]) == pytest.approx(float(a[0].log()), rel=1e-9)
