"""CLUTRR (graph setting): learn the composition rules `t(_) :: R(X,Y) :- P(X,Z), Q(Z,Y).`.

The program is `examples/kg/clutrr.pl` (one template, 20³ clauses) plus a story's edges as
facts. It is recursive, and grounding one story through the engine takes seconds (measured in
the summary), so training runs a tensor form of the same program under the *best-proof*
semantics (nesy's topk with k = 1: a query's value is the probability of its most probable
proof, the product of the rule weights it uses; facts are certain):

    S(r, a, b) = 1 for an edge r(a, b), else the fixpoint of
    S(r, a, b) = max( S(r, a, b), max_{p, q, z} w[r, p, q] · S(p, a, z) · S(q, z, b) )

iterated on every story's [relations × people × people] tensor until nothing changes (weights
<= 1, so a best proof never repeats an atom on a branch: round t finds the best proofs of depth
<= t, and R·n² rounds bound any story; a chain of n people settles in n - 1).

Candidates: only the clauses whose body `P(X,Z), Q(Z,Y)` some training story shows as two
edges between its query's people (the 2-hop stories) are learned, each with all 20 heads; a
composition no story shows has no support in the data (as a rule miner counts it). Without this
cut the 3-hop stories reward "bridge" clauses through unseen bodies (e.g. brother :-
son-in-law, brother at 0.96), which then misfire on longer stories. On both CLUTRR splits the
2-hop stories show 62 bodies, 1,240 candidate clauses of the 8,000.

Training data: each distinct story once, its loss weighted by how often it occurs (the same
objective; 10,094 rows are 390 distinct stories). Each story's query is a positive for its
target relation and a negative for the 19 others (the corruption of the relation); loss: binary
cross-entropy, plus `rule_l1` × the sum of weights so that compositions no story uses sink to 0.
Prediction: the relation with the largest value; a tie with the target counts 1/(number tied)
(expected accuracy under random tie-break). Answering runs the compositions of weight >= 0.01
first and the full program only where that cannot decide the top (`CompositionRules.predict`).

CLUTRR's answers are not a function of the story graph everywhere: its generator expands the
target edge into a path with a fixed 2-to-1 table (62 entries, which the 2-hop stories show
whole), in an order the story does not record, and that table is not associative on some paths:
(wife∘son)∘grandmother = son∘grandmother = mother, wife∘(son∘grandmother) = wife∘mother =
mother-in-law. data_089907f8's k = 3 test holds 15 copies of that graph, 10 answered mother and 5
mother-in-law, so no predictor of the graph gets more than 100/105 = 95.24% at k = 3
(data_db9b8f04: husband, son, grandmother, 102/107 = 95.33%).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from nesy.datasets.clutrr import Story, load_clutrr
from nesy.errors import TrainingError
from nesy.neural.chain_rules import chain_rules
from nesy.terms import format_atom
from nesy.train.kg_task import KGOptions, data_folder, program_file, rule_l1
from nesy.train.loop import TrainConfig, fit


class CompositionRules(torch.nn.Module):
    """w[r, p, q] = sigmoid(logits): the weight of `r(X,Y) :- p(X,Z), q(Z,Y)`, for the
    compositions marked in `candidates` (all by default); the others are absent (weight 0)."""

    def __init__(self, relations: list[str], initial: torch.Tensor):
        super().__init__()
        self.relations = list(relations)
        initial = initial.clamp(1e-4, 1 - 1e-4)
        self.logits = torch.nn.Parameter(torch.log(initial) - torch.log1p(-initial))
        self.register_buffer("candidates", torch.ones(initial.shape, dtype=torch.bool))

    def weights(self) -> torch.Tensor:
        return torch.sigmoid(self.logits) * self.candidates

    def keep_bodies(self, pairs: torch.Tensor) -> None:
        """Keep only the clauses whose body `p, q` is marked in `pairs` `[P, Q]` (any head)."""
        self.candidates &= pairs[None].to(torch.bool)

    def forward(self, facts: torch.Tensor, max_rounds: int | None = None,
                min_weight: float = 0.0) -> torch.Tensor:
        """facts `[B, R, n, n]` (0/1) → best-proof values `[B, R, n, n]` at the fixpoint of the
        compositions of weight >= `min_weight` (all of them by default)."""
        weights = self.weights().to(facts.dtype)  # [R, P, Q]
        atoms = facts.shape[1] * facts.shape[-1] ** 2  # no best-proof branch is deeper
        rounds = max(max_rounds if max_rounds is not None else atoms, 1)
        keep = self.candidates & (weights >= min_weight)
        return _fixpoint(facts, weights, keep, rounds)

    def predict(self, facts: torch.Tensor, queries: torch.Tensor,
                min_weight: float = 0.01) -> torch.Tensor:
        """`[B, R]` scores whose argmax (ties included) is the full model's, at a fraction of
        its cost: the fixpoint over the compositions of weight >= `min_weight` first. A proof
        using a lighter composition is worth less than `min_weight`, so where the best value
        found is at least `min_weight` no dropped proof can reach it and the ranking's top is
        exact; the other stories are answered by the full fixpoint."""
        scores = query_values(self(facts, min_weight=min_weight), queries)
        low = scores.amax(-1) < min_weight
        if low.any():
            scores[low] = query_values(self(facts[low]), queries[low])
        return scores

    def rule_table(self, threshold: float = 0.5) -> list[tuple[float, str]]:
        """(weight, clause) of every composition above `threshold`, highest weight first."""
        weights = self.weights().detach()
        table = []
        for r, p, q in (weights > threshold).nonzero().tolist():
            names = [format_atom(self.relations[i]) for i in (r, p, q)]
            w = float(weights[r, p, q])
            table.append((w, f"{w:.4f} :: {names[0]}(X, Y) :- {names[1]}(X, Z), {names[2]}(Z, Y)."))
        return sorted(table, key=lambda item: (-item[0], item[1]))


def _fixpoint(facts: torch.Tensor, weights: torch.Tensor, keep: torch.Tensor,
              rounds: int) -> torch.Tensor:
    """The best-proof fixpoint over the compositions marked in `keep` `[R, P, Q]`, computed
    per distinct body (p, q): the max-product over Z once per body, shared by its heads."""
    if not keep.any():
        return facts
    pairs = torch.unique(keep.nonzero()[:, 1:], dim=0)  # [K, 2]
    # pair_weight[r, k]: the weight of r(X,Y) :- p_k(X,Z), q_k(Z,Y), 0 where not kept
    pair_weight = (weights * keep)[:, pairs[:, 0], pairs[:, 1]]
    values = facts
    for _ in range(rounds):
        # best[b, k, a, c] = max_z values[b, p_k, a, z] * values[b, q_k, z, c]
        best = (values[:, pairs[:, 0], :, :, None] * values[:, pairs[:, 1], None, :, :]).amax(-2)
        derived = (pair_weight[None, :, :, None, None] * best[:, None]).amax(2)
        new = torch.maximum(values, derived)
        if torch.equal(new, values):
            break
        values = new
    return values


def composition_model(program_text: str) -> CompositionRules:
    """The template program's 2-chain rules as one [R, P, Q] weight tensor (initial weights)."""
    import nesy

    program = nesy.parse(program_text, "clutrr.pl")
    heads = sorted({sig[0] for sig in program.rules if sig[1] == 2})
    index = {r: i for i, r in enumerate(heads)}
    initial = torch.zeros(len(heads), len(heads), len(heads), dtype=torch.float64)
    for head in heads:
        for rule in chain_rules(program, head):
            if len(rule.body) != 2 or any(b not in index for b in rule.body):
                raise TrainingError(f"clutrr: {rule.text()} is not a composition of two of the "
                                    "relations")
            initial[index[head], index[rule.body[0]], index[rule.body[1]]] = rule.initial
    return CompositionRules(heads, initial)


