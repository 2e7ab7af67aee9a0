"""Every fast path of `nesy.Module` against the plain enumeration path and brute force.

Generated small neural programs (`neural_programs.program`: several rules per head, negation,
learnable `t(..)` facts, annotated disjunctions mixed with arithmetic over network outputs)
with fixed network outputs: the symbolic-integer ways (`forward`, `probability`,
`log_probability`) must agree with `symbolic_integers=False` and with the possible-worlds
oracle of `nesy.testing`, where the networks become annotated disjunctions over the same
numbers. `test_deepproblog_generated.py` runs the same programs (and wider ones) against
DeepProbLog.
"""

from __future__ import annotations

import math
import random

import pytest
import torch
from neural_programs import DOMAIN, Fixed, random_rows
from neural_programs import program as _program

import nesy
from nesy.limits import Limits
from nesy.testing import oracle


def _brute_force(source: str, examples: list[dict[str, list[float]]]) -> list[dict]:
    """Per example, P(q(x, y, Z)) per Z, by enumerating worlds (one oracle call for all
    examples: parsing is the slow part) with the network as annotated disjunctions."""
    plain = source.split("\n", 1)[1]
    values = range(-2, 7)
    for rows in examples:
        for name, row in rows.items():
            plain += "; ".join(f"{p!r}::d({name}, {v})" for v, p in zip(DOMAIN, row,
                                                                        strict=True)) + ".\n"
        x, y = rows
        plain += "".join(f"query(q({x}, {y}, {v})).\n" for v in values)
    result = oracle(plain)
    return [{v: result[f"q({x},{y},{v})"] for v in values} for x, y in examples]


def _as_dict(dist, example: int) -> dict:
    return {a: float(dist.probs[example, i]) for i, a in enumerate(dist.answers)}


def _close(a: dict, b: dict, what: str) -> None:
    for key in set(a) | set(b):
        assert a.get(key, 0.0) == pytest.approx(b.get(key, 0.0), abs=1e-6), (what, key, a, b)


@pytest.mark.parametrize("seed", range(14))
def test_fast_paths_agree_with_enumeration_and_brute_force(seed):
    rng = random.Random(seed)
    source = _program(rng)
    rows = random_rows(rng, 4, len(DOMAIN))
    table = torch.tensor(rows, dtype=torch.float64)
    # example 0 reads rows 0 and 1, example 1 rows 2 and 3
    inputs = {"X": torch.tensor([[0.0], [2.0]]), "Y": torch.tensor([[1.0], [3.0]])}
    program = nesy.parse(source)
    fast = nesy.Module(program, {"net": Fixed(table)}, "q(X, Y, Z)")
    plain = nesy.Module(program, {"net": Fixed(table)}, "q(X, Y, Z)", symbolic_integers=False)
    expected = _brute_force(source, [{"a": rows[0], "b": rows[1]}, {"c": rows[2], "e": rows[3]}])
    with torch.no_grad():
        fast_dist, plain_dist = fast(inputs), plain(inputs)
        for example in range(2):
            assert all(a in expected[example] for a in plain_dist.answers), source
            _close(_as_dict(plain_dist, example), expected[example], f"plain\n{source}")
            _close(_as_dict(fast_dist, example), expected[example], f"forward\n{source}")
        # per-target probabilities, through the target way where it applies
        for target in range(-1, 6):
            z = torch.tensor([target, target])
            p_fast = fast.probability(inputs, {"Z": z})
            p_log = fast.log_probability(inputs, {"Z": z}).exp()
            p_plain = plain.probability(inputs, {"Z": z})
            for example in range(2):
                want = expected[example][target]
                for got in (p_fast, p_log, p_plain):
                    assert float(got[example]) == pytest.approx(want, abs=1e-6), (target, source)


NOISY = """
nn(net, [X], Y, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) :: digit(X, Y).
t(0.1)::noisy.
""" + "; ".join(f"1/19::uniform(X, Y, {i})" for i in range(19)) + """.
addition_noisy(X, Y, Z) :- noisy, uniform(X, Y, Z).
addition_noisy(X, Y, Z) :- \\+ noisy, digit(X, N1), digit(Y, N2), Z is N1 + N2.
"""


