"""Knowledge-graph tasks: Countries S1–S3 with rule templates (and CLUTRR, see clutrr_task).

Countries: the program is `examples/kg/countries.pl` (rule templates) plus the split's facts.
Its learnable rules are chain rules over certain facts, so the exact probability of a query
`located(c, r)` has a closed form that `nesy.neural.chain_rules` computes with matrix products;
training is on tensors, and the learned program (weights written in) is checked against the
nesy engine itself on every test query, which also measures ground size and time per query.

Training queries: every training country (one with a region fact in the split, not a test
country) against each of the 5 regions — the true region a positive, the other 4 its corruptions
(negatives). Each training country is asked twice: once over the KB as it is, once with the
country's own locatedIn facts hidden (a generalisation of NTP's masking of the query fact: "say
where c lies without c's own location facts"), so rules that go through neighbours get a signal.
The rule weights carry an L1 penalty (`rule_l1`) so that rules no query needs sink to 0.
Evaluation: AUC-PR over the test countries × the 5 regions, as NTP and CTP report it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from nesy.datasets.kg import Countries, load_countries
from nesy.errors import TrainingError
from nesy.neural.chain_rules import ChainRuleModel, chain_rules, facts_of, path_counts
from nesy.terms import format_atom
from nesy.train.loop import TrainConfig, fit
from nesy.train.metrics import auc_pr

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "kg"
DEFAULT_DATA = Path("..") / "shared" / "datasets"
HEAD = "located"


@dataclass(frozen=True)
class KGOptions:
    task: str = "countries"
    split: str = "S1"
    data_dir: str | None = None
    program: str | None = None  # the template program; examples/kg/<task>.pl by default
    epochs: int = 30
    batch_size: int = 32
    lr: float = 0.05
    seed: int = 0
    rule_l1: float | None = None  # L1 on rule weights; None: 0.01 countries, 0.001 clutrr
    threads: int = 1


def rule_l1(options: KGOptions) -> float:
    if options.rule_l1 is not None:
        return options.rule_l1
    return 0.001 if options.task == "clutrr" else 0.01


def data_folder(options: KGOptions, name: str) -> Path:
    folder = Path(options.data_dir) if options.data_dir else DEFAULT_DATA / name
    if not folder.exists():
        raise TrainingError(f"no data at {folder}",
                            hint=f"pass --data-dir with the {name} folder of the shared datasets")
    return folder


def program_file(options: KGOptions) -> Path:
    path = Path(options.program) if options.program else EXAMPLES / f"{options.task}.pl"
    if not path.is_file():
        raise TrainingError(f"no program {path}")
    return path


def fact_lines(triples) -> str:
    return "\n".join(f"{format_atom(r)}({format_atom(h)}, {format_atom(t)})."
                     for h, r, t in triples)


@dataclass
class CountriesTensors:
    """What training and evaluation read: path counts per rule for each (country, region)."""

    model: ChainRuleModel
    train_counts: torch.Tensor  # [n_train_queries, n_regions, n_rules]
    train_labels: torch.Tensor  # [n_train_queries, n_regions]
    test_counts: torch.Tensor
    test_labels: torch.Tensor
    program_text: str


def _masked_counts(rules, adjacency, index, country, region_index, hidden) -> torch.Tensor:
    """Path counts from `country` to each region with the country's own `hidden` facts out."""
    row = index[country]
    masked = {r: a.clone() for r, a in adjacency.items()}
    if hidden in masked:
        masked[hidden][row] = 0.0
    out = []
    for rule in rules:
        vector = masked[rule.body[0]][row]
        for relation in rule.body[1:]:
            vector = vector @ masked[relation]
        out.append(vector[region_index])
    return torch.stack(out, -1)


def countries_tensors(data: Countries, template_text: str, seed: int) -> CountriesTensors:
    text = template_text + "\n" + fact_lines(data.facts) + "\n"
    import nesy

    program = nesy.parse(text, "countries.pl")
    rules = chain_rules(program, HEAD)
    relations = sorted({r for rule in rules for r in rule.body})
    facts = {r: facts_of(program, r) for r in relations}
    entities = sorted({e for pairs in facts.values() for p in pairs for e in p}
                      | set(data.regions) | set(data.test_countries))
    index = {e: i for i, e in enumerate(entities)}
    counts = path_counts(rules, facts, index)  # [rules, E, E]
    adjacency = {r: torch.zeros(len(index), len(index), dtype=torch.float64) for r in relations}
    for r, pairs in facts.items():
        for a, b in pairs:
            adjacency[r][index[a], index[b]] = 1.0
    regions = [index[r] for r in data.regions]
    region_index = torch.tensor(regions)
    region_fact = {h: t for h, r, t in data.facts if r == "locatedIn" and t in data.regions}
    test = set(data.test_countries)
    train = [c for c in region_fact if c not in test]

    def rows(countries):
        x = torch.tensor([index[c] for c in countries])
        return counts[:, x][:, :, regions].permute(1, 2, 0)

    def labels(countries, gold):
        return torch.tensor([[float(gold[c] == r) for r in data.regions] for c in countries],
                            dtype=torch.float64)

    masked = torch.stack([_masked_counts(rules, adjacency, index, c, region_index, "locatedIn")
                          for c in train])
    train_counts = torch.cat([rows(train), masked])
    train_labels = torch.cat([labels(train, region_fact)] * 2)
    order = torch.randperm(len(train_counts), generator=torch.Generator().manual_seed(seed))
    torch.manual_seed(seed)
    model = ChainRuleModel(rules)
    return CountriesTensors(model, train_counts[order], train_labels[order],
                            rows(data.test_countries), labels(data.test_countries, data.region_of),
                            text)


