"""DeepProbLog constructs through `nesy.Module`: an input list bound at call time (CLUTRR),
a tensor-valued network returning several tensors, and programs deeper than the main
thread's stack."""

from __future__ import annotations

import math
import zlib
from pathlib import Path

import pytest
import torch

import nesy
from nesy.errors import LimitError
from nesy.limits import Limits
from nesy.terms import Term, format_term


def _embedding(term) -> torch.Tensor:
    """A fixed random [4] tensor per constant (text, entity or list of sentences)."""
    generator = torch.Generator().manual_seed(zlib.crc32(format_term(term).encode()))
    return torch.randn(4, generator=generator, dtype=torch.float64)


class Encoder(torch.nn.Module):
    """CLUTRR's encoder: (text, entity, entity) -> one embedding per entity, as a pair, or
    (`pair=False`) the two concatenated."""

    def __init__(self, pair: bool):
        super().__init__()
        torch.manual_seed(1)
        self.linear = torch.nn.Linear(12, 8).double()
        self.pair = pair

    def forward(self, text, first, second):
        h = torch.tanh(self.linear(torch.cat([text, first, second], -1)))
        return (h[:, :4], h[:, 4:]) if self.pair else h


class Classifier(torch.nn.Module):
    def __init__(self, inputs: int, out: int, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.linear = torch.nn.Linear(inputs, out).double()

    def forward(self, *xs):
        return torch.softmax(self.linear(torch.cat(xs, -1)), -1)


def _clutrr_forward() -> str:
    deepproblog = pytest.importorskip("deepproblog")
    return (Path(deepproblog.__file__).parent / "examples/CLUTRR/model_forward.pl").read_text()


def test_clutrr_forward_chaining_reads_an_encoders_pair_through_a_variable_input_list():
    """`nn(rel_extract, E, R, [...]) :: extract_relation(E, R)` with E the encoder's output:
    a pair of tensors becomes the network's two arguments, the same numbers as one tensor."""
    text = _clutrr_forward()
    query = 'clutrr_text([a, b], [s([a, b], "a is the son of b")], a, R, b)'
    answers = []
    for pair in (True, False):
        nets = {"encoder": Encoder(pair), "rel_extract": Classifier(8, 11, 2),
                "gender_net": Classifier(8, 2, 3)}
        module = nesy.Module(text, nets, query, embed=_embedding)
        dist = module({})
        answers.append({format_term(a): float(p) for a, p in zip(dist.answers, dist.probs[0],
                                                                  strict=True)})
    assert answers[0] == pytest.approx(answers[1], abs=1e-12)
    # one sentence: the relation is one of the network's values, gendered by gender_net
    assert sum(answers[0].values()) == pytest.approx(1.0, abs=1e-9)
    assert set(answers[0]) >= {"son", "daughter", "father", "mother", "husband", "wife"}


DEEP = """
nn(net, [X], Y, [0, 1]) :: d(X, Y).
count(0).
count(N) :- N > 0, M is N - 1, count(M).
q(X, Y) :- d(X, Y), count({n}).
"""


def test_a_program_deeper_than_the_main_threads_stack_is_grounded_on_the_large_stack():
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Softmax(-1))
    # 1,500 levels overflow the main thread's 8 MiB stack (a LimitError there before)
    module = nesy.Module(DEEP.format(n=1500), {"net": net}, "q(X, Y)",
                         limits=Limits(max_depth=100_000))
    probs = module({"X": torch.zeros(3, 2)}).probs
    assert probs.sum(1).tolist() == pytest.approx([1.0, 1.0, 1.0])
    # past the worker's stack: a LimitError naming the option, not a crash
    small = nesy.Module(DEEP.format(n=3000), {"net": net}, "q(X, Y)",
                        limits=Limits(max_depth=100_000, max_stack_mb=16))
    with pytest.raises(LimitError, match="max_stack_mb"):
        small({"X": torch.zeros(3, 2)})


def test_tensor_builtins_give_probabilities_per_example():
    """DeepProbLog's own builtin tests: a probability read from a tensor, and less_than/2."""
    module = nesy.Module("P :: a(I) :- list_to_tensor([0.25, 0.1, 0.4, 0.15], T), "
                         "between(0, 3, I), tensor_index(T, [I], P).\n", {}, "a(I)")
    dist = module({})
    assert dist.answers == [0, 1, 2, 3]
    assert dist.probs[0].tolist() == pytest.approx([0.25, 0.1, 0.4, 0.15])
    source = ("a(X) :- list_to_tensor([0.5], H), less_than(X, H).\n"
              "P :: b(X) :- sigmoid(X, S), tensor_index(S, [0], P).\n"
              "q(X, R) :- a(X), R = low.\nq(X, R) :- b(X), R = high.\n")
    module = nesy.Module(source, {}, "q(X, R)")
    x = torch.tensor([[0.2], [0.9]])
    dist = module({"X": x})
    high = torch.sigmoid(x[:, 0])
    probs = {format_term(a): dist.probs[:, i].tolist() for i, a in enumerate(dist.answers)}
    assert probs["high"] == pytest.approx(high.tolist())
    assert probs["low"] == pytest.approx([1.0, 0.0])


