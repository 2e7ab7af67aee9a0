"""DeepProbLog 2.x as an oracle: the same program, the same fixed networks, the same inputs,
the same probabilities (to 1e-6). Programs are DeepProbLog's own examples, read from the
installed `deepproblog` package (Apache-2.0; not copied here), and small programs of ours
with the constructs those examples use. Skipped where deepproblog is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import nesy
from nesy.terms import list_items

deepproblog = pytest.importorskip("deepproblog")

from deepproblog_exact import BATCH, deepproblog_answers, nesy_answers  # noqa: E402
from deepproblog_exact import same_answers as _same  # noqa: E402

EXAMPLES = Path(deepproblog.__file__).parent / "examples"


class Fixed(torch.nn.Module):
    """A seeded linear layer over its inputs concatenated, then a softmax (`out` > 1), a
    sigmoid (`out` == 1) or a tanh (`kind="tensor"`). Works on one example (DeepProbLog)
    and on a batch (nesy); a constant DeepProbLog passes as a term is read as a number."""

    def __init__(self, inputs: int, out: int, seed: int, kind: str = "probs"):
        super().__init__()
        torch.manual_seed(seed)
        self.linear = torch.nn.Linear(inputs, out).double()
        self.kind = kind

    def forward(self, *xs):
        xs = [x if isinstance(x, torch.Tensor) else torch.tensor([float(x)]) for x in xs]
        h = self.linear(torch.cat([x.double() for x in xs], -1))
        if self.kind == "tensor":
            return torch.tanh(h)
        return torch.sigmoid(h) if h.shape[-1] == 1 else torch.softmax(h, -1)


def _example(path: str) -> str:
    return (EXAMPLES / path).read_text()


def _images(structure, seed: int, width: int = 4):
    """Per input variable: nested lists of [BATCH, width] tensors shaped like `structure`."""
    generator = torch.Generator().manual_seed(seed)

    def build(s):
        if isinstance(s, list):
            return [build(x) for x in s]
        return torch.randn(BATCH, width, generator=generator, dtype=torch.float64)

    return build(structure)


DIGITS = {"mnist_net": lambda: Fixed(4, 10, 0)}

# (name, program, networks (factories), query, input structure per variable)
CASES = [
    ("minimal/addition", lambda: _example("minimal/addition.pl"), DIGITS,
     "addition(X, Y, Z)", {"X": 0, "Y": 0}),
    ("MNIST/addition (multi-digit)", lambda: _example("MNIST/models/addition.pl"), DIGITS,
     "multi_addition(X, Y, Z)", {"X": [0, 0], "Y": [0]}),
    ("MNIST/all_digit_addition", lambda: _example("MNIST/models/all_digit_addition.pl"), DIGITS,
     "addition(X, Y, Z)", {"X": 0, "Y": 0, "Z": 0}),
    # (two pairs with the sum free take DeepProbLog 150-240 s, nesy 0.1 s: left out)
    ("MNIST/any_sum (nested lists)", lambda: _example("MNIST/models/any_sum.pl"), DIGITS,
     "anysum(B, R)", {"B": [[0, 0]]}),
    ("MNIST/any_sum (three pairs, a bound sum)", lambda: _example("MNIST/models/any_sum.pl"),
     DIGITS, "anysum(B, 3)", {"B": [[0, 0], [0, 0], [0, 0]]}),
    ("MNIST/noisy_addition", lambda: _example("MNIST/models/noisy_addition.pl"), DIGITS,
     "addition_noisy(X, Y, Z)", {"X": 0, "Y": 0}),
    ("Coins (atom values, two nets)", lambda: _example("Coins/model.pl"),
     {"net1": lambda: Fixed(4, 2, 1), "net2": lambda: Fixed(4, 2, 2)},
     "game(X, Outcome)", {"X": 0}),
    ("Poker (t(1/4), select/3)", lambda: _example("Poker/model.pl"),
     {"net1": lambda: Fixed(4, 4, 3)}, "game(C, Outcome)", {"C": [0, 0, 0, 0]}),
    ("HWF (operators, floats)", lambda: _example("HWF/model.pl"),
     {"net1": lambda: Fixed(4, 10, 4), "net2": lambda: Fixed(4, 4, 5)},
     "expression(I, R)", {"I": [0, 0, 0]}),
    ("Forth/Sort compare (constant inputs)", lambda: _example("Forth/Sort/compare.pl"),
     {"swap_net": lambda: Fixed(2, 2, 6)}, "forth_sort([3, 1, 2], L)", {}),
    ("Forth/Sort quicksort", lambda: _example("Forth/Sort/quicksort.pl"),
     {"swap_net": lambda: Fixed(2, 2, 6)}, "forth_sort([3, 1, 2], L)", {}),
    ("Forth/Add choose (three inputs)", lambda: _example("Forth/Add/choose.pl"),
     {"neural1": lambda: Fixed(3, 10, 7), "neural2": lambda: Fixed(3, 2, 8)},
     "add([3, 5], [2, 8], 0, R)", {}),
    ("Forth/WAP (tensor-valued rnn)", lambda: _example("Forth/WAP/wap.pl"),
     {"rnn": lambda: Fixed(4, 5, 9, kind="tensor"), "nn_permute": lambda: Fixed(5, 6, 10),
      "nn_op1": lambda: Fixed(5, 4, 11), "nn_swap": lambda: Fixed(5, 2, 12),
      "nn_op2": lambda: Fixed(5, 4, 13)},
     "wap(T, 2, 3, 4, Out)", {"T": 0}),
    ("own: two-input and one-probability networks", lambda: OWN_MULTI_INPUT,
     {"pair": lambda: Fixed(8, 3, 14), "close": lambda: Fixed(8, 1, 15)},
     "related(X, Y, R)", {"X": 0, "Y": 0}),
    ("own: embedding fed to two nets, =..", lambda: OWN_EMBEDDING,
     {"encoder": lambda: Fixed(8, 6, 16, kind="tensor"), "rel": lambda: Fixed(6, 3, 17),
      "flag": lambda: Fixed(6, 1, 18)},
     "edge(X, Y, E)", {"X": 0, "Y": 0}),
    ("own: an input list bound at call time (CLUTRR's nn(rel_extract, E, ...))",
     lambda: OWN_INPUT_VARIABLE,
     {"encoder": lambda: Fixed(8, 6, 19, kind="tensor"), "rel": lambda: Fixed(12, 3, 20),
      "digit": lambda: Fixed(4, 3, 21)},
     "edge(X, Y, R)", {"X": 0, "Y": 0}),
    ("own: tensor builtins (add, mul, max, mean, cat, rbf, dot, sigmoid, ...)",
     lambda: OWN_TENSOR_BUILTINS,
     {"enc": lambda: Fixed(4, 3, 22, kind="tensor"), "cls": lambda: Fixed(3, 3, 23),
      "wide": lambda: Fixed(6, 2, 24)},
     "q(X, Y, R)", {"X": 0, "Y": 0}),
]

OWN_TENSOR_BUILTINS = """
nn(enc, [X], E) :: encode(X, E).
nn(cls, [E], R, [a, b, c]) :: classify(E, R).
nn(wide, [E], R, [a, d]) :: wide(E, R).
P :: similar(X, Y) :- encode(X, EX), encode(Y, EY), rbf(EX, EY, P).
P :: close(X, Y) :- encode(X, EX), encode(Y, EY), dot(EX, EY, D), sigmoid(D, P).
P :: bright(X) :- encode(X, EX), list_to_tensor([0.5, 0.25], L), cat([EX, L], C),
    sigmoid(C, S), tensor_index(S, [1], P).
