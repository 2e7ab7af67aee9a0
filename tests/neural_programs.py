"""Generated small neural programs with fixed network outputs, shared by the differential tests
(`test_module_differential.py` against enumeration and brute force, and
`test_deepproblog_generated.py` against DeepProbLog).

A program defines `q(X, Y, Z)` by one to four rules drawn from `BODIES` over the neural
predicate `d/2` (one input, values `DOMAIN`), learnable and plain probabilistic facts, an
annotated disjunction and arithmetic over network outputs. `program(rng, wide=True)` draws
from `WIDE_BODIES` as well (a two-input network `e/3`, neural predicates called with a constant
output, a network giving one probability, a learnable rule and a learnable annotated
disjunction, a probabilistic rule with arithmetic, an annotated disjunction with a body, a
recursive sum over a list of inputs, one network output used twice (`A - A`), `;` in a body,
`findall/3` over probabilistic goals, `call/3`, list builtins, `mod`, `//`, `\\=`, `\\==`)
and puts a probability on some of the `q` rules themselves.
"""

from __future__ import annotations

import random

import torch

DOMAIN = [0, 1, 2]
PAIR_DOMAIN = [0, 1]

NETWORK = f"nn(net, [X], Y, {DOMAIN}) :: d(X, Y).\n"
PAIR_NETWORK = f"nn(pair, [X, Y], C, {PAIR_DOMAIN}) :: e(X, Y, C).\n"
FLAG_NETWORK = "nn(flag, [X]) :: bright(X).\n"

# rule bodies for q(X, Y, Z); d/2 is the neural predicate, u/1 an annotated disjunction
BODIES = [
    "d(X, A), d(Y, B), Z is A + B",
    "d(X, A), Z is 2 * A - 1",
    "d(Y, B), Z is B + 1",
    "d(X, Z)",
    "u(Z)",
    "f, u(Z)",
    "\\+ f, d(X, A), d(Y, B), Z is A + B",
    "g, Z = 1",
    "\\+ g, d(Y, B), Z is 3 - B",
    "h(X), Z = 0",
    "d(X, A), A > 0, Z is A",
    "d(X, A), d(Y, B), A =:= B, Z = 4",
    "d(X, A), \\+ d(Y, A), Z = 5",
    "w(Z, V), d(X, V)",
]

SUPPORT = """
t(0.3)::f.
0.6::g.
0.2::u(0); 0.5::u(2); 0.1::u(5).
h(X) :- d(X, 1), \\+ f.
h(X) :- d(X, 2), g.
w(1, 0). w(2, 2).
"""

# e/3 is a network over two inputs, bright/1 one giving a probability; r/1 and v/1 are
# learnable, s/3 a probabilistic rule, m/2 an annotated disjunction with a body
WIDE_BODIES = [
    "e(X, Y, C), d(X, A), Z is A + C",
    "e(Y, X, 1), Z = 3",
    "d(X, 2), \\+ e(X, Y, 0), Z = 6",
    "e(X, Y, C), C =:= 1, d(Y, B), Z is B * 2",
    "r(X), Z = 7",
    "\\+ r(Y), d(X, A), Z is A - 2",
    "v(Z)",
    "s(X, Y, Z)",
    "d(X, A), d(Y, B), A < B, Z is B - A",
    "\\+ h(Y), e(X, X, C), Z is C + 4",
    "bright(X), d(Y, B), Z is B + 2",
    "\\+ bright(Y), \\+ bright(X), Z = 8",
    "m(Y, Z)",
    "d(X, A), d(Y, B), member(Z, [A, B])",
    "d(X, A), d(Y, B), A \\== B, Z is A * B",
    "findall(A, (d(X, A), A > 0), L), length(L, Z)",
    "findall(C, (e(X, Y, C) ; r(Y), C = 2), L), sum_list(L, Z)",
    "d(X, A), d(Y, B), Z is A mod 2 + B // 2",
    "d(X, A), between(A, 2, Z)",
    "d(X, A), d(Y, B), nth0(A, [B, 5, 6], Z)",
    "d(X, A), d(Y, B), (A > B ; g), Z is abs(A - B)",
    "d(X, A), call(d, Y, B), Z is A - B",
    "d(X, A), A \\= 1, Z = A",
    "e(X, Y, C), d(X, A), d(Y, B), sum_list([A, B, C], Z)",
    "sumall([X, Y, X], Z)",
    "d(X, A), d(X, B), Z is A - B",
    "d(X, A), d(Y, B), Z is 0 * A + B - (A - A)",
    "e(X, Y, C), e(Y, X, D), e(X, Y, E), Z is C + 2 * D + 4 * E",
    "d(X, A), d(Y, A), Z = A",
    "d(X, A), d(Y, B), Z is A - B, Z > 0",
    "d(X, A), d(Y, B), A + B =:= 2, Z = A",
    "d(X, A), d(Y, B), C is A + B, C =\\= 2, Z is C - A",
    "d(X, A), d(Y, B), C is A - B, D is B - A, Z is C + D",
    "\\+ (d(X, A), A > 1), Z = 9",
    "sumall([X, Y], S), sumall([Y, Y], T), Z is S - T",
]

WIDE_SUPPORT = """
t(0.7)::r(X) :- d(X, 2).
t(0.2)::v(1); t(0.3)::v(4).
0.4::s(X, Y, Z) :- d(X, A), d(Y, B), Z is max(A, B).
0.3::m(X, 0); 0.5::m(X, 3) :- d(X, 2).
m(X, 1) :- bright(X), \\+ g.
sumall([], 0).
sumall([H | T], S) :- d(H, A), sumall(T, S1), S is S1 + A.
"""

RULE_PROBABILITIES = ["0.4", "0.75", "1/3"]


def program(rng: random.Random, wide: bool = False) -> str:
    """A program whose first lines declare its networks (one a line), then the rest."""
    if not wide:
        bodies = rng.sample(BODIES, rng.randint(1, 4))
        return NETWORK + SUPPORT + "".join(f"q(X, Y, Z) :- {b}.\n" for b in bodies)
    bodies = rng.sample(BODIES + WIDE_BODIES, rng.randint(1, 4))
    rules = ""
    for body in bodies:
        weight = f"{rng.choice(RULE_PROBABILITIES)}::" if rng.random() < 0.3 else ""
        rules += f"{weight}q(X, Y, Z) :- {body}.\n"
    return (NETWORK + PAIR_NETWORK + FLAG_NETWORK + ":- use_module(library(lists)).\n"
            + SUPPORT + WIDE_SUPPORT + rules)


def random_rows(rng: random.Random, count: int, width: int) -> list[list[float]]:
    """`count` random probability distributions over `width` values, none near zero."""
    rows = []
    for _ in range(count):
        weights = [rng.random() + 0.05 for _ in range(width)]
        rows.append([w / sum(weights) for w in weights])
    return rows


class Fixed(torch.nn.Module):
    """Returns row `x[..., 0]` of a fixed table (entry `[x, y]` for two inputs): network
    outputs chosen by the test. Works on a batch (`[B, 1]` inputs, nesy) and on one example
    (`[1]` inputs, DeepProbLog)."""

    def __init__(self, table: torch.Tensor):
        super().__init__()
        self.table = table

    def forward(self, *xs):
        return self.table[tuple(x[..., 0].long() for x in xs)]
