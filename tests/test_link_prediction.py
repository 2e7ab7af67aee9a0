"""Link prediction (Nations, UMLS, Kinship): ComplEx and ComplEx + learned rules, trained by the
shared loop (checkpoints, resume), checked against the nesy engine on the learned program."""

import json
from pathlib import Path

import pytest
import torch

import nesy
from nesy.datasets.kg import KnowledgeGraph, load_kg
from nesy.errors import TrainingError
from nesy.neural.embedding import ComplEx, TripleScorer, adjacency, mine_rules, rule_counts
from nesy.train.checkpoint import load_checkpoint
from nesy.train.link_prediction_task import (
    LinkOptions,
    build_model,
    engine_check,
    filtered_metrics,
    index_graph,
    learned_program,
    probabilities,
    program_template,
    queries,
    train_link_prediction,
)

NATIONS = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "nations"


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def no_plots(monkeypatch):
    import nesy.train.loop

    # fit's learning curve is tested in tests/test_train.py; here it would be most of the time
    monkeypatch.setattr(nesy.train.loop, "plot_learning_curve", lambda *args: None)


def _chain_graph(two_paths: bool = False) -> KnowledgeGraph:
    """parent(a_i, b_i), parent(b_i, c_i) and grandparent(a_i, c_i): grandparent is exactly
    parent∘parent. `two_paths`: a second parent path a_i → d_i → c_i for some i."""
    train, test = [], []
    for i in range(12):
        a, b, c = f"a{i}", f"b{i}", f"c{i}"
        train += [(a, "parent", b), (b, "parent", c)]
        if two_paths and i % 2:
            train += [(a, "parent", f"d{i}"), (f"d{i}", "parent", c)]
        (test if i >= 9 else train).append((a, "grandparent", c))
    entities = list(dict.fromkeys(e for h, _, t in train + test for e in (h, t)))
    return KnowledgeGraph("chain", train, [], test, entities=entities,
                          relations=["parent", "grandparent"])


