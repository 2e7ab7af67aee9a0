"""The Module refuses what it cannot answer: wrong network outputs, targets and declarations."""

from __future__ import annotations

import pytest
import torch

import nesy
from nesy.errors import NeuralError

DIGIT = "nn(net, [X], Y, [0, 1, 2]) :: digit(X, Y).\nadd(X, Y, Z) :- digit(X, A), digit(Y, B), " \
        "Z is A + B.\n"


class Constant(torch.nn.Module):
    def __init__(self, row):
        super().__init__()
        self.row = torch.tensor(row)

    def forward(self, x):
        return self.row.expand(x.shape[0], -1)


def _error(net, query="digit(X, Y)", source=DIGIT, **options) -> str:
    module = nesy.Module(source, {"net": net}, query, **options)
    inputs = {"X": torch.zeros(2, 3)}
    with pytest.raises(NeuralError) as info:
        module(inputs)
    return info.value.render()


def test_a_wrong_output_size_names_the_network_its_domain_and_the_shape():
    text = _error(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Softmax(-1)))
    assert "network 'net'" in text and "[2, 4]" in text and "[0, 1, 2]" in text
    assert "needs [2, 3]" in text


@pytest.mark.parametrize("row, words", [
    ([0.2, float("nan"), 0.8], "NaN"),
    ([0.5, float("inf"), 0.0], "infinite"),
    ([-0.5, 1.0, 0.5], "not probabilities"),
    ([0.5, 0.5, 0.5], "summing to 1.5"),
])
def test_outputs_that_are_not_probabilities_are_refused(row, words):
    text = _error(Constant(row))
    assert words in text and "network 'net'" in text and "logits=" in text


def test_logits_are_normalised_on_request():
    scores = torch.tensor([1.0, -2.0, 0.5])
    module = nesy.Module(DIGIT, {"net": Constant(scores.tolist())}, "digit(X, Y)", logits={"net"})
    dist = module({"X": torch.zeros(2, 3)})
    assert dist.probs[0].tolist() == pytest.approx(torch.softmax(scores, 0).tolist())
    with pytest.raises(NeuralError, match="no network is bound"):
        nesy.Module(DIGIT, {"net": Constant([1.0, 0, 0])}, "digit(X, Y)", logits={"other"})


def test_a_single_probability_network_with_logits_gets_a_sigmoid():
    source = "nn(net, [X]) :: bright(X).\n"
    module = nesy.Module(source, {"net": Constant([0.3])}, "bright(X)", logits=True)
    assert float(module({"X": torch.zeros(1, 3)}).probs[0, 0]) == pytest.approx(
        torch.sigmoid(torch.tensor(0.3)).item())


def test_an_output_without_a_domain_is_an_error_not_an_internal_variable():
    with pytest.raises(NeuralError, match="no domain") as info:
        nesy.Module("nn(net, [X], Y) :: p(X, Y).\n", {"net": torch.nn.Identity()}, "p(X, Y)")
    assert info.value.span is not None and info.value.span.line == 1


@pytest.mark.parametrize("target", [torch.tensor([1.9, 2.0]), torch.tensor([2.0, -0.5]),
                                    [2, 1.5]])
@pytest.mark.parametrize("symbolic", [True, False])
def test_targets_that_are_not_integers_are_errors_never_truncated(target, symbolic):
    module = nesy.Module(DIGIT, {"net": Constant([0.2, 0.3, 0.5])}, "add(X, Y, Z)",
                         symbolic_integers=symbolic)
    inputs = {"X": torch.zeros(2, 3), "Y": torch.zeros(2, 3)}
    with pytest.raises(NeuralError, match="not an integer"):
        module.probability(inputs, {"Z": target})
    # whole numbers in a float tensor are integers
    p = module.probability(inputs, {"Z": torch.tensor([2.0, 4.0])})
    assert p.tolist() == pytest.approx([0.2 * 0.5 * 2 + 0.3 * 0.3, 0.25])


def test_explain_on_many_digits_does_not_enumerate_worlds():
    from nesy.train.digit_addition_task import program_text

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 10), torch.nn.Softmax(-1))
    module = nesy.Module(program_text(), {"mnist_net": net}, "multi_addition(X, Y, Z)")
    n = 4  # 10^8 digit worlds: enumerating them took minutes and gigabytes
    xs = [torch.randn(1, 4) for _ in range(n)]
    ys = [torch.randn(1, 4) for _ in range(n)]
    text = module.explain({"X": xs, "Y": ys})
    with torch.no_grad():
        a = int("".join(str(int(net(x).argmax())) for x in xs))
        b = int("".join(str(int(net(y).argmax())) for y in ys))
    head = next(line for line in text.splitlines() if line.startswith("multi_addition"))
    assert head.startswith("multi_addition(") and f"],{a + b}):" in head
    assert text.count("fact ") == 2 * n
    p = float(head.rsplit(":", 1)[1].split()[0])
    expected = module.probability({"X": xs, "Y": ys}, {"Z": [a + b]})
    assert p == pytest.approx(float(expected[0]), rel=1e-4)


@pytest.mark.parametrize("evidence", ["evidence(g).", "evidence(g, false).",
                                      "evidence(digit(a, 1))."])
def test_evidence_in_the_program_is_refused_not_ignored(evidence):
    # DeepProbLog's solve ignores it (P(g, d=0) = 0.247 where ProbLog conditions: 0.41); the
    # Module answers unconditional probabilities, so it says so instead of either number
    source = DIGIT + "0.6::g.\n" + evidence + "\n"
    with pytest.raises(NeuralError) as info:
        nesy.Module(source, {"net": Constant([0.2, 0.3, 0.5])}, "digit(X, Y)")
    text = info.value.render()
    assert "evidence" in text and "nesy.query" in text and ":4:" in text
