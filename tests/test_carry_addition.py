"""Digit addition with a carry over an observed sum (src/nesy/examples/multi_addition_carry.pl).

The program's exact probability against DeepProbLog's accumulator program and the
possible-worlds oracle; under the derivation semantics (fuzzy, sample) the Module against
`nesy.query` on the same program with the networks written as annotated disjunctions; one
grounding per N whatever the sum, of size linear in N; sampled worlds' truth (`world_truth`)
against the boolean semiring's levelled evaluation; and the task's `--program carry`.
"""

from __future__ import annotations

import math
import random

import pytest
import torch
from neural_programs import Fixed

import nesy
from nesy.datasets.digit_addition import add_digits
from nesy.testing import oracle
from nesy.train.digit_addition_task import (
    OBSERVED,
    QUERY,
    observed_sum_loss_fn,
    program_text,
)

CARRY = program_text("carry")
ACCUMULATOR = program_text("accumulator")
DIGITS = list(range(10))


def _rules() -> str:
    """The carry program without its two neural predicates."""
    return "".join(line + "\n" for line in CARRY.splitlines() if not line.startswith("nn("))


def _case(n: int, batch: int, seed: int, sharpness: float = 2.0):
    """Network rows for batch x 2 x n digit images, and per example a valid sum's digits (the
    sum of each example's most probable digits, or of random digits), most significant first."""
    gen = torch.Generator().manual_seed(seed)
    rows = torch.softmax(sharpness * torch.randn(2 * n * batch, 10, generator=gen,
                                           dtype=torch.float64), -1)
    index = torch.arange(2 * n * batch).reshape(batch, 2, n)
    read = rows.argmax(-1)[index]  # [B, 2, n]
    random_digits = torch.randint(0, 10, (batch, 2, n), generator=gen)
    digits = torch.where(torch.arange(batch).view(-1, 1, 1) % 2 == 0, read, random_digits)
    sums = add_digits(digits[:, 0], digits[:, 1])  # [B, n + 1]
    return rows, index, sums


def _inputs(index, sums, observed: bool = True) -> dict:
    n = index.shape[2]
    inputs = {"X": [index[:, 0, i:i + 1].double() for i in range(n)],
              "Y": [index[:, 1, i:i + 1].double() for i in range(n)]}
    if observed:
        inputs["Z"] = list(torch.nn.functional.one_hot(sums, 10).double().unbind(1))
    return inputs


def _carry_module(rows, semantics: str, **options):
    return nesy.Module(CARRY, {"mnist_net": Fixed(rows), OBSERVED: torch.nn.Identity()}, QUERY,
                       semantics, symbolic_integers=False, **options)


def _ad(name: str, value, probs) -> str:
    return "; ".join(f"{float(p)!r}::{name}({value}, {d})" for d, p in zip(DIGITS, probs,
                                                                        strict=True)) + ".\n"


def _plain(rows, index, sums, b: int, sum_facts: bool = False) -> tuple[str, str]:
    """Example b as a program without networks (annotated disjunctions with the rows' numbers;
    the observed sum as one-hot annotated disjunctions, or as plain facts) and its query atom."""
    n = index.shape[2]
    text = _rules()
    for side, name in ((0, "x"), (1, "y")):
        for i in range(n):
            text += _ad("digit", f"{name}{i}", rows[index[b, side, i]].tolist())
    for i in range(n + 1):
        digit = int(sums[b, i])
        text += f"sum_digit(z{i}, {digit}).\n" if sum_facts else \
            _ad("sum_digit", f"z{i}", [float(d == digit) for d in DIGITS])
    lists = ["[" + ", ".join(f"{name}{i}" for i in range(count)) + "]"
             for name, count in (("x", n), ("y", n), ("z", n + 1))]
    atom = f"multi_addition({','.join(lists)})"  # as format_term writes it
    return text + f"query({atom}).\n", atom


@pytest.mark.parametrize("n", [1, 2])
def test_exact_equals_the_accumulator_program(n):
    rows, index, sums = _case(n, batch=4, seed=n)
    carry = _carry_module(rows, "exact").probability(_inputs(index, sums), {})
    targets = torch.tensor([int("".join(map(str, s.tolist()))) for s in sums])
    accumulator = nesy.Module(ACCUMULATOR, {"mnist_net": Fixed(rows)}, QUERY).probability(
        _inputs(index, sums, observed=False), {"Z": targets})
    assert torch.allclose(carry, accumulator, rtol=1e-9, atol=1e-15)
    assert (carry > 1e-6).all()  # not vacuously equal: every example has a likely sum
    wrong = sums.clone()
    wrong[:, 0] = 2  # two N-digit numbers never carry 2: an impossible sum has probability 0
    assert float(_carry_module(rows, "exact").probability(_inputs(index, wrong), {}).max()) \
        == 0.0