def _write(graph: KnowledgeGraph, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for split in ("train", "valid", "test"):
        rows = getattr(graph, split) or graph.test
        (folder / f"{split}.txt").write_text("".join(f"{h}\t{r}\t{t}\n" for h, r, t in rows))
    return folder


def _chain_options(folder: Path, **overrides) -> LinkOptions:
    settings = {"task": "chain", "data_dir": str(folder), "model": "rules", "rank": 8,
                "epochs": 10, "batch_size": 16, "rule_init": 0.1, **overrides}
    return LinkOptions(**settings)


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
    with torch.no_grad():
        model.entity.weight.normal_()
        model.relation.weight.normal_()
    heads, relations = torch.tensor([0, 1]), torch.tensor([2, 5])  # 5 = reciprocal of 2
    scores = model(heads, relations)
    assert scores.shape == (2, 5)
    # the neural predicate's network scores single triples: the same entries
    tails = torch.tensor([3, 4])
    assert torch.allclose(model.triple_logits(heads, relations, tails),
                          scores[torch.arange(2), tails])
    names = ["e0", "e1", "e2", "e3", "e4"]
    scorer = TripleScorer(model, names + ["r2", "inv_r2"], {n: i for i, n in enumerate(names)},
                          {"r2": 2, "inv_r2": 5})
    ids = [scorer.embed(nesy.parse(f"x({n}).").rules[("x", 1)][0].head.args[0])
           for n in ("e0", "r2", "e3")]
    logit = scorer(*(i.reshape(1) for i in ids))
    assert torch.allclose(logit, scores[0, 3].reshape(1))
    with pytest.raises(nesy.NesyError, match="not an entity"):
        scorer(ids[1].reshape(1), ids[1].reshape(1), ids[2].reshape(1))


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


def test_rules_learn_the_held_out_composition(tmp_path, no_plots):
    folder = _write(_chain_graph(), tmp_path / "chain")
    out = tmp_path / "run"
    summary = train_link_prediction(_chain_options(folder), out, progress=False,
                                    check_engine=6)
    # the three held-out grandparent links are ranked first (tails and heads)
    assert summary["test"]["hits@1"] == 1.0
    grandparent_rules = [r for r in summary["top_rules"] if ":: rel(X, grandparent, Y)" in r]
    assert grandparent_rules[0].endswith(
        "rel(X, grandparent, Y) :- kb_parent(X, Z), kb_parent(Z, Y).")
    # the shared loop's outputs: checkpoint, best epoch, metrics per epoch, the learned program
    metrics = json.loads((out / "metrics.json").read_text())
    assert [row["epoch"] for row in metrics] == list(range(1, 11))
    assert all("valid_mrr" in row for row in metrics)
    best = load_checkpoint(out / "best.pt")
    mrrs = [row["valid_mrr"] for row in metrics]
    assert best["epoch"] == mrrs.index(max(mrrs)) + 1 == summary["best_epoch"]
    assert "grandparent" in (out / "rules.txt").read_text()
    assert summary["engine"]["engine_matches"]
    assert summary["explanation"].startswith("predicted link rel(")


def _killed_after(monkeypatch, batches: int):
    """Make the task's loss raise after `batches` steps (a kill in the middle of an epoch)."""
    import nesy.train.link_prediction_task as task

    real, calls = task.link_loss, {"n": 0}

    class Killed(Exception):
        pass

    def link_loss(n3):
        inner = real(n3)

        def loss_fn(model, batch):
            calls["n"] += 1
            if calls["n"] > batches:
                raise Killed
            return inner(model, batch)
        return loss_fn

    monkeypatch.setattr(task, "link_loss", link_loss)
    return Killed


@pytest.mark.parametrize("model", ["complex", "rules"])
def test_a_killed_run_resumes_to_the_uninterrupted_result(tmp_path, monkeypatch, no_plots,
                                                          model):
    folder = _write(_chain_graph(), tmp_path / "chain")
    options = _chain_options(folder, model=model, epochs=4)
    reference = train_link_prediction(options, tmp_path / "ref", progress=False,
                                      check_engine=0)
    out = tmp_path / "run"
    # 50 training queries (25 triples, both directions), batches of 16: 4 steps an epoch
    killed = _killed_after(monkeypatch, 4 + 4 + 2)
    with pytest.raises(killed):
        train_link_prediction(options, out, progress=False, check_engine=0)
    assert load_checkpoint(out / "checkpoint.pt")["epoch"] == 2
    monkeypatch.undo()
    resumed = train_link_prediction(options, out, resume=True, progress=False, check_engine=0)
    assert resumed["resumed_at_epoch"] == 3
    assert resumed["test"] == reference["test"]
    ref_rows = json.loads((tmp_path / "ref" / "metrics.json").read_text())
    rows = json.loads((out / "metrics.json").read_text())
    assert [r["train_loss"] for r in rows] == [r["train_loss"] for r in ref_rows]
    assert [r["valid_mrr"] for r in rows] == [r["valid_mrr"] for r in ref_rows]
    final, ref_final = (load_checkpoint(d / "checkpoint.pt")["model"] for d in (out,
                                                                                 tmp_path / "ref"))
    for key, value in ref_final.items():
        assert torch.equal(final[key], value), key
    # another model is refused, naming the difference
    other = "complex" if model == "rules" else "rules"
    with pytest.raises(TrainingError, match=f"model: saved '{model}', now '{other}'"):
        train_link_prediction(_chain_options(folder, model=other, epochs=4), out, resume=True,
                              progress=False, check_engine=0)


@pytest.mark.parametrize("fires", ["once", "paths"])
def test_tensor_probabilities_are_the_engines_on_the_learned_program(tmp_path, no_plots, fires):
    """Every test query (tails and heads) of a graph with two parent paths for some pairs:
    `once` (a choice per rule and pair) and `paths` (a choice per path) differ there, and the
    learned program of each must give the tensors' probabilities."""
    data = index_graph(_chain_graph(two_paths=True))
    options = _chain_options(Path("unused"), rule_fires=fires, rule_init=0.4)
    model = build_model(options, data)
    with torch.no_grad():
        model.complex.entity.weight.normal_(0, 0.5)
        model.complex.relation.weight.normal_(0, 0.5)
        model.rule_logit.normal_(0, 1.0)
        model.fact_bias.fill_(-1.0)
    text = learned_program(model, data, program_template(options), fires)
    sample = queries(data.test, data.n_relations)
    check = engine_check(model, data, text, sample)
    assert check["engine_matches"] and check["max_abs_diff_engine_vs_tensor"] < 1e-5
    assert check["ground_size"] > 0 and check["engine_queries"] == len(sample)
    # the pairs with two paths are where the two semantics part: the check sees it
    other = learned_program(model, data, program_template(options),
                            "paths" if fires == "once" else "once")
    assert not engine_check(model, data, other, sample)["engine_matches"]
    # and a program whose rules are missing differs too (the check can fail)
    bare = program_template(LinkOptions(model="complex"))
    p_rules = probabilities(model, sample)
    p_fact = torch.sigmoid(model.complex.triple_logits(*sample.unbind(1)) + model.fact_bias)
    assert (p_rules > p_fact + 0.01).all()  # a rule fires for every held-out grandparent
    assert not engine_check(model, data, bare + "\n".join(
        line for line in text.splitlines() if line.startswith("kb_")), sample)["engine_matches"]


def test_complex_alone_is_the_neural_predicate(tmp_path, no_plots):
    folder = _write(_chain_graph(), tmp_path / "chain")
    summary = train_link_prediction(_chain_options(folder, model="complex", epochs=2),
                                    tmp_path / "run", progress=False, check_engine=8)
    assert summary["engine"]["engine_matches"]
    assert "nn(complex" in (tmp_path / "run" / "learned.pl").read_text()


@pytest.mark.skipif(not NATIONS.is_dir(), reason="needs ../shared/datasets/nations")
@pytest.mark.parametrize("model", ["complex", "rules"])
def test_nations_few_epochs_well_above_chance(tmp_path, no_plots, model):
    assert len(load_kg(NATIONS).entities) == 14
    summary = train_link_prediction(
        LinkOptions(task="nations", data_dir=str(NATIONS), model=model, epochs=2),
        tmp_path, progress=False, check_engine=0)
    # chance (14 entities, random order) is an MRR of about 0.25
    assert summary["test"]["mrr"] > 0.6
    assert summary["test"]["n"] == 2 * 201