@pytest.mark.parametrize("symbolic", [True, False])
def test_noisy_addition_keeps_the_noisy_branch(symbolic):
    """DeepProbLog's noisy addition: P(7) = 0.1/19 + 0.9 P(sum = 7), not 0.9 P(sum = 7)."""
    torch.manual_seed(0)
    logits = torch.randn(4, 10, dtype=torch.float64)
    table = torch.softmax(logits, -1)
    module = nesy.Module(NOISY, {"net": Fixed(table)}, "addition_noisy(X, Y, Z)",
                         symbolic_integers=symbolic)
    inputs = {"X": torch.tensor([[0.0], [2.0]]), "Y": torch.tensor([[1.0], [3.0]])}
    expected = []
    for a, b in ((0, 1), (2, 3)):
        total = sum(float(table[a, i] * table[b, 7 - i]) for i in range(8))
        expected.append(0.1 / 19 + 0.9 * total)
    p = module.probability(inputs, {"Z": torch.tensor([7, 7])})
    assert p.tolist() == pytest.approx(expected, abs=1e-12)
    dist = module(inputs)
    assert dist.answers == list(range(19))
    assert dist.probs[:, 7].tolist() == pytest.approx(expected, abs=1e-12)
    assert dist.probs.sum(1).tolist() == pytest.approx([1.0, 1.0], abs=1e-12)
    log_p = module.log_probability(inputs, {"Z": torch.tensor([7, 7])})
    assert math.isclose(float(log_p[0]), math.log(expected[0]), rel_tol=1e-9)
    # the symbolic module answers without enumerating the digits, on its own
    assert module.stats.symbolic_shapes == (2 if symbolic else 0)
    # beyond the distribution limit, predict reads the most probable digits of the best answer
    small = nesy.Module(NOISY, {"net": Fixed(table)}, "addition_noisy(X, Y, Z)",
                        limits=Limits(max_distribution_size=5))
    reads = table.argmax(1).tolist()
    assert small.predict(inputs) == [reads[0] + reads[1], reads[2] + reads[3]]


def test_answers_holding_several_integers_are_answered_without_a_switch():
    """Two outputs from networks, several rules: the Module picks an exact way by itself."""
    source = f"""
nn(net, [X], Y, {DOMAIN}) :: d(X, Y).
t(0.4)::swap.
0.5::u(0, 1); 0.5::u(2, 2).
pair(X, Y, A, B) :- \\+ swap, d(X, A), d(Y, N), B is N + 1.
pair(X, Y, A, B) :- swap, u(A, B).
"""
    table = torch.tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]], dtype=torch.float64)
    inputs = {"X": torch.tensor([[0.0]]), "Y": torch.tensor([[1.0]])}
    program = nesy.parse(source)
    fast = nesy.Module(program, {"net": Fixed(table)}, "pair(X, Y, A, B)")
    plain = nesy.Module(program, {"net": Fixed(table)}, "pair(X, Y, A, B)",
                        symbolic_integers=False)
    with torch.no_grad():
        got, want = _as_dict(fast(inputs), 0), _as_dict(plain(inputs), 0)
        _close(got, want, "pair")
        assert fast.stats.symbolic_shapes == 1
        assert got[(2, 2)] == pytest.approx(0.6 * 0.5 * 0.1 + 0.4 * 0.5)
        p = fast.probability(inputs, {"A": torch.tensor([2]), "B": torch.tensor([2])})
        assert float(p[0]) == pytest.approx(got[(2, 2)])


def test_noisy_addition_gradients_match_the_enumeration_path():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(10, 10), torch.nn.Softmax(-1)).double()
    inputs = {"X": torch.randn(3, 10, dtype=torch.float64),
              "Y": torch.randn(3, 10, dtype=torch.float64)}
    program = nesy.parse(NOISY)
    grads = []
    for symbolic in (True, False):
        module = nesy.Module(program, {"net": net}, "addition_noisy(X, Y, Z)",
                             symbolic_integers=symbolic)
        module.zero_grad()
        loss = module.probability(inputs, {"Z": torch.tensor([7, 3, 12])}).log().sum() \
            + module(inputs).probs[:, 5].sum()
        loss.backward()
        grads.append([p.grad.clone() for p in module.parameters()])
    for fast, plain in zip(*grads, strict=True):
        assert torch.allclose(fast, plain, atol=1e-12)


