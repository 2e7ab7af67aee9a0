"""CLUTRR (graph setting): learn the composition rules `t(_) :: R(X,Y) :- P(X,Z), Q(Z,Y).`.

The program is `examples/kg/clutrr.pl` (one template, 20³ clauses) plus a story's edges as
facts. It is recursive, and grounding one story through the engine takes seconds (measured in
the summary), so training runs a tensor form of the same program under the *best-proof*
semantics (nesy's topk with k = 1: a query's value is the probability of its most probable
proof, the product of the rule weights it uses; facts are certain):

    S(r, a, b) = 1 for an edge r(a, b), else the fixpoint of
    S(r, a, b) = max( S(r, a, b), max_{p, q, z} w[r, p, q] · S(p, a, z) · S(q, z, b) )

iterated on every story's [relations × people × people] tensor until nothing changes (weights
<= 1, so a best proof never repeats an atom and the fixpoint is reached within n - 1 rounds).
Each training story's query is a positive for its target relation and a negative for the 19
others (the corruption of the relation); loss: binary cross-entropy, plus `rule_l1` × the sum of
weights so that compositions no story uses sink to 0. Prediction: the relation with the largest
value; a tie with the target counts 1/(number tied) (expected accuracy under random tie-break).
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
    """w[r, p, q] = sigmoid(logits): the weight of `r(X,Y) :- p(X,Z), q(Z,Y)`."""

    def __init__(self, relations: list[str], initial: torch.Tensor):
        super().__init__()
        self.relations = list(relations)
        initial = initial.clamp(1e-4, 1 - 1e-4)
        self.logits = torch.nn.Parameter(torch.log(initial) - torch.log1p(-initial))

    def weights(self) -> torch.Tensor:
        return torch.sigmoid(self.logits)

    def forward(self, facts: torch.Tensor, max_rounds: int | None = None) -> torch.Tensor:
        """facts `[B, R, n, n]` (0/1) → best-proof values `[B, R, n, n]` at the fixpoint."""
        weights = self.weights().to(facts.dtype)  # [R, P, Q]
        values = facts
        rounds = max_rounds if max_rounds is not None else facts.shape[-1]
        for _ in range(max(rounds, 1)):
            derived = torch.zeros_like(values)
            for p in range(weights.shape[1]):
                # best[b, q, a, c] = max_z values[b, p, a, z] * values[b, q, z, c]
                best = (values[:, p, None, :, :, None] * values[:, :, None, :, :]).amax(-2)
                # w[r, p, q] * best[b, q, a, c], maximised over q
                scored = (weights[None, :, p, :, None, None] * best[:, None]).amax(2)
                derived = torch.maximum(derived, scored)
            new = torch.maximum(values, derived)
            if torch.equal(new, values):
                break
            values = new
        return values

    def rule_table(self, threshold: float = 0.5) -> list[tuple[float, str]]:
        """(weight, clause) of every composition above `threshold`, highest weight first."""
        weights = self.weights().detach()
        table = []
        for r, p, q in (weights > threshold).nonzero().tolist():
            names = [format_atom(self.relations[i]) for i in (r, p, q)]
            w = float(weights[r, p, q])
            table.append((w, f"{w:.4f} :: {names[0]}(X, Y) :- {names[1]}(X, Z), {names[2]}(Z, Y)."))
        return sorted(table, key=lambda item: (-item[0], item[1]))


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


def query_values(values: torch.Tensor, queries: torch.Tensor) -> torch.Tensor:
    """[B, R]: every relation's value at each story's query pair."""
    batch = torch.arange(values.shape[0])
    return values[batch, :, queries[:, 0], queries[:, 1]]


def clutrr_loss(rule_l1: float):
    def loss_fn(model: CompositionRules, batch) -> torch.Tensor:
        scores = query_values(model(batch["facts"]), batch["queries"]).clamp(1e-9, 1 - 1e-9)
        labels = torch.nn.functional.one_hot(batch["targets"], scores.shape[1]).to(scores.dtype)
        nll = -(labels * scores.log() + (1 - labels) * (-scores).log1p()).sum(-1).mean()
        return nll + rule_l1 * model.weights().sum()
    return loss_fn


def accuracy(model: CompositionRules, stories: list[Story], batch_size: int = 32) -> float:
    """Expected accuracy of the top relation, ties broken uniformly at random."""
    total = 0.0
    for start in range(0, len(stories), batch_size):
        chunk = stories[start:start + batch_size]
        facts, queries, targets = story_tensors(chunk, model.relations)
        scores = query_values(model(facts), queries)
        best = scores.max(-1, keepdim=True).values
        tied = scores == best
        hit = tied[torch.arange(len(chunk)), targets]
        total += float((hit.double() / tied.sum(-1)).sum())
    return total / len(stories)


def train_clutrr(options: KGOptions, output_dir: str, resume: bool = False,
                 progress: bool = True, monitors=(), engine_stories: int = 3) -> dict:
    torch.set_num_threads(options.threads)
    split = options.split if options.split and options.split.startswith("data_") \
        else "data_089907f8"
    folder = data_folder(options, "clutrr")
    path = folder if folder.suffix == ".zip" else folder / f"{split}.zip"
    data = load_clutrr(path)
    template_text = program_file(options).read_text("utf-8")
    start = time.perf_counter()
    model = composition_model(template_text)
    facts, queries, targets = story_tensors(data.train, model.relations)
    order = torch.randperm(len(data.train), generator=torch.Generator().manual_seed(options.seed))
    setup_s = time.perf_counter() - start

    def evaluate(m):
        return {f"test_acc_k{k}": accuracy(m, v) for k, v in data.test.items()}

    config = TrainConfig(output_dir=output_dir, epochs=options.epochs,
                         batch_size=options.batch_size, lr=options.lr, seed=options.seed,
                         resume=resume, progress=progress, monitors=tuple(monitors),
                         task={"task": "clutrr", "split": split, "rule_l1": rule_l1(options)})
    start = time.perf_counter()
    result = fit(model, clutrr_loss(rule_l1(options)),
                 {"facts": facts[order], "queries": queries[order], "targets": targets[order]},
                 config, evaluate=evaluate)
    train_s = time.perf_counter() - start
    out = Path(output_dir)
    table = model.rule_table()
    (out / "rules.txt").write_text("\n".join(t for _, t in table) + "\n", "utf-8")
    with torch.no_grad():
        start = time.perf_counter()
        final = evaluate(model)
        test_s = time.perf_counter() - start
    summary = {"task": "clutrr", "split": split, "seed": options.seed, **final,
               "n_rules_above_0.5": len(table), "train_s": train_s, "setup_s": setup_s,
               "test_s": test_s, "n_test": sum(len(v) for v in data.test.values()),
               "epochs": len(result.history)}
    if engine_stories:
        stories = [data.test[k][0] for k in sorted(data.test)][:engine_stories]
        summary.update(engine_check(model, stories))
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", "utf-8")
    return summary


def engine_check(model: CompositionRules, stories: list[Story], threshold: float = 0.5,
                 timeout_s: float = 300.0) -> dict:
    """The nesy engine (topk, k = 1) on the learned rule table (the clauses above `threshold`,
    as printed) for a few stories: the time per story and the largest difference from the
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
    worst, elapsed = 0.0, 0.0
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
        for r, value in zip(model.relations, tensor, strict=True):
            got = result.probabilities[f"{format_atom(r)}(n{x},n{y})"]
            worst = max(worst, abs(got - value))
    return {"engine_stories": len(stories), "engine_clauses": int(keep.sum()),
            "engine_s_per_story": elapsed / max(len(stories), 1),
            "max_abs_diff_engine_vs_tensor": worst}
