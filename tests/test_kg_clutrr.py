"""CLUTRR's composition rules: the tensor fixpoint is the engine's best-proof value (topk, k = 1),
and a known composition table is learned from 2-hop stories."""

from pathlib import Path

import pytest
import torch

import nesy
from nesy.datasets.clutrr import Story
from nesy.train.clutrr_task import (
    accuracy,
    clutrr_loss,
    composition_model,
    query_values,
    story_tensors,
)
from nesy.train.kg_task import KGOptions, train_countries

RELATIONS = ["father", "grandfather", "sister", "aunt"]
TEMPLATE = (":- template((t(_) :: call(R, X, Y) :- call(P, X, Z), call(Q, Z, Y)), [R, P, Q], "
            f"[{', '.join(RELATIONS)}]).\n")
DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def _set_weights(model, seed=0):
    generator = torch.Generator().manual_seed(seed)
    weights = torch.rand(model.logits.shape, generator=generator, dtype=torch.float64) * 0.9
    with torch.no_grad():
        model.logits.copy_(torch.logit(weights))
    return weights


def test_fixpoint_equals_the_engine_best_proof():
    model = composition_model(TEMPLATE)
    assert model.relations == sorted(RELATIONS)
    weights = _set_weights(model)
    story = Story(((0, "father", 1), (1, "father", 2), (2, "sister", 3)), (0, 3), "aunt", 3)
    rules = []
    for r, head in enumerate(model.relations):
        for p, left in enumerate(model.relations):
            for q, right in enumerate(model.relations):
                rules.append(f"{float(weights[r, p, q])!r} :: {head}(X, Y) :- "
                             f"{left}(X, Z), {right}(Z, Y).")
    facts = "father(n0, n1). father(n1, n2). sister(n2, n3).\n"
    queries = "".join(f"query({r}(n0, n3)).\n" for r in model.relations)
    engine = nesy.query("\n".join(rules) + "\n" + facts + queries, "topk", k=1).probabilities
    tensors, query, _ = story_tensors([story], model.relations)
    with torch.no_grad():
        values = query_values(model(tensors.double()), query)[0]
    for r, value in zip(model.relations, values.tolist(), strict=True):
        assert value == pytest.approx(engine[f"{r}(n0,n3)"], abs=1e-9), r
    # by hand, for one relation: the best of the two bracketings
    a, f, s = (model.relations.index(x) for x in ("aunt", "father", "sister"))
    w = weights
    left = max(w[r, f, f] * w[a, r, s] for r in range(4))     # (father father) sister
    right = max(w[r, f, s] * w[a, f, r] for r in range(4))   # father (father sister)
    assert float(values[a]) == pytest.approx(float(max(left, right)))


def test_a_composition_table_is_learned_from_two_hop_stories():
    model = composition_model(TEMPLATE)
    stories = []
    for _ in range(20):
        stories.append(Story(((0, "father", 1), (1, "father", 2)), (0, 2), "grandfather", 2))
        stories.append(Story(((0, "father", 1), (1, "sister", 2)), (0, 2), "aunt", 2))
    facts, queries, targets = story_tensors(stories, model.relations)
    loss_fn = clutrr_loss(0.001)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(60):
        loss = loss_fn(model, {"facts": facts, "queries": queries, "targets": targets})
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    table = [text for _, text in model.rule_table()]
    assert any(t.endswith("grandfather(X, Y) :- father(X, Z), father(Z, Y).") for t in table)
    assert any(t.endswith("aunt(X, Y) :- father(X, Z), sister(Z, Y).") for t in table)
    assert len(table) == 2  # nothing else above 0.5
    assert accuracy(model, stories) == 1.0


@pytest.mark.skipif(not (DATA / "countries").is_dir(), reason="no shared datasets")
def test_countries_s1_end_to_end(tmp_path):
    summary = train_countries(KGOptions(split="S1", data_dir=str(DATA / "countries"), epochs=5,
                                        lr=0.05, batch_size=32), str(tmp_path), progress=False)
    assert summary["test_auc_pr"] == 1.0
    assert summary["max_abs_diff_engine_vs_tensor"] < 1e-3  # the learned program, re-answered
    rules = (tmp_path / "rules.txt").read_text().splitlines()
    assert rules[0].endswith("located(X, Y) :- locatedIn(X, Z1), locatedIn(Z1, Y).")
    assert (tmp_path / "metrics.csv").is_file() and (tmp_path / "learned.pl").is_file()
