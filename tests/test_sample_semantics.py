"""The sample semantics: registered with its capabilities, Monte-Carlo answers against exact
ones, the RLOO estimator's mean against the exact gradient, and what it refuses."""

from __future__ import annotations

import pytest

import nesy
from nesy.errors import InferenceError
from nesy.semiring import REGISTRY, WorldSampling, get_semiring

torch = pytest.importorskip("torch")

SMALL = """
0.3::a. 0.6::b. 0.2::c; 0.5::d.
q :- a, b.
q :- c, \\+ a.
r :- d.
s :- q, r.
query(q). query(r). query(s).
"""

# two categorical network outputs, a probabilistic fact and negation in one query
PROGRAM = """
nn(net, [X], Y, [0,1,2]) :: digit(X, Y).
0.4::bonus.
total(X, Y, Z) :- digit(X, A), digit(Y, B), \\+ bonus, Z is A + B.
total(X, Y, Z) :- digit(X, A), digit(Y, B), bonus, Z is A * B.
"""


def test_registered_with_capabilities_the_plan_reads():
    assert REGISTRY["sample"] is WorldSampling
    semiring = get_semiring("sample", 7)
    assert semiring.samples == 7 and semiring.samples_worlds
    # a sampled world has plain integers: never the symbolic-integer groundings
    assert not semiring.exact_integers and not semiring.needs_circuit
    assert not any(cls.samples_worlds for name, cls in REGISTRY.items() if name != "sample")


def test_query_estimate_is_close_to_exact():
    exact = nesy.query(SMALL).probabilities
    estimate = nesy.query(SMALL, semantics=WorldSampling(samples=20_000, seed=1)).probabilities
    # a mean of 20,000 Bernoulli draws has a standard deviation <= sqrt(0.25 / 20,000) = 0.0035;
    # 0.02 is more than 5 of them
    assert estimate.keys() == exact.keys()
    for atom, p in exact.items():
        assert estimate[atom] == pytest.approx(p, abs=0.02)
    # the estimate is a sample mean: a multiple of 1/samples, and reproducible by its seed
    again = nesy.query(SMALL, semantics=WorldSampling(samples=20_000, seed=1)).probabilities
    assert again == estimate
    assert nesy.query(SMALL, semantics=WorldSampling(samples=50, seed=2)).estimate == \
        "Monte-Carlo estimate over 50 sampled worlds, seed 2"
    assert nesy.query(SMALL).estimate is None
    assert all(abs(v * 20_000 - round(v * 20_000)) < 1e-6 for v in estimate.values())


class _Logits(torch.nn.Module):
    """A 'network' whose outputs are softmax(rows of its own logits), one row per input."""

    def __init__(self, logits):
        super().__init__()
        self.logits = torch.nn.Parameter(logits)

    def forward(self, x):
        return torch.softmax(self.logits, -1)


def _gradient(semantics, rows_x, rows_y):
    net = _Logits(torch.cat([rows_x, rows_y]).double())
    batch = rows_x.shape[0]
    module = nesy.Module(PROGRAM, {"net": net}, "total(X, Y, Z)", semantics)
    images = torch.zeros(batch, 1)
    p = module.probability({"X": images, "Y": images}, {"Z": torch.full((batch,), 2)})
    p.sum().backward()
    return p.detach(), net.logits.grad


def test_rloo_gradient_mean_matches_the_exact_gradient():
    torch.manual_seed(0)
    x, y = torch.randn(1, 3), torch.randn(1, 3)
    exact_p, exact_grad = _gradient("exact", x, y)
    batch = 4000  # 4000 independent estimates (k = 4 worlds each) of the same example
    p, grad = _gradient(WorldSampling(samples=4, seed=0), x.repeat(batch, 1), y.repeat(batch, 1))
    per_example = torch.stack([grad[:batch], grad[batch:]], dim=1)  # [batch, 2 inputs, 3]
    mean = per_example.mean(0)
    stderr = per_example.std(0) / batch ** 0.5
    # unbiased: the mean of the estimates is within 5 standard errors of the exact gradient
    # (a Gaussian deviation that large has probability < 1e-6; the seed fixes the draw anyway)
    want = torch.stack([exact_grad[0], exact_grad[1]])
    assert ((mean - want).abs() <= 5 * stderr + 1e-4).all(), (mean, want, stderr)
    assert p.mean().item() == pytest.approx(exact_p.item(), abs=5 * p.std().item() / batch ** 0.5)
    # and the estimator is not trivially zero: the exact gradient is not small
    assert want.abs().max() > 0.05


def test_refuses_evidence_cycles_and_no_samples():
    with pytest.raises(InferenceError, match="cannot condition on evidence"):
        nesy.query("0.5::a. 0.5::b. q :- a. evidence(b). query(q).", semantics="sample")
    with pytest.raises(InferenceError, match="cycle"):
        nesy.query("0.5::e(1,2). 0.5::e(2,1). p(X,Y) :- e(X,Y). p(X,Y) :- e(X,Z), p(Z,Y).\n"
                   "query(p(1,1)).", semantics="sample")
    with pytest.raises(InferenceError, match="samples >= 1"):
        WorldSampling(samples=0)
