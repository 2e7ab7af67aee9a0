"""`nesy rules RUN_DIR`: the rules a Countries or CLUTRR run learned, with their weights, sorted.

The weights come from the run's checkpoint; the clauses they belong to from the task's template
program (examples/kg/<task>.pl, or --program), expanded the way training expanded it.
"""

from __future__ import annotations

import json
from pathlib import Path

from nesy.errors import TrainingError

RULE_TASKS = ("countries", "clutrr")


def add_parser(sub) -> None:
    parser = sub.add_parser("rules", help="print the rules a countries/clutrr run learned")
    parser.add_argument("run_dir", metavar="RUN_DIR",
                        help="the output folder of `nesy train --task countries|clutrr`")
    parser.add_argument("--min-weight", type=float, default=None, metavar="W",
                        help="only rules of weight at least W (default: every rule of a "
                             "Countries run; 0.5 for CLUTRR, whose templates hold every "
                             "composition of its relations)")
    parser.add_argument("--top", type=int, default=None, metavar="N",
                        help="only the N heaviest rules")
    parser.add_argument("--program", default=None,
                        help="the template program the run trained (default "
                             "examples/kg/<task>.pl)")
    parser.add_argument("--format", default="text", choices=["text", "json"])
    parser.set_defaults(run=run)


def learned_rules(run_dir: str | Path, program: str | None = None) -> tuple[str, list]:
    """(task, [(weight, clause)]) of a Countries or CLUTRR run, heaviest first."""
    from nesy.train.checkpoint import CHECKPOINT_NAME, load_checkpoint

    folder = Path(run_dir)
    checkpoint = folder / CHECKPOINT_NAME
    hint = ("pass the --output folder of `nesy train --task countries` or `--task clutrr` "
            "(it holds checkpoint.pt and rules.txt)")
    if not checkpoint.is_file():
        raise TrainingError(f"{folder} is not a countries or clutrr run: no {CHECKPOINT_NAME}",
                            hint=hint)
    state = load_checkpoint(checkpoint)
    task = ((state.get("config") or {}).get("task") or {}).get("task")
    if task not in RULE_TASKS:
        raise TrainingError(f"{folder} is a {task or 'untitled'} run, not a countries or "
                            "clutrr run: it learned no rules", hint=hint)
    model = _template_model(task, program)
    try:
        model.load_state_dict(state["model"])
    except (RuntimeError, KeyError) as exc:
        raise TrainingError(f"the checkpoint in {folder} does not fit the template program's "
                            f"rules ({type(exc).__name__})",
                            hint="pass --program with the template program the run trained"
                            ) from None
    if task == "countries":
        return task, model.rule_table()
    return task, model.rule_table(threshold=-1.0)


def _template_model(task: str, program: str | None):
    import nesy
    from nesy.neural.chain_rules import ChainRuleModel, chain_rules
    from nesy.train.kg_task import HEAD, KGOptions, program_file

    text = program_file(KGOptions(task=task, program=program)).read_text("utf-8")
    if task == "countries":
        return ChainRuleModel(chain_rules(nesy.parse(text, "countries.pl"), HEAD))
    from nesy.train.clutrr_task import composition_model

    return composition_model(text)


def select(table: list, min_weight: float | None, top: int | None) -> list:
    """The rules of weight at least `min_weight`, heaviest first (ties by text), at most `top`."""
    kept = sorted((row for row in table if min_weight is None or row[0] >= min_weight),
                  key=lambda row: (-row[0], row[1]))
    return kept if top is None else kept[:max(top, 0)]


def run(args) -> int:
    task, table = learned_rules(args.run_dir, args.program)
    min_weight = args.min_weight
    if min_weight is None and task == "clutrr":
        min_weight = 0.5
    rows = select(table, min_weight, args.top)
    if args.format == "json":
        print(json.dumps({"task": task, "rules": [{"weight": w, "clause": c} for w, c in rows],
                          "shown": len(rows), "total": len(table)}))
        return 0
    for _, clause in rows:
        print(clause)
    print(f"% {len(rows)} of {len(table)} rules of the {task} run in {args.run_dir}")
    return 0
