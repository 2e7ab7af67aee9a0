"""A `nesy.Module` under the solver semantics (`asp`, `mpe-maxsat`, `mpe-smt`, and CP-SAT behind
a semiring that names it): its probabilities and gradients against the planned semantics they
coincide with (exact probability on stratified programs, the compiled `mpe`), and NeurASP's
integrity constraints against a brute-force stable-model enumerator."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

import pytest
import torch
from neural_programs import program as generated_program

import nesy
from nesy.errors import InferenceError, LimitError
from nesy.semiring.max_product import MaxProduct

pytest.importorskip("clingo")
pytest.importorskip("pysat")
pytest.importorskip("z3")


class Table(torch.nn.Module):
    """Learnable outputs per input index (float64): softmax rows, or one sigmoid."""

    def __init__(self, shape: tuple, seed: int, single: bool = False):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.logits = torch.nn.Parameter(torch.randn(*shape, generator=generator,
                                                     dtype=torch.float64))
        self.single = single

    def forward(self, *xs):
        rows = self.logits[tuple(x[..., 0].long() for x in xs)]
        return torch.sigmoid(rows[..., 0]) if self.single else torch.softmax(rows, -1)


def _networks(seed: int) -> dict:
    return {"net": Table((4, 3), seed), "pair": Table((4, 4, 2), seed + 1),
            "flag": Table((4, 1), seed + 2, single=True)}


def _answers_and_gradients(source: str, semantics: str, seed: int, **kw):
    """Per example {answer: probability}, and the gradient of a fixed weighting of them with
    respect to every network's and learnable fact's parameters."""
    nets = _networks(seed)
    module = nesy.Module(source, nets, "q(X, Y, Z)", semantics, **kw)
    inputs = {"X": torch.tensor([[0.0], [2.0], [1.0]]), "Y": torch.tensor([[1.0], [3.0], [1.0]])}
    dist = module(inputs)
    weights = torch.tensor([1.0 + (hash(a) % 7) / 10 for a in dist.answers], dtype=torch.float64)
    total = (dist.probs.double() * weights).sum()
    if total.requires_grad:  # else no answer reads a network or a learnable fact
        total.backward()
    values = [{a: float(dist.probs[b, i].detach()) for i, a in enumerate(dist.answers)} for b in range(3)]
    grads = [p.grad.clone() if p.grad is not None else torch.zeros_like(p)
             for p in list(module.parameters())]
    return values, grads


def _agree(got, want, tolerance: float) -> None:
    (values, grads), (want_values, want_grads) = got, want
    for mine, theirs in zip(values, want_values, strict=True):
        for answer in set(mine) | set(theirs):
            assert mine.get(answer, 0.0) == pytest.approx(theirs.get(answer, 0.0),
                                                          abs=tolerance), answer
    for mine, theirs in zip(grads, want_grads, strict=True):
        assert torch.allclose(mine, theirs, atol=tolerance, rtol=0), (mine, theirs)


@pytest.mark.parametrize("seed", range(12))
def test_asp_module_is_exact_probability_on_generated_stratified_programs(seed):
    """NeurASP's probability is ProbLog's on stratified programs without constraints: the
    stable-model sum, its gradient included, equals the compiled circuit's to 1e-9."""
    source = generated_program(random.Random(seed))
    got = _answers_and_gradients(source, "asp", seed)
    want = _answers_and_gradients(source, "exact", seed)
    _agree(got, want, 1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_solver_mpe_module_is_the_compiled_mpe(seed):
    """Per example and answer the solver's most probable world, valued on the leaf tensors:
    the compiled `mpe`'s value and max-product subgradient (no ties with random outputs)."""
    source = generated_program(random.Random(100 + seed))
    want = _answers_and_gradients(source, "mpe", seed, symbolic_integers=False)
    for semantics in ("mpe-maxsat", "mpe-smt", MpeCpSat()):
        _agree(_answers_and_gradients(source, semantics, seed), want, 1e-9)


@dataclass(frozen=True)
class MpeCpSat(MaxProduct):
    """CP-SAT behind the switch (the registry has no semantics name for it)."""

    name = "mpe-cpsat"
    solver = "cpsat"


def _addition_module(semantics: str, seed: int, **kw) -> nesy.Module:
    from nesy.train.digit_addition_task import QUERY, program_text

    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 10),
                              torch.nn.Softmax(-1)).double()
    return nesy.Module(program_text(), {"mnist_net": net}, QUERY, semantics, **kw)


