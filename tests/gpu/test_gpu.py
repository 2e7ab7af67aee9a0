"""GPU tier: the Module and its circuits on a CUDA device (skipped where there is none)."""

from __future__ import annotations

import pytest
import torch

import nesy
from nesy.train.digit_addition_task import program_text

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


@pytest.mark.parametrize("symbolic", [True, False])
def test_addition_on_cuda_matches_cpu(symbolic):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 10), torch.nn.Softmax(-1))
    xs = [torch.randn(8, 4) for _ in range(2)]
    ys = [torch.randn(8, 4) for _ in range(2)]
    sums = torch.randint(0, 199, (8,))
    cpu = nesy.Module(program_text(), {"mnist_net": net}, "multi_addition(X, Y, Z)",
                      symbolic_integers=symbolic)
    expected = cpu.probability({"X": xs, "Y": ys}, {"Z": sums})
    gpu = nesy.Module(program_text(), {"mnist_net": net.cuda()}, "multi_addition(X, Y, Z)",
                      symbolic_integers=symbolic)
    got = gpu.probability({"X": [x.cuda() for x in xs], "Y": [y.cuda() for y in ys]},
                          {"Z": sums.cuda()})
    assert got.device.type == "cuda"
    assert torch.allclose(got.cpu(), expected.detach(), atol=1e-5)
    got.log().mean().backward()
