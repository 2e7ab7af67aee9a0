"""CLUTRR's composition rules: the tensor fixpoint is the engine's best-proof value (topk, k = 1),
and a known composition table is learned from 2-hop stories."""

from pathlib import Path

import pytest
import torch

import nesy
from nesy.datasets.clutrr import Story, load_clutrr
from nesy.train.clutrr_task import (
    accuracy,
    clutrr_loss,
    composition_model,
    distinct_stories,
    observed_bodies,
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


def test_fixpoint_over_kept_bodies_equals_the_engine_on_those_clauses():
    model = composition_model(TEMPLATE)
    weights = _set_weights(model, seed=1)
    index = {r: i for i, r in enumerate(model.relations)}
    story = Story(((0, "father", 1), (1, "father", 2), (2, "sister", 3), (3, "father", 4)),
                  (0, 4), "aunt", 4)
    bodies = torch.zeros(4, 4, dtype=torch.bool)
    for p, q in [("father", "father"), ("father", "sister"), ("grandfather", "sister"),
                 ("aunt", "father"), ("sister", "father")]:
        bodies[index[p], index[q]] = True
    model.keep_bodies(bodies)
    assert int(model.candidates.sum()) == 5 * 4
    rules = [f"{float(weights[r, p, q])!r} :: {head}(X, Y) :- {left}(X, Z), {right}(Z, Y)."
             for r, head in enumerate(model.relations)
             for p, left in enumerate(model.relations)
             for q, right in enumerate(model.relations) if bodies[p, q]]
    facts = "father(n0, n1). father(n1, n2). sister(n2, n3). father(n3, n4).\n"
    queries = "".join(f"query({r}(n0, n4)).\n" for r in model.relations)
    engine = nesy.query(":- unknown(fail).\n" + "\n".join(rules) + "\n" + facts + queries,
                        "topk", k=1).probabilities
    tensors, query, _ = story_tensors([story], model.relations)
    with torch.no_grad():
        values = query_values(model(tensors.double()), query)[0]
    for r, value in zip(model.relations, values.tolist(), strict=True):
        assert value == pytest.approx(engine[f"{r}(n0,n4)"], abs=1e-9), r
    assert max(values.tolist()) > 0  # some relation is derived through the kept bodies


def test_predict_ranks_the_top_as_the_full_fixpoint():
    model = composition_model(TEMPLATE)
    generator = torch.Generator().manual_seed(3)
    # a few heavy compositions, many light ones (below and above min_weight), as after training
    weights = torch.rand(model.logits.shape, generator=generator, dtype=torch.float64) ** 6
    with torch.no_grad():
        model.logits.copy_(torch.logit(weights.clamp(1e-6, 1 - 1e-6)))
    relations = model.relations
    stories = []
    for _ in range(40):
        n = int(torch.randint(3, 7, (1,), generator=generator))
        edges = tuple((i, relations[int(torch.randint(4, (1,), generator=generator))], i + 1)
                      for i in range(n - 1))
        stories.append(Story(edges, (0, n - 1), relations[0], n - 1))
    facts, queries, _ = story_tensors(stories, relations)
    with torch.no_grad():
        full = query_values(model(facts.double()), queries)
        for min_weight in (0.05, 0.3):
            fast = model.predict(facts.double(), queries, min_weight=min_weight)
            top_full = full == full.amax(-1, keepdim=True)
            top_fast = fast == fast.amax(-1, keepdim=True)
            assert torch.equal(top_full, top_fast), min_weight
            # stories answered from the pruned program get their best value exactly
            assert torch.allclose(fast.amax(-1), full.amax(-1))


def test_distinct_stories_weigh_the_loss_as_the_full_list():
    model = composition_model(TEMPLATE)
    _set_weights(model, seed=2)
    a = Story(((0, "father", 1), (1, "father", 2)), (0, 2), "grandfather", 2)
    b = Story(((0, "father", 1), (1, "sister", 2)), (0, 2), "aunt", 2)
    c = Story(((0, "father", 1), (1, "father", 2), (2, "sister", 3)), (0, 3), "aunt", 3)
    stories = [a, b, a, c, a, b]
    distinct, counts = distinct_stories(stories)
    assert distinct == [a, b, c] and counts.tolist() == [3, 2, 1]
    loss_fn = clutrr_loss(0.0)
    facts, queries, targets = story_tensors(stories, model.relations)
    full = loss_fn(model, {"facts": facts, "queries": queries, "targets": targets})
    facts, queries, targets = story_tensors(distinct, model.relations)
    weighted = loss_fn(model, {"facts": facts, "queries": queries, "targets": targets,
                               "counts": counts / counts.mean()})
    assert float(weighted) == pytest.approx(float(full), rel=1e-6)


def test_observed_bodies_are_the_two_hop_paths_between_the_query():
    relations = sorted(RELATIONS)
    index = {r: i for i, r in enumerate(relations)}
    stories = [Story(((0, "father", 1), (1, "sister", 2)), (0, 2), "aunt", 2),
               # three hops: no two-edge path joins the query, so nothing is observed
               Story(((0, "father", 1), (1, "father", 2), (2, "sister", 3)), (0, 3), "aunt", 3),
               # a graph: father(0, 2) then father(2, 3) joins the query (0, 3)
               Story(((0, "sister", 1), (0, "father", 2), (2, "father", 3)), (0, 3),
                     "grandfather", 2)]
    seen = observed_bodies(stories, relations)
    assert {(relations[p], relations[q]) for p, q in seen.nonzero().tolist()} == {
        ("father", "sister"), ("father", "father")}
    assert seen[index["father"], index["sister"]]


@pytest.mark.skipif(not (DATA / "clutrr").is_dir(), reason="no shared datasets")
def test_clutrr_k3_test_holds_one_story_graph_with_two_answers():
    """Why no predictor of the story graph reaches 99% at k = 3 on data_089907f8: 15 of its
    105 test stories are the same graph (wife, son, grandmother), 10 answered
    mother and 5 mother-in-law, so any function of the graph gets at most 100 of 105."""
    data = load_clutrr(DATA / "clutrr" / "data_089907f8.zip")
    groups: dict = {}
    for story in data.test[3]:
        groups.setdefault((story.edges, story.query), []).append(story.target)
    best = sum(max(targets.count(t) for t in set(targets)) for targets in groups.values())
    assert best == 100 and len(data.test[3]) == 105
    mixed = [sorted(set(t)) for t in groups.values() if len(set(t)) > 1]
    assert mixed == [["mother", "mother-in-law"]]