first_smaller(X, Y) :- encode(X, EX), encode(Y, EY), tensor_index(EX, [0], A),
    tensor_index(EY, [0], B), less_than(A, B).
q(X, Y, R) :- encode(X, EX), encode(Y, EY), add(EX, EY, S), classify(S, R), similar(X, Y).
q(X, Y, R) :- encode(X, EX), encode(Y, EY), mul(EX, EY, M), classify(M, R), \\+ similar(X, Y),
    close(X, Y).
q(X, Y, R) :- encode(X, EX), encode(Y, EY), max([EX, EY], M), mean([EX, M], A), classify(A, R),
    \\+ close(X, Y), bright(Y).
q(X, Y, R) :- encode(X, EX), one_hot(1, 3, O), cat([EX, O], C), wide(C, R), first_smaller(X, Y).
"""

OWN_INPUT_VARIABLE = """
nn(encoder, [X, Y], E) :: encode(X, Y, E).
nn(rel, Pair, R, [parent, child, sibling]) :: relation(Pair, R).
nn(digit, Input, D, [0, 1, 2]) :: digit(Input, D).
edge(X, Y, R) :- encode(X, Y, E1), encode(Y, X, E2), Pair = [E1, E2], relation(Pair, R).
edge(X, Y, D) :- digit([X], D), D > 0.
"""

OWN_MULTI_INPUT = """
nn(pair, [X, Y], R, [less, same, more]) :: order(X, Y, R).
nn(close, [X, Y]) :: close(X, Y).
0.3::noise.
related(X, Y, R) :- order(X, Y, R), \\+ noise.
related(X, Y, near) :- close(X, Y), noise.
"""

OWN_EMBEDDING = """
nn(encoder, [X, Y], E) :: encode(X, Y, E).
nn(rel, [E], R, [parent, child, sibling]) :: relation(E, R).
nn(flag, [E]) :: directed(E).
edge(X, Y, Edge) :- encode(X, Y, E), relation(E, R), directed(E), Edge =.. [R, x, y].
edge(X, Y, Edge) :- encode(X, Y, E), relation(E, R), \\+ directed(E), Edge =.. [R, y, x].
"""


def _nets(factories: dict) -> dict:
    return {name: factory() for name, factory in factories.items()}


# every case takes DeepProbLog's exact engine under 5 s
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_nesy_gives_deepproblogs_probabilities(case):
    _, program, factories, query, structure = case
    text = program()
    inputs = {name: _images(s, seed=i) for i, (name, s) in enumerate(structure.items())}
    nets = _nets(factories)
    theirs = deepproblog_answers(text, nets, query, inputs)
    ours = nesy_answers(text, nets, query, inputs)
    assert any(p > 1e-6 for answers in theirs for p in answers.values())
    _same(ours, theirs)


def test_a_query_with_no_answers_has_probability_zero_in_both():
    text = _example("minimal/addition.pl")
    inputs = {"X": _images(0, 0), "Y": _images(0, 1)}
    nets = _nets(DIGITS)
    module = nesy.Module(text, nets, "addition(X, Y, Z)")
    p = module.probability(inputs, {"Z": torch.tensor([19, 25])})
    assert p.tolist() == [0.0, 0.0]
    theirs = deepproblog_answers(text, nets, "addition(X, Y, 25)", inputs)
    assert all(sum(a.values()) == 0.0 for a in theirs)


def test_atom_valued_targets_match_deepproblog():
    text = _example("Coins/model.pl")
    nets = _nets({"net1": lambda: Fixed(4, 2, 1), "net2": lambda: Fixed(4, 2, 2)})
    inputs = {"X": _images(0, 0)}
    theirs = deepproblog_answers(text, nets, "game(X, Outcome)", inputs)
    module = nesy.Module(text, nets, "game(X, Outcome)")
    p = module.probability(inputs, {"Outcome": ["win", "loss"]})
    assert float(p[0]) == pytest.approx(theirs[0][("win",)], abs=1e-6)
    assert float(p[1]) == pytest.approx(theirs[1][("loss",)], abs=1e-6)


def test_list_items_helper_sanity():
    # the nested-list binding of `any_sum` reaches the program as a list of two-item lists
    module = nesy.Module(_example("MNIST/models/any_sum.pl"), _nets(DIGITS), "anysum(B, R)")
    query, _, _ = module._bind_inputs({"B": _images([[0, 0], [0, 0]], 0)})
    assert [len(list_items(pair)) for pair in list_items(query.args[0])] == [2, 2]


@pytest.mark.parametrize("copy, original", [
    ("coins.pl", "Coins/model.pl"), ("poker.pl", "Poker/model.pl"),
    ("forth_add.pl", "Forth/Add/choose.pl"), ("forth_sort.pl", "Forth/Sort/compare.pl"),
    ("forth_quicksort.pl", "Forth/Sort/quicksort.pl"), ("wap.pl", "Forth/WAP/wap.pl"),
    ("noisy_addition.pl", "MNIST/models/noisy_addition.pl"), ("any_sum.pl", "MNIST/models/any_sum.pl"),
    ("all_digit_addition.pl", "MNIST/models/all_digit_addition.pl")])
def test_the_examples_copies_are_deepproblogs_programs_unmodified(copy, original):
    path = Path(__file__).resolve().parent.parent / "examples" / "deepproblog" / copy
    body = path.read_text().split("\n", 2)[2]  # below the two-line header
    assert body.rstrip("\n") == _example(original).rstrip("\n")
