"""DeepProbLog's example tasks (examples/deepproblog/train.py) train through nesy.Module: a few
steps here on the bundled 8x8 digits; one epoch each in the slow tier."""

from __future__ import annotations

import importlib.util
import math
import os
import re
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "deepproblog" / "train.py"


def _script():
    spec = importlib.util.spec_from_file_location("deepproblog_train", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (dataclasses look their module up there)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["noisy_addition", "any_sum", "all_digit_addition", "coins",
                                  "poker", "forth_add", "forth_sort", "forth_quicksort"])
def test_a_few_training_steps_share_one_query_shape(name):
    script = _script()
    torch.manual_seed(0)
    task = script.TASKS[name](n_train=24, n_test=8, batch_size=8, mnist=None, seed=0)
    before = [p.detach().clone() for p in task.module.parameters()]
    result = script.train(task, steps=3)
    assert math.isfinite(result["loss"]) and result["loss"] > 0
    assert 0.0 <= result["accuracy"] <= 1.0
    # one shape for the labelled queries, one for predictions: never one per example
    assert task.module.stats.shapes == (1 if name == "all_digit_addition" else 2)
    assert any(not torch.equal(a, b) for a, b in zip(before, task.module.parameters(),
                                                      strict=True))


def test_poker_labels_follow_the_programs_rules():
    script = _script()
    import nesy

    source = script.program("poker").replace("nn(net1,[X],Z,[jack,queen,king,ace]):: rank(X,Z).",
                                             "rank(X, X).")
    ranks = ["jack", "queen", "king", "ace"]
    for cards in ([0, 0, 1, 2], [3, 1, 0, 2], [1, 2, 1, 3], [2, 2, 2, 0], [0, 3, 1, 3]):
        for house in range(4):
            hand = ", ".join(ranks[c] for c in cards)
            result = nesy.query(f"{source}\nquery(game([{hand}], card({ranks[house]}), O)).\n")
            (atom,) = [a for a, p in result.answers.items() if p > 0.5]
            assert atom.args[2].functor == script.poker_outcome(cards, house), (cards, house)


MNIST = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "mnist"


@pytest.mark.slow
@pytest.mark.parametrize("name, epochs, metric, least", [
    ("forth_sort", 1, "accuracy", 0.9),
    ("forth_quicksort", 1, "accuracy", 0.9),
    ("forth_add", 1, "accuracy", 0.5),
    ("poker", 1, "networks", 0.8),  # the card images' ranks, learnt from games alone
    ("coins", 10, "accuracy", 0.6),
])
def test_training_learns(name, epochs, metric, least, request):
    # like the other slow tiers: only with -m slow or NESY_SLOW_TESTS=1, not in `make test`
    markexpr = request.config.getoption("markexpr") or ""
    if not (re.search(r"(?<!not )\bslow\b", markexpr) or os.environ.get("NESY_SLOW_TESTS")):
        pytest.skip("slow tier: run with -m slow")
    if not (MNIST / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"no MNIST in {MNIST}")
    script = _script()
    torch.manual_seed(0)
    task = script.TASKS[name](n_train=2000, n_test=300, batch_size=16, mnist=str(MNIST), seed=0)
    result = script.train(task, epochs=epochs)
    assert result[metric] >= least, result


def test_word_problems_train_one_query_per_problem():
    pytest.importorskip("deepproblog")  # its wheel ships the word problems
    script = _script()
    torch.manual_seed(0)
    task = script.TASKS["wap"](n_train=4, n_test=2, batch_size=2, mnist=None, seed=0)
    result = script.train(task, steps=2)
    assert math.isfinite(result["loss"]) and 0.0 <= result["accuracy"] <= 1.0
    assert len(task.module.cache) == 6  # one Module per problem, networks shared
    assert all(m.networks["rnn"] is task.module.networks["rnn"]
               for m in task.module.cache.values())