def test_digit_addition_n1_asp_probability_and_gradient_are_exact():
    images = torch.randn(2, 5, 4, 4, dtype=torch.float64, generator=torch.Generator()
                         .manual_seed(0))
    inputs = {"X": [images[0]], "Y": [images[1]]}
    targets = {"Z": torch.tensor([0, 3, 9, 17, 18])}
    results = []
    for semantics in ("asp", "exact"):
        module = _addition_module(semantics, seed=1)
        p = module.probability(inputs, targets)
        p.log().sum().backward()
        results.append((p.detach(), [q.grad.clone() for q in module.parameters()]))
    (p_asp, g_asp), (p_exact, g_exact) = results
    assert torch.allclose(p_asp, p_exact, atol=1e-12, rtol=0)
    for a, b in zip(g_asp, g_exact, strict=True):
        assert torch.allclose(a, b, atol=1e-9, rtol=0)
    module = _addition_module("asp", seed=1)
    module.probability(inputs, targets)
    plan = next(iter(module._shapes.values())).plan
    assert len(plan.how.table.picks) == 100  # one stable model per pair of digits


def test_too_many_stable_models_in_a_module_is_a_limit_error():
    module = _addition_module("asp", seed=0, limits=nesy.Limits(max_models=50))
    images = torch.randn(2, 1, 4, 4, dtype=torch.float64)
    with pytest.raises(LimitError, match="max_models"):
        module.probability({"X": [images[0]], "Y": [images[1]]}, {"Z": torch.tensor([3])})


def test_choice_rules_in_a_module_are_a_clear_error():
    source = "nn(net, [X], Y, [0, 1, 2]) :: d(X, Y).\nchoose([a, b]) :- d(1, 0).\nq(Z) :- d(1, Z).\n"
    module = nesy.Module(source, {"net": Table((4, 3), 0)}, "q(Z)", "asp")
    with pytest.raises(InferenceError, match="choice rules"):
        module({})


# ----------------------------------------------------------------------------- constraints
# A network reads the constants 1 and 2 (tensor([n]), the Module's default embedding): two
# random digits n(1, V) and n(2, V) over {0, 1, 2}, beside probabilistic facts, stratified rules
# over derived atoms d0..d3 (each reading only lower ones) and integrity constraints.

DERIVED = ("d0", "d1", "d2", "d3")
NEURAL_ATOMS = [f"n({i}, {v})" for i in (1, 2) for v in range(3)]


def _random_constrained(rng: random.Random):
    facts = [("f0", rng.choice([0.2, 0.5, 0.7])), ("f1", rng.choice([0.3, 0.6]))]
    rules, constraints = [], []
    for i, head in enumerate(DERIVED):
        pool = [f for f, _ in facts] + NEURAL_ATOMS + list(DERIVED[:i])
        for _ in range(rng.randint(1, 2)):
            atoms = rng.sample(pool, rng.randint(1, 2))
            neg = [a for a in atoms if rng.random() < 0.35]
            rules.append((head, [a for a in atoms if a not in neg], neg))
    pool = [f for f, _ in facts] + NEURAL_ATOMS + list(DERIVED)
    for _ in range(rng.randint(1, 2)):
        atoms = rng.sample(pool, 2)
        neg = [a for a in atoms if rng.random() < 0.3]
        constraints.append(([a for a in atoms if a not in neg], neg))
    constraints.append((["n(1, V)", "n(2, V)"], []))  # the two digits differ
    return facts, rules, constraints


def _body(pos, neg) -> str:
    return ", ".join(list(pos) + [f"\\+ {a}" for a in neg])