# builtins reading network outputs: where a builtin cannot answer for a random integer it must
# give up (the Module enumerates), never answer as if it were one value
BUILTIN_BODIES = {
    "standard order": "d(X, A), d(Y, B), A @< B, Z = A",
    "compare/3": "d(X, A), d(Y, B), compare(Z, A, B)",
    "a fact's argument": "d(X, A), d(Y, B), S is A + B, small(s(S)), Z = S",
    "unify a term": "d(X, A), d(Y, B), S is A + B, T = f(S), T = f(2), Z = T",
    "a probabilistic fact": "d(X, A), d(Y, B), S is A + B, bonus(S), Z = S",
    "a probabilistic rule": "d(X, A), d(Y, B), S is A + B, twice(S, Z)",
    "integer/1": "d(X, A), d(Y, B), Z is A + B, integer(Z)",
    "between/3": "d(X, A), d(Y, B), Z is A + B, between(1, 3, Z)",
    "==": "d(X, A), d(Y, B), Z is A + B, Z \\== 2",
    "nth0/3": "d(X, A), d(Y, B), S is A + B, nth0(S, [a, b, c, d, e], Z)",
    "sort/2": "d(X, A), d(Y, B), sort([A, B], Z)",
    "max_list/2": "d(X, A), d(Y, B), max_list([A, B], Z)",
    "\\=": "d(X, A), d(Y, B), f(A) \\= f(B), Z = A",
    "=..": "d(X, A), d(Y, B), S is A + B, Z =.. [f, S]",
    "findall/3": "d(X, A), d(Y, B), findall(V, member(V, [A, B]), Z)",
    "mod": "d(X, A), d(Y, B), Z is (A + B) mod 2",
}


@pytest.mark.parametrize("body", list(BUILTIN_BODIES.values()), ids=list(BUILTIN_BODIES))
def test_builtins_over_network_outputs_agree_with_enumeration(body):
    source = (f"nn(net, [X], Y, {DOMAIN}) :: d(X, Y).\nsmall(s(0)). small(s(1)).\n"
              "0.3::bonus(S).\n0.3::twice(S, T) :- T is S * 2.\n"
              f"q(X, Y, Z) :- {body}.\n")
    table = torch.tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]], dtype=torch.float64)
    inputs = {"X": torch.tensor([[0.0]]), "Y": torch.tensor([[1.0]])}
    program = nesy.parse(source)
    with torch.no_grad():
        got = _as_dict(nesy.Module(program, {"net": Fixed(table)}, "q(X, Y, Z)")(inputs), 0)
        want = _as_dict(nesy.Module(program, {"net": Fixed(table)}, "q(X, Y, Z)",
                                    symbolic_integers=False)(inputs), 0)
    assert sum(want.values()) > 0.05
    _close(got, want, body)


@pytest.mark.parametrize("body", ["d(X, A), Z is A - A", "d(X, A), d(X, B), Z is A - B + 1",
                                  "d(X, A), Z is 0 * A", "d(X, A), Z is -(A - A) * 3"])
def test_a_network_output_that_cancels_out_is_a_number(body):
    """`A - A` is one number in every world: the symbolic way answered it with a distribution
    over no random integer and failed (found by test_deepproblog_generated.py)."""
    source = f"nn(net, [X], Y, {DOMAIN}) :: d(X, Y).\nq(X, Y, Z) :- {body}.\n"
    table = torch.tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]], dtype=torch.float64)
    inputs = {"X": torch.tensor([[0.0], [1.0]]), "Y": torch.tensor([[1.0], [0.0]])}
    value = 1 if "+ 1" in body else 0
    for symbolic in (True, False):
        module = nesy.Module(source, {"net": Fixed(table)}, "q(X, Y, Z)",
                             symbolic_integers=symbolic)
        dist = module(inputs)
        for example in range(2):
            _close(_as_dict(dist, example), {value: 1.0}, f"{body} {symbolic}")
        p = module.probability(inputs, {"Z": torch.tensor([value, 2])})
        assert p.tolist() == pytest.approx([1.0, 0.0], abs=1e-12)