def story_tensors(stories: list[Story], relations: list[str]):
    """Padded `[B, R, n, n]` facts, query pairs `[B, 2]` and target indices `[B]`."""
    index = {r: i for i, r in enumerate(relations)}
    size = max(max(max(a, b) for a, _, b in s.edges) + 1 for s in stories)
    facts = torch.zeros(len(stories), len(relations), size, size, dtype=torch.float32)
    for i, story in enumerate(stories):
        for a, r, b in story.edges:
            if r not in index:
                raise TrainingError(f"clutrr: relation {r} is not in the program's template")
            facts[i, index[r], a, b] = 1.0
    queries = torch.tensor([s.query for s in stories])
    targets = torch.tensor([index[s.target] for s in stories])
    return facts, queries, targets


def observed_bodies(stories: list[Story], relations: list[str]) -> torch.Tensor:
    """`[P, Q]`: the bodies `p(X, Z), q(Z, Y)` that some story shows directly, as two edges
    from its query's first person to its second (the 2-hop stories). A composition no story
    shows has no support in the data, as rule miners count it."""
    index = {r: i for i, r in enumerate(relations)}
    seen = torch.zeros(len(relations), len(relations), dtype=torch.bool)
    for story in stories:
        x, y = story.query
        for a, p, z in story.edges:
            for b, q, c in story.edges:
                if a == x and b == z and c == y:
                    seen[index[p], index[q]] = True
    return seen