def chain_loss(rule_l1: float):
    def loss_fn(model: ChainRuleModel, batch) -> torch.Tensor:
        counts, labels = batch["counts"], batch["labels"]
        log_true, log_false = model.log_prob(counts), model.log_false(counts)
        nll = -(labels * log_true + (1 - labels) * log_false).sum(-1).mean()
        return nll + rule_l1 * model.weights().sum()
    return loss_fn


def countries_evaluate(model: ChainRuleModel, tensors: CountriesTensors) -> dict:
    scores = model(tensors.test_counts).flatten().tolist()
    return {"test_auc_pr": auc_pr(tensors.test_labels.flatten().tolist(), scores)}


def learned_program(template_text: str, model: ChainRuleModel, facts_text: str) -> str:
    """The program with the templates replaced by the learned clauses (weights written in)."""
    lines = [text for _, text in model.rule_table()]
    kept = [line for line in template_text.splitlines() if line.startswith("%")]
    return "\n".join(kept + ["", "% learned by nesy train"] + lines + ["", facts_text, ""])


def engine_check(program_text: str, queries: list[str], expected: list[float]) -> dict:
    """Answer `queries` with the nesy engine (exact semantics) on the learned program: ground
    size, times, and the largest difference from the tensor closed form."""
    import nesy
    from nesy.ground.engine import ground_queries

    text = program_text + "\n" + "\n".join(f"query({q})." for q in queries) + "\n"
    start = time.perf_counter()
    program = nesy.parse(text, "learned.pl")
    parsed = time.perf_counter()
    atoms = [program_query.head.args[0] for program_query in program.rules[("query", 1)]]
    ground = ground_queries(program, atoms, [])
    grounded = time.perf_counter()
    result = nesy.query(program)
    answered = time.perf_counter()
    values = result.probabilities
    got = [values[q.replace(" ", "")] for q in queries]
    return {"engine_queries": len(queries), "ground_size": ground.size,
            "ground_bodies": sum(len(b) for b in ground.bodies.values()),
            "parse_s": parsed - start, "ground_s": grounded - parsed,
            "query_total_s": answered - grounded,
            "per_query_ms": 1000 * (answered - grounded) / len(queries),
            "max_abs_diff_engine_vs_tensor": max(abs(a - b) for a, b in
                                                 zip(got, expected, strict=True))}


def train_countries(options: KGOptions, output_dir: str, resume: bool = False,
                    progress: bool = True, monitors=(), check_engine: bool = True) -> dict:
    torch.set_num_threads(options.threads)
    data = load_countries(data_folder(options, "countries"), options.split)
    template_text = program_file(options).read_text("utf-8")
    start = time.perf_counter()
    tensors = countries_tensors(data, template_text, options.seed)
    setup_s = time.perf_counter() - start
    config = TrainConfig(output_dir=output_dir, epochs=options.epochs,
                         batch_size=options.batch_size, lr=options.lr, seed=options.seed,
                         resume=resume, progress=progress, monitors=tuple(monitors),
                         task={"task": "countries", "split": options.split,
                               "rule_l1": rule_l1(options)})
    start = time.perf_counter()
    result = fit(tensors.model, chain_loss(rule_l1(options)),
                 {"counts": tensors.train_counts, "labels": tensors.train_labels}, config,
                 evaluate=lambda m: countries_evaluate(m, tensors))
    train_s = time.perf_counter() - start
    model = tensors.model
    with torch.no_grad():
        final = countries_evaluate(model, tensors)
        scores = model(tensors.test_counts)
    out = Path(output_dir)
    rules_text = "\n".join(text for _, text in model.rule_table())
    (out / "rules.txt").write_text(rules_text + "\n", "utf-8")
    learned = learned_program(template_text, model, fact_lines(data.facts))
    (out / "learned.pl").write_text(learned, "utf-8")
    summary = {"task": "countries", "split": options.split, "seed": options.seed,
               "test_auc_pr": final["test_auc_pr"], "n_rules": len(model.rules),
               "n_train_queries": int(tensors.train_counts.shape[0]),
               "setup_s": setup_s, "train_s": train_s, "epochs": len(result.history)}
    if check_engine:
        queries = [f"{HEAD}({format_atom(c)},{format_atom(r)})"
                   for c in data.test_countries for r in data.regions]
        summary.update(engine_check(learned, queries, scores.flatten().tolist()))
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", "utf-8")
    return summary


def run_cli(args) -> int:
    options = KGOptions(task=args.task, split=args.split or "S1", data_dir=args.data_dir,
                        epochs=args.epochs,  # `nesy train --program` is digit addition's
                        batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                        threads=args.threads, rule_l1=getattr(args, "rule_l1", None))
    output = args.output if args.output != "runs/digit-addition" else f"runs/{args.task}"
    if options.task == "countries":
        summary = train_countries(options, output, resume=args.resume,
                                  progress=not args.no_progress)
        print((Path(output) / "rules.txt").read_text("utf-8"), end="")
    else:
        from nesy.train.clutrr_task import train_clutrr

        summary = train_clutrr(options, output, resume=args.resume,
                               progress=not args.no_progress)
    print(json.dumps(summary, indent=2))
    return 0


__all__ = ["KGOptions", "countries_tensors", "run_cli", "train_countries"]
