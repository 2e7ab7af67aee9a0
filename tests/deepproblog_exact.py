"""Running a program through DeepProbLog 2.x's exact engine and through `nesy.Module` with the
same networks and inputs, answers keyed alike, for the DeepProbLog oracle tests
(`test_deepproblog_oracle.py`, `test_deepproblog_generated.py`). Import it after
`pytest.importorskip("deepproblog")`."""

from __future__ import annotations

import re

import pytest
from deepproblog.engines import ExactEngine
from deepproblog.model import Model
from deepproblog.network import Network
from deepproblog.query import Query
from problog.logic import Term as ProbLogTerm

import nesy
from nesy.neural.module import _parse_query
from nesy.terms import Var, format_term

BATCH = 2


def _dpl_text(value, example: int, store: list) -> str:
    if isinstance(value, list):
        return "[" + ",".join(_dpl_text(v, example, store) for v in value) + "]"
    store.append(value[example])
    return f"tensor(train({len(store) - 1}))"


def answer_key(term) -> str:
    """A term as text without spaces or quotes: the same answer reads the same from both."""
    return re.sub(r"\s+", "", str(term)).replace("'", "")


def deepproblog_results(program: str, nets: dict, query: str, inputs: dict,
                        batch: int = BATCH) -> list[dict]:
    """Per example: {output values as text: probability as DeepProbLog's exact engine gives it
    (a tensor, with its graph, where it depends on a network)}, one query per example with that
    example's input tensors in a tensor source."""
    networks = [Network(net, name) for name, net in nets.items()]
    model = Model(program, networks, load=False)
    model.set_engine(ExactEngine(model))
    goal = _parse_query(query)
    outputs = [i for i, a in enumerate(goal.args) if isinstance(a, Var) and a.name not in inputs]
    results = []
    for example in range(batch):
        store: list = []
        text = query
        for name, value in inputs.items():
            text = re.sub(rf"\b{name}\b", _dpl_text(value, example, store), text)
        model.add_tensor_source("train", {(i,): t for i, t in enumerate(store)})
        result = model.solve([Query(ProbLogTerm.from_string(text))])[0].result
        answers: dict = {}
        for atom, p in result.items():
            values = tuple(answer_key(atom.args[i]) for i in outputs)
            answers[values] = answers[values] + p if values in answers else p
        results.append(answers)
    return results


def deepproblog_answers(program: str, nets: dict, query: str, inputs: dict,
                        batch: int = BATCH) -> list[dict]:
    """Per example: {output values as text: probability} from DeepProbLog's exact engine."""
    return [{k: float(p) for k, p in answers.items()}
            for answers in deepproblog_results(program, nets, query, inputs, batch)]


def nesy_answers(program, nets: dict, query: str, inputs: dict, batch: int = BATCH,
                 **options) -> list[dict]:
    """Per example: {output values as text: probability} from `nesy.Module`'s forward."""
    module = nesy.Module(program, nets, query, **options)
    dist = module(inputs)
    results = []
    for example in range(batch):
        answers = {}
        row = dist.probs[min(example, dist.probs.shape[0] - 1)]  # constants only: one row
        for answer, p in zip(dist.answers, row.tolist(), strict=True):
            values = answer if isinstance(answer, tuple) else (answer,)
            answers[tuple(answer_key(format_term(v)) for v in values)] = p
        results.append(answers)
    return results


def same_answers(ours: list[dict], theirs: list[dict], what: str = "") -> None:
    """Every answer either side gives more than 1e-9 has the same probability (to 1e-6)."""
    for example, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
        keys = {k for k, p in mine.items() if p > 1e-9} | {k for k, p in other.items() if p > 1e-9}
        for k in keys:
            assert mine.get(k, 0.0) == pytest.approx(other.get(k, 0.0), abs=1e-6), \
                (example, k, mine, other, what)