def query_values(values: torch.Tensor, queries: torch.Tensor) -> torch.Tensor:
    """[B, R]: every relation's value at each story's query pair."""
    batch = torch.arange(values.shape[0])
    return values[batch, :, queries[:, 0], queries[:, 1]]


def distinct_stories(stories: list[Story]) -> tuple[list[Story], torch.Tensor]:
    """Each distinct story (the same edges, query and answer) once, in first-seen order, with
    the number of times it occurs. Weighing each one's loss by that count is the same objective
    as the full list (10,094 training rows of data_089907f8 are 390 distinct stories)."""
    counts: dict[tuple, int] = {}
    first: dict[tuple, Story] = {}
    for story in stories:
        key = (story.edges, story.query, story.target)
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, story)
    return list(first.values()), torch.tensor(list(counts.values()), dtype=torch.float32)


def clutrr_loss(rule_l1: float):
    """Binary cross-entropy of every relation at each story's query (the target positive, the
    others negative), weighted by `batch["counts"]` when given, plus `rule_l1` × the weights."""
    def loss_fn(model: CompositionRules, batch) -> torch.Tensor:
        scores = query_values(model(batch["facts"]), batch["queries"]).clamp(1e-9, 1 - 1e-9)
        labels = torch.nn.functional.one_hot(batch["targets"], scores.shape[1]).to(scores.dtype)
        nll = -(labels * scores.log() + (1 - labels) * (-scores).log1p()).sum(-1)
        counts = batch.get("counts")
        nll = nll.mean() if counts is None else (counts * nll).mean()
        return nll + rule_l1 * model.weights().sum()
    return loss_fn


def accuracy(model: CompositionRules, stories: list[Story], batch_size: int = 32) -> float:
    """Expected accuracy of the top relation, ties broken uniformly at random."""
    total = 0.0
    for start in range(0, len(stories), batch_size):
        chunk = stories[start:start + batch_size]
        facts, queries, targets = story_tensors(chunk, model.relations)
        scores = model.predict(facts, queries)
        best = scores.max(-1, keepdim=True).values
        tied = scores == best
        hit = tied[torch.arange(len(chunk)), targets]
        total += float((hit.double() / tied.sum(-1)).sum())
    return total / len(stories)


