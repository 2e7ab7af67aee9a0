"""Link prediction (Nations, UMLS, Kinship): ComplEx and ComplEx + learned rules."""

from pathlib import Path

import pytest
import torch

from nesy.datasets.kg import KnowledgeGraph, load_kg
from nesy.neural.embedding import ComplEx, adjacency, mine_rules, rule_counts
from nesy.train.link_prediction_task import (
    LinkOptions,
    build_model,
    filtered_metrics,
    index_graph,
    train_link_prediction,
)

NATIONS = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "nations"


def _chain_graph() -> KnowledgeGraph:
    """parent(a_i, b_i), parent(b_i, c_i) and grandparent(a_i, c_i): grandparent is exactly
    parent∘parent."""
    train, test = [], []
    for i in range(12):
        a, b, c = f"a{i}", f"b{i}", f"c{i}"
        train += [(a, "parent", b), (b, "parent", c)]
        (test if i >= 9 else train).append((a, "grandparent", c))
    entities = list(dict.fromkeys(e for h, _, t in train + test for e in (h, t)))
    return KnowledgeGraph("chain", train, [], test, entities=entities,
                          relations=["parent", "grandparent"])


def test_mined_rules_find_the_composition():
    data = index_graph(_chain_graph())
    adj = adjacency([tuple(t) for t in data.train.tolist()], data.n_entities, data.n_relations)
    rules = mine_rules(adj, per_head=4)
    parent, grandparent = 0, 1
    assert rules[grandparent][0].body == (parent, parent)
    assert rules[grandparent][0].confidence == 0.75  # 9 of the 12 pairs are in train
    counts = rule_counts(adj, rules, 4)
    ent = {e: i for i, e in enumerate(data.graph.entities)}
    assert counts[grandparent, 0, ent["a10"], ent["c10"]] == 1.0  # the held-out test pair
    assert counts[grandparent, 0, ent["a10"], ent["b10"]] == 0.0


def test_complex_scores_every_tail_and_head_queries_are_reciprocal():
    model = ComplEx(5, 3, rank=4)
    scores = model(torch.tensor([0, 1]), torch.tensor([2, 5]))  # 5 = reciprocal of 2
    assert scores.shape == (2, 5)


def test_filtered_metrics_chance_level_for_constant_scores():
    data = index_graph(_chain_graph())
    options = LinkOptions(model="complex", rank=2)
    model = build_model(options, data)
    with torch.no_grad():
        model.entity.weight.zero_()  # every candidate ties: mean rank, never best case
    metrics = filtered_metrics(model, data, data.test)
    n = data.n_entities
    # a head or tail query filters nothing but the answer: it ties with n - 1 others
    assert metrics["mean_rank"] == pytest.approx(1 + (n - 1) / 2)


def test_rules_learn_the_held_out_composition(tmp_path):
    graph = _chain_graph()
    folder = tmp_path / "chain"
    folder.mkdir()
    for split in ("train", "valid", "test"):
        rows = getattr(graph, split) or graph.test
        (folder / f"{split}.txt").write_text("".join(f"{h}\t{r}\t{t}\n" for h, r, t in rows))
    summary = train_link_prediction(
        LinkOptions(task="chain", data_dir=str(folder), model="rules", rank=8, epochs=10,
                    batch_size=16, eval_every=10, rule_init=0.1), progress=False)
    # the three held-out grandparent links are ranked first (tails and heads)
    assert summary["test"]["hits@1"] == 1.0
    grandparent_rules = [r for r in summary["top_rules"] if ":: rel(X, grandparent, Y)" in r]
    assert grandparent_rules[0].endswith(
        "rel(X, grandparent, Y) :- rel(X, parent, Z), rel(Z, parent, Y).")


@pytest.mark.skipif(not NATIONS.is_dir(), reason="needs ../shared/datasets/nations")
@pytest.mark.parametrize("model", ["complex", "rules"])
def test_nations_few_epochs_well_above_chance(model):
    assert len(load_kg(NATIONS).entities) == 14
    summary = train_link_prediction(
        LinkOptions(task="nations", data_dir=str(NATIONS), model=model, epochs=3,
                    eval_every=3), progress=False)
    # chance (14 entities, random order) is an MRR of about 0.25
    assert summary["test"]["mrr"] > 0.6
    assert summary["test"]["n"] == 2 * 201
