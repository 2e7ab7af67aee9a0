"""Generated neural programs against DeepProbLog itself: every program `neural_programs`
draws (the narrow ones `test_module_differential.py` checks against brute force, and the wide
ones) runs through DeepProbLog 2.x's exact engine and through `nesy.Module` with the same fixed
network outputs; every answer's probability must agree to 1e-6, from `forward` (with and
without symbolic integers) and from `probability` and `log_probability` per target, and so must
the gradient of each target's probability with respect to every network output.

Covered: several rules per head, a probability on some of them, negation, learnable `t(p)`
facts, rules and annotated disjunctions, annotated disjunctions with and without a body,
probabilistic rules, arithmetic over network outputs (`is`, comparisons, `max`, `abs`, `mod`,
`//`, one network output used twice as in `A - A`), one-input, two-input and
single-probability networks, neural predicates called with a constant output and under
negation, recursion over a list of inputs, `;` and `\\+ (...)` in a body, `findall/3` over
probabilistic goals, `call/3`, `member/2`, `between/3`, `nth0/3`, `sum_list/2`, `\\=`, `\\==`.

Left out, because DeepProbLog cannot run them: if-then-else `->` (its engine has no `'->'/2`:
an unknown clause); `t(_)` without a value (DeepProbLog draws it at random in its own parameter
store, so there is no fixed number to compare); a probabilistic rule whose body leaves a
variable unbound, e.g. `0.4::q(Z) :- findall(C, (e(C) ; r), L), length(L, Z)` (ProbLog's
grounder stops on a non-ground probabilistic clause; nesy answers it). Not generated: `evidence/1`
(DeepProbLog's `solve` ignores it; `nesy.Module` refuses it, see test_module_checks.py), tensor-valued networks
and tensor builtins (`test_deepproblog_oracle.py` has them in hand-written programs).

The fast tier runs 30 programs; the slow tier (`-m slow` or NESY_SLOW_TESTS=1) 400 more.
"""

from __future__ import annotations

import os
import random
import re

import pytest
import torch

import nesy

pytest.importorskip("deepproblog")

from deepproblog_exact import (  # noqa: E402
    deepproblog_answers,
    deepproblog_results,
    nesy_answers,
    same_answers,
)
from neural_programs import DOMAIN, PAIR_DOMAIN, Fixed, program, random_rows  # noqa: E402

QUERY = "q(X, Y, Z)"
# example 0 reads rows 0 and 1 of each table, example 1 rows 2 and 3
INPUTS = {"X": torch.tensor([[0.0], [2.0]]), "Y": torch.tensor([[1.0], [3.0]])}

# (wide, seed): the narrow programs are test_module_differential.py's first ones
FAST = [(False, seed) for seed in range(10)] + [(True, seed) for seed in range(20)]
SLOW = [(False, seed) for seed in range(10, 110)] + [(True, seed) for seed in range(20, 320)]


def _networks(rng: random.Random) -> dict[str, Fixed]:
    """Fixed tables for `d/2` (one input), `e/3` (two inputs) and `bright/1` (one number)."""
    digits = random_rows(rng, 4, len(DOMAIN))
    pairs = random_rows(rng, 16, len(PAIR_DOMAIN))
    flags = [[0.05 + 0.9 * rng.random()] for _ in range(4)]
    return {"net": Fixed(torch.tensor(digits, dtype=torch.float64)),
            "pair": Fixed(torch.tensor(pairs, dtype=torch.float64).reshape(4, 4, -1)),
            "flag": Fixed(torch.tensor(flags, dtype=torch.float64))}


def _gradients(value, tables: list[torch.Tensor]) -> list[torch.Tensor]:
    """d value / d table for every network's table (zeros where it does not depend on one),
    along the simplex for a distribution: P(d != 2) may be read as p0 + p1 or as 1 - p2, the
    same function on the simplex with gradients apart by a constant per row (the same after a
    softmax)."""
    if not (isinstance(value, torch.Tensor) and value.requires_grad):
        return [torch.zeros_like(t) for t in tables]
    grads = torch.autograd.grad(value, tables, retain_graph=True, allow_unused=True)
    grads = [torch.zeros_like(t) if g is None else g for g, t in zip(grads, tables, strict=True)]
    return [g - g.mean(-1, keepdim=True) if g.shape[-1] > 1 else g for g in grads]


def _compare(wide: bool, seed: int) -> None:
    rng = random.Random(seed)
    source = program(rng, wide=wide)
    nets = _networks(rng)
    tables = [net.table.requires_grad_() for net in nets.values()]
    results = deepproblog_results(source, nets, QUERY, INPUTS)
    theirs = [{k: float(p) for k, p in answers.items()} for answers in results]
    assert any(p > 1e-6 for answers in theirs for p in answers.values()), source
    program_ = nesy.parse(source)
    with torch.no_grad():
        for symbolic in (True, False):
            ours = nesy_answers(program_, nets, QUERY, INPUTS, symbolic_integers=symbolic)
            same_answers(ours, theirs, f"symbolic_integers={symbolic}\n{source}")
    # per target, through the Module's target way, with gradients with respect to every
    # network output; -3 is never an answer
    module = nesy.Module(program_, nets, QUERY)
    targets = {int(z) for answers in theirs for (z,) in answers} | {-3}
    for target in sorted(targets):
        z = {"Z": torch.tensor([target, target])}
        p = module.probability(INPUTS, z)
        log_p = module.log_probability(INPUTS, z)
        for example, answers in enumerate(results):
            want = answers.get((str(target),), 0.0)
            what = (target, example, source)
            assert float(p[example]) == pytest.approx(float(want), abs=1e-6), what
            assert float(log_p[example].exp()) == pytest.approx(float(want), abs=1e-6), what
            for mine, other in zip(_gradients(p[example], tables), _gradients(want, tables),
                                   strict=True):
                assert torch.allclose(mine, other.to(mine.dtype), atol=1e-6), what


@pytest.mark.parametrize("wide, seed", FAST, ids=[f"{'wide' if w else 'narrow'}-{s}"
                                                  for w, s in FAST])
def test_generated_programs_get_deepproblogs_probabilities(wide, seed):
    _compare(wide, seed)


@pytest.mark.slow
@pytest.mark.parametrize("wide, seed", SLOW, ids=[f"{'wide' if w else 'narrow'}-{s}"
                                                  for w, s in SLOW])
def test_more_generated_programs_get_deepproblogs_probabilities(wide, seed, request):
    # like the other slow tiers: only with -m slow or NESY_SLOW_TESTS=1, not in `make test`
    markexpr = request.config.getoption("markexpr") or ""
    if not (re.search(r"(?<!not )\bslow\b", markexpr) or os.environ.get("NESY_SLOW_TESTS")):
        pytest.skip("slow tier: run with -m slow")
    _compare(wide, seed)


def test_the_comparison_sees_a_changed_network():
    """The check can fail: DeepProbLog with one network row changed disagrees with nesy."""
    rng = random.Random(0)
    source = f"nn(net, [X], Y, {DOMAIN}) :: d(X, Y).\nq(X, Y, Z) :- d(X, A), d(Y, B), " \
             "Z is A + B.\n"
    nets = _networks(rng)
    changed = dict(nets, net=Fixed(nets["net"].table.flip(-1)))
    ours = nesy_answers(source, nets, QUERY, INPUTS)
    same_answers(ours, deepproblog_answers(source, nets, QUERY, INPUTS))
    with pytest.raises(AssertionError):
        same_answers(ours, deepproblog_answers(source, changed, QUERY, INPUTS))