@pytest.mark.parametrize("n", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_exact_equals_the_possible_worlds_oracle(n):
    """Over the 10^(2N) digit worlds, the sum's digits as facts (N=2: about 20 s)."""
    rows, index, sums = _case(n, batch=2, seed=n)
    carry = _carry_module(rows, "exact").probability(_inputs(index, sums), {})
    for b in range(2 if n == 1 else 1):
        text, _ = _plain(rows, index, sums, b, sum_facts=True)
        (value,) = oracle(text).values()
        assert value == pytest.approx(float(carry[b]), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("semantics", ["fuzzy-product", "fuzzy-godel", "fuzzy-lukasiewicz",
                                       "possibilistic"])
def test_derivation_semantics_equal_nesy_query_on_the_same_program(semantics):
    n = 2
    rows, index, sums = _case(n, batch=3, seed=7)
    got = _carry_module(rows, semantics).probability(_inputs(index, sums), {})
    for b in range(3):
        text, atom = _plain(rows, index, sums, b)
        want = nesy.query(nesy.parse(text), semantics).probabilities[atom]
        assert float(got[b]) == pytest.approx(want, rel=1e-9, abs=1e-12), (semantics, b)
    if semantics == "fuzzy-product":  # differs from the exact value: not a renamed exact
        exact = _carry_module(rows, "exact").probability(_inputs(index, sums), {})
        assert not torch.allclose(got, exact, rtol=1e-3)


def test_sample_estimates_the_exact_probability_like_nesy_query():
    n, samples = 2, 4000
    rows, index, sums = _case(n, batch=2, seed=3, sharpness=4.0)
    exact = _carry_module(rows, "exact").probability(_inputs(index, sums), {})
    got = _carry_module(rows, "sample", k=samples).probability(_inputs(index, sums), {})
    for b in range(2):
        p = float(exact[b])
        # 6 standard deviations of a mean of `samples` Bernoulli(p) draws
        tolerance = 6 * math.sqrt(p * (1 - p) / samples) + 1e-9
        assert float(got[b]) == pytest.approx(p, abs=tolerance)
        text, atom = _plain(rows, index, sums, b)
        estimate = nesy.query(nesy.parse(text), "sample", k=samples).probabilities[atom]
        assert estimate == pytest.approx(p, abs=tolerance)
    assert float(exact[0]) > 0.05  # the most probable digits' sum: a test with power


def test_one_grounding_per_n_whatever_the_sum_and_linear_in_n():
    sizes = {}
    for n in (2, 4, 8):
        rows, index, sums = _case(n, batch=4, seed=n)
        module = _carry_module(rows, "fuzzy-product")
        first = module.probability(_inputs(index, sums), {})
        other = _case(n, batch=4, seed=100 + n)[2]
        assert not torch.equal(other, sums)
        module.probability(_inputs(index, other), {})
        assert module.stats.shapes == 1 and module.stats.symbolic_shapes == 0
        assert first.shape == (4,)
        (shape,) = module._shapes.values()
        sizes[n] = len(shape.simplified.ground.bodies)
    # per position: 2 carries in x 10 x 10 digit pairs, one ground rule each, and a few more
    for n, size in sizes.items():
        assert size <= 2 * 10 * 10 * n + 10, sizes
    assert sizes[8] - sizes[4] == 2 * (sizes[4] - sizes[2])  # linear: the same per position


def test_world_truth_matches_the_boolean_levelled_evaluation():
    from nesy.circuit.evaluate import CircuitPlan
    from nesy.circuit.sample import world_truth
    from nesy.compile.ground2dag import ground2dag
    from nesy.ground.simplify import simplify
    from nesy.semiring import get_semiring

    rng = random.Random(0)
    rows, index, sums = _case(2, batch=1, seed=5)
    carry_text, _ = _plain(rows, index, sums, 0)
    negation = ("0.3::a. 0.6::b. 0.2::c; 0.5::d.\nq :- a, b.\nq :- c, \\+ a.\nr :- d, \\+ q.\n"
                "s :- q, r.\nt :- \\+ s, \\+ r.\nquery(q). query(r). query(s). query(t).\n")
    boolean = get_semiring("boolean", 1)
    for text in (carry_text, negation):
        program = nesy.parse(text)
        from nesy.ground.engine import program_queries

        simplified = simplify(program_queries(program))
        roots = [lit for _, lit in simplified.queries]
        dag = ground2dag(simplified, roots)
        plan = CircuitPlan(dag.circuit)
        worlds = torch.tensor([[True] + [rng.random() < 0.5 for _ in range(
            dag.circuit.num_vars)] for _ in range(64)])
        want = plan.evaluate(worlds.double(), (~worlds).double(), boolean)
        got = world_truth(plan, worlds, {})
        assert got.dtype == torch.bool and torch.equal(got, want.bool()), text
        assert 0 < int(got.sum()) < got.numel()  # both truth values occur


def test_fuzzy_product_gradient_matches_finite_differences():
    rows, index, sums = _case(2, batch=2, seed=11)
    logits = rows.log().clone().requires_grad_(True)

    class Net(torch.nn.Module):
        def forward(self, x):
            return torch.softmax(logits, -1)[x[..., 0].long()]

    module = nesy.Module(CARRY, {"mnist_net": Net(), OBSERVED: torch.nn.Identity()}, QUERY,
                         "fuzzy-product", symbolic_integers=False)

    def value(table):
        nonlocal logits
        saved, logits = logits, table
        try:
            return module.probability(_inputs(index, sums), {}).sum()
        finally:
            logits = saved

    assert torch.autograd.gradcheck(value, (logits,), eps=1e-6, atol=1e-7)


def test_task_trains_the_carry_program_under_sample_without_symbolic_integers():
    from nesy.train.digit_addition_task import AdditionOptions, bench, build, training_data
    from nesy.train.timing import TimingOptions

    options = AdditionOptions(n_digits=2, n_train=32, n_test=16, semantics="sample", k=4,
                              program="carry")
    module, _, data = build(options)
    batch = {k: v[:8] for k, v in training_data(data.train, "carry").items()}
    loss = observed_sum_loss_fn(module, batch)
    loss.backward()
    assert torch.isfinite(loss) and not module.symbolic_integers
    report = bench(options, timing=TimingOptions(min_seconds=0.01, rounds=1,
                                                 warmup_seconds=0.0))
    assert report["program"] == "carry" and report["symbolic_integers"] is False
    # one grounding for every sum of the training set, without symbolic integers
    assert report["cache"].startswith("query shapes: 1 (0 with symbolic integers)")
    assert 0.0 <= report["accuracy"] <= 1.0 and report["digit_accuracy"] > 0.0


def test_cli_parses_the_program_and_refuses_to_explain_an_observed_sum(tmp_path, capsys):
    from nesy.cli import build_parser, main
    from nesy.cli.train import options_from

    code = main(["train", "--task", "digit-addition", "--program", "carry", "--explain",
                 "--n-train", "8", "--n-test", "8", "--output", str(tmp_path)])
    assert code != 0
    assert "--explain is not available with --program carry" in capsys.readouterr().err
    parser = build_parser()
    args = parser.parse_args(["bench", "digit-addition", "--program", "carry", "--n", "3"])
    assert options_from(args).program == "carry" and options_from(args).n_digits == 3
    default = parser.parse_args(["bench", "digit-addition"])
    assert options_from(default).program == "accumulator"


def test_fuzzy_product_keeps_small_values_at_twelve_digits():
    """The probabilistic sum over many small bodies: computed as 1 - prod(1 - x) it cancelled
    (5.4967e-13 for 5.4953e-13 here; 0 for ~1e-20 at N=15); nesy.query folds a + b - ab."""
    rows, index, sums = _case(12, batch=2, seed=1)
    got = _carry_module(rows, "fuzzy-product").probability(_inputs(index, sums), {})
    for b in range(2):
        text, atom = _plain(rows, index, sums, b)
        want = nesy.query(nesy.parse(text), "fuzzy-product").probabilities[atom]
        assert float(got[b]) == pytest.approx(want, rel=1e-9)
    assert float(got.min()) < 1e-12  # small enough that the cancellation showed


def test_observed_sum_loss_has_a_gradient_below_float32s_smallest_number():
    """At N=45 the fuzzy-product value (~1e-45 here) is below float32's smallest normal number:
    the loss floors at the float64 value's own, so the network still gets a gradient."""
    n = 45
    rows, index, sums = _case(n, batch=2, seed=4, sharpness=0.5)
    logits = rows.log().clone().requires_grad_(True)

    class Net(torch.nn.Module):
        def forward(self, x):
            return torch.softmax(logits, -1)[x[..., 0].long()]

    module = nesy.Module(CARRY, {"mnist_net": Net(), OBSERVED: torch.nn.Identity()}, QUERY,
                         "fuzzy-product", symbolic_integers=False)
    batch = {"a_images": index[:, 0].unsqueeze(-1).double(),
             "b_images": index[:, 1].unsqueeze(-1).double(), "sum_digits": sums}
    with torch.no_grad():
        value = module.probability(_inputs(index, sums), {})
    assert float(value.max()) < torch.finfo(torch.float32).tiny and float(value.min()) > 0
    loss = observed_sum_loss_fn(module, batch)
    loss.backward()
    assert math.isfinite(float(loss.detach())) and float(logits.grad.abs().max()) > 1e-3