def _neurasp_by_enumeration(facts, rules, constraints, digits) -> dict:
    """P(q(i)) for each derived atom d_i: total choices enumerated, each one's unique least
    model (the rules are stratified) dropped where a constraint fires, NeurASP's probability."""
    options = [[({name}, p), (set(), 1 - p)] for name, p in facts]
    options += [[({f"n({i}, {v})"}, row[v]) for v in range(3)] for i, row in digits.items()]
    answers = dict.fromkeys(range(len(DERIVED)), 0.0)
    for total in itertools.product(*options):
        chosen = set().union(*(atoms for atoms, _ in total))
        weight = math.prod(p for _, p in total)
        model = set(chosen)
        for head, pos, neg in rules:  # in order: each rule reads lower derived atoms only
            if set(pos) <= model and not set(neg) & model:
                model.add(head)
        fired = any(set(pos) <= model and not set(neg) & model for pos, neg in constraints
                    if "V" not in " ".join(pos))
        fired |= any(f"n(1, {v})" in model and f"n(2, {v})" in model for v in range(3))
        if fired:
            continue
        for i, head in enumerate(DERIVED):
            answers[i] += weight if head in model else 0.0
    return answers


@pytest.mark.parametrize("seed", range(12))
def test_integrity_constraints_match_the_stable_model_enumerator(seed):
    """A total choice a constraint rules out loses its mass (NeurASP: no stable model), which
    is not ProbLog's evidence (that divides by P(no constraint fires)); the gradient is that of
    the exact P(q and no constraint fires), which the stratified program's unique models give."""
    facts, rules, constraints = _random_constrained(random.Random(seed))
    lines = ["nn(net, [X], Y, [0, 1, 2]) :: n(X, Y)."]
    lines += [f"{p}::{name}." for name, p in facts]
    lines += [f"{head} :- {_body(pos, neg)}." for head, pos, neg in rules]
    lines += [f"inconsistent :- {_body(pos, neg)}." for pos, neg in constraints]
    lines += [f"q({i}) :- {head}." for i, head in enumerate(DERIVED)]
    source = "\n".join(lines) + "\n"
    net = Table((3, 3), seed)
    module = nesy.Module(source, {"net": net}, "q(Z)", "asp")
    dist = module({})
    got = {a: float(dist.probs[0, i].detach()) for i, a in enumerate(dist.answers)}
    digits = {i: torch.softmax(net.logits[i].detach(), -1).tolist() for i in (1, 2)}
    want = _neurasp_by_enumeration(facts, rules, constraints, digits)
    for i in range(len(DERIVED)):
        assert got.get(i, 0.0) == pytest.approx(want[i], abs=1e-12), (i, source)
    dist.probs.sum().backward()
    asp_grad = net.logits.grad.clone()
    # the same numbers as an exact query of "q and consistent"
    exact_net = Table((3, 3), seed)
    consistent = nesy.Module(source + "c(Z) :- q(Z), \\+ inconsistent.\n", {"net": exact_net},
                             "c(Z)", "exact")
    exact = consistent({})
    exact.probs.sum().backward()
    assert {a: pytest.approx(float(exact.probs[0, i].detach()), abs=1e-12)
            for i, a in enumerate(exact.answers)} == {a: got[a] for a in exact.answers}
    assert torch.allclose(asp_grad, exact_net.logits.grad, atol=1e-12, rtol=0)


def test_constraint_is_not_evidence():
    """0.3::a. 0.5::b. inconsistent :- a, b: NeurASP gives P(a) = 0.3 * 0.5 = 0.15 (the total
    choice {a, b} has no stable model), ProbLog's evidence would give 0.15 / 0.85."""
    source = ("nn(net, [X], Y, [0, 1]) :: n(X, Y).\n0.3::a.\nb :- n(1, 1).\n"
              "inconsistent :- a, b.\nq(1) :- a.\n")

    class Half(torch.nn.Module):
        def forward(self, x):
            return torch.full((x.shape[0], 2), 0.5, dtype=torch.float64)

    module = nesy.Module(source, {"net": Half()}, "q(Z)", "asp")
    assert float(module({}).probs[0, 0]) == pytest.approx(0.15, abs=1e-15)


def test_a_solver_mpe_batch_has_its_own_time_limit():
    """The plan is built once; a batch evaluated after the build's time limit has passed still
    gets its whole limit (a training epoch outlasts it)."""
    import time

    module = _addition_module("mpe-maxsat", seed=0, limits=nesy.Limits(timeout_s=1.0))
    images = torch.randn(2, 1, 4, 4, dtype=torch.float64)
    inputs, targets = {"X": [images[0]], "Y": [images[1]]}, {"Z": torch.tensor([3])}
    first = module.probability(inputs, targets)
    time.sleep(1.2)
    assert torch.equal(module.probability(inputs, targets), first)