def test_a_tensor_probability_outside_zero_one_is_an_error():
    from nesy.errors import GroundingError, InferenceError, NeuralError

    source = "P :: a(X) :- tensor_index(X, [0], P).\n"
    module = nesy.Module(source, {}, "a(X)")
    with pytest.raises(NeuralError, match="not in \\[0, 1\\]"):
        module({"X": torch.tensor([[0.5], [1.5]])})
    with pytest.raises(InferenceError, match="nesy.Module"):  # a tensor from a network
        nesy.query("nn(enc, [X], E) :: encode(X, E).\nP :: a :- encode(x, P).\nquery(a).\n")
    # outside a Module the tensor builtins do not exist (as in ProbLog), and the hint says so
    with pytest.raises(GroundingError, match="unknown predicate list_to_tensor/2") as info:
        nesy.query("P :: a :- list_to_tensor([0.5], T), tensor_index(T, [0], P).\nquery(a).\n")
    assert "nesy.Module" in info.value.render()
    with pytest.raises(GroundingError, match="unknown predicate add/3"):
        nesy.query("q(X) :- add(1, 2, X).\nquery(q(_)).\n")


@pytest.mark.parametrize("symbolic", [True, False])
@pytest.mark.parametrize("rule", ["q(X, Z) :- d(X, A), Z is A + 10, Z < 5.",
                                  "q(X, Z) :- d(X, Z), Z > 5."])
def test_a_query_without_answers_has_probability_zero_everywhere(rule, symbolic):
    source = f"nn(net, [X], Y, [0, 1, 2]) :: d(X, Y).\n{rule}\n"
    net = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Softmax(-1))
    module = nesy.Module(source, {"net": net}, "q(X, Z)", symbolic_integers=symbolic)
    inputs = {"X": torch.randn(2, 3)}
    dist = module(inputs)
    assert dist.answers == [] and tuple(dist.probs.shape) == (2, 0)
    assert module.probability(inputs, {"Z": torch.tensor([1, 2])}).tolist() == [0.0, 0.0]
    assert module.log_probability(inputs, {"Z": [1, 2]}).tolist() == [-math.inf, -math.inf]
    assert module.predict(inputs) == [None, None]
    assert "q(tensor('X'),Z): 0" in module.explain(inputs)


def test_embed_builtin_reads_the_modules_embed_function_and_bad_operands_are_errors():
    from nesy.errors import NeuralError

    source = ("nn(net, [E], Y, [0, 1]) :: c(E, Y).\n"
              "q(X, Y) :- embed(X, E), add(E, E, D), c(D, Y).\n")
    net = Classifier(4, 2, 5)
    module = nesy.Module(source, {"net": net}, "q(apple, Y)", embed=_embedding)
    dist = module({})
    with torch.no_grad():
        expected = net(2 * _embedding(Term("apple")).unsqueeze(0))
    assert dist.probs[0].tolist() == pytest.approx(expected[0].tolist())
    bad = nesy.Module("nn(net, [E], Y, [0, 1]) :: c(E, Y).\nq(Y) :- add(foo, 1, E), c(E, Y).\n",
                      {"net": net}, "q(Y)")
    with pytest.raises(NeuralError, match="neither a tensor"):
        bad({})


def test_no_tensor_builtin_exists_outside_a_module():
    # the whole class: every predicate of library/tensor.pl, called by a plain ProbLog program,
    # is ProbLog's unknown predicate, never a tensor term as an answer
    from nesy.errors import GroundingError
    from nesy.ground.library import library_rules

    tensor_only = set(library_rules(True)) - set(library_rules(False))
    assert {("add", 3), ("list_to_tensor", 2), ("tensor_index", 3)} <= tensor_only
    for name, arity in sorted(tensor_only):
        args = ", ".join(f"A{i}" for i in range(arity))
        with pytest.raises(GroundingError, match=f"unknown predicate {name}/{arity}"):
            nesy.query(f"q :- {name}({args}).\nquery(q).\n")