def train_clutrr(options: KGOptions, output_dir: str, resume: bool = False,
                 progress: bool = True, monitors=(), engine_stories: int = 3,
                 observed_only: bool = True) -> dict:
    torch.set_num_threads(options.threads)
    split = options.split if options.split and options.split.startswith("data_") \
        else "data_089907f8"
    folder = data_folder(options, "clutrr")
    path = folder if folder.suffix == ".zip" else folder / f"{split}.zip"
    data = load_clutrr(path)
    template_text = program_file(options).read_text("utf-8")
    start = time.perf_counter()
    model = composition_model(template_text)
    train, counts = distinct_stories(data.train)
    if observed_only:
        model.keep_bodies(observed_bodies(train, model.relations))
    facts, queries, targets = story_tensors(train, model.relations)
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(options.seed))
    counts = counts / counts.mean()  # a batch's loss stays an estimate of the mean over rows
    setup_s = time.perf_counter() - start

    def evaluate(m):  # per epoch: the distinct training stories (the test set once, at the end)
        return {"train_acc_distinct": accuracy(m, train, batch_size=256)}

    def test(m):
        return {f"test_acc_k{k}": accuracy(m, v) for k, v in data.test.items()}

    config = TrainConfig(output_dir=output_dir, epochs=options.epochs,
                         batch_size=options.batch_size, lr=options.lr, seed=options.seed,
                         resume=resume, progress=progress, monitors=tuple(monitors),
                         task={"task": "clutrr", "split": split, "rule_l1": rule_l1(options)})
    start = time.perf_counter()
    result = fit(model, clutrr_loss(rule_l1(options)),
                 {"facts": facts[order], "queries": queries[order], "targets": targets[order],
                  "counts": counts[order]},
                 config, evaluate=evaluate)
    train_s = time.perf_counter() - start
    out = Path(output_dir)
    table = model.rule_table()
    (out / "rules.txt").write_text("\n".join(t for _, t in table) + "\n", "utf-8")
    with torch.no_grad():
        start = time.perf_counter()
        final = test(model)
        test_s = time.perf_counter() - start
    summary = {"task": "clutrr", "split": split, "seed": options.seed, **final,
               "n_rules_above_0.5": len(table), "train_s": train_s, "setup_s": setup_s,
               "test_s": test_s, "n_test": sum(len(v) for v in data.test.values()),
               "epochs": len(result.history), "n_train": len(data.train),
               "n_train_distinct": len(train),
               "n_candidate_clauses": int(model.candidates.sum())}
    if engine_stories:
        stories = [story for k in sorted(data.test) for story in data.test[k][:engine_stories]]
        summary.update(engine_check(model, stories))
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", "utf-8")
    return summary


def engine_check(model: CompositionRules, stories: list[Story], threshold: float = 0.5,
                 timeout_s: float = 300.0) -> dict:
    """The nesy engine (topk, k = 1) on the learned rule table (the clauses above `threshold`,
    as printed) for a few stories: the time per story, the stories whose top relation is the
    tensor model's (all its clauses, as accuracy scores it), and the largest difference from the
    tensor fixpoint run with the same clauses, over all relations. All 8,000 clauses through
    the engine exceed minutes per story, so the table is what is checked."""
    import nesy
    from nesy.errors import NesyError
    from nesy.limits import Limits

    pruned = CompositionRules(model.relations, torch.full_like(model.logits, 0.5))
    with torch.no_grad():
        keep = model.weights() > threshold
        pruned.logits.copy_(torch.where(keep, model.logits, torch.full_like(model.logits,
                                                                            -float("inf"))))
    learned = "\n".join(t for _, t in model.rule_table(threshold))
    worst, elapsed, same_top = 0.0, 0.0, 0
    for story in stories:
        facts_text = "\n".join(f"{format_atom(r)}(n{a}, n{b})." for a, r, b in story.edges)
        x, y = story.query
        queries = "\n".join(f"query({format_atom(r)}(n{x}, n{y}))." for r in model.relations)
        start = time.perf_counter()
        try:
            text = "\n".join([":- unknown(fail).", learned, facts_text, queries, ""])
            result = nesy.query(text, "topk", k=1, limits=Limits(timeout_s=timeout_s))
        except NesyError as exc:
            return {"engine_error": exc.message}
        elapsed += time.perf_counter() - start
        facts, query, _ = story_tensors([story], model.relations)
        with torch.no_grad():
            tensor = query_values(pruned(facts.double()), query)[0].tolist()
            full = model.predict(facts, query)[0]
        engine = [result.probabilities[f"{format_atom(r)}(n{x},n{y})"] for r in model.relations]
        worst = max([worst] + [abs(a - b) for a, b in zip(engine, tensor, strict=True)])
        same_top += engine.index(max(engine)) == int(full.argmax())
    return {"engine_stories": len(stories), "engine_clauses": int(keep.sum()),
            "engine_s_per_story": elapsed / max(len(stories), 1),
            "engine_top_is_model_top": same_top,
            "max_abs_diff_engine_vs_tensor": worst}
