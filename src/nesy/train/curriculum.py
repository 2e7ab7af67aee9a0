"""A curriculum: a sequence of `fit` runs (stages) that carry one network from stage to stage.

Each stage trains its own model (e.g. a Module for N-digit numbers) around the carried network,
in its own folder with `fit`'s checkpoint, metrics and learning curve; when a stage ends, the
carried network's weights are saved beside them (`carried.pt`). A resumed run skips finished
stages by loading those weights, and resumes the stage in progress from its checkpoint. The
output folder gets every stage's epochs in one `metrics.csv`/`metrics.json` (with `stage` and a
global `epoch`), `curriculum.json` (one summary per finished stage) and `learning_curve.png`.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

import torch

from nesy.errors import TrainingError
from nesy.train.checkpoint import FORMAT_VERSION, atomic_write_bytes, load_checkpoint
from nesy.train.loop import Evaluate, LossFn, TrainConfig, fit
from nesy.train.monitor import LEARNING_CURVE, plot_curriculum, write_metrics

CARRIED_NAME = "carried.pt"
SUMMARY_NAME = "curriculum.json"


@dataclass(frozen=True)
class Stage:
    """One stage: a name (its folder is `stage-<i>-<name>`), its epochs and its task record
    (primitives saying what it trains; a resumed run must match it)."""

    name: str
    epochs: int
    task: Mapping[str, Any]


@dataclass(frozen=True)
class StageRun:
    """What a stage trains: the model (holding the carried network), its loss, data, evaluation."""

    model: torch.nn.Module
    loss_fn: LossFn
    data: Mapping[str, Any]
    evaluate: Evaluate | None = None


def stage_dir(output_dir: Path, index: int, stage: Stage) -> Path:
    return output_dir / f"stage-{index + 1:02d}-{stage.name}"


def _stage_record(stage: Stage) -> str:
    """What a finished stage must share with the run resuming it: its task and its epochs (a
    change in an earlier stage is caught there, as stages are checked in order)."""
    return json.dumps({**dict(stage.task), "epochs": stage.epochs}, sort_keys=True)


def _save_carried(path: Path, stage: Stage, carried: torch.nn.Module,
                  summary: Mapping[str, Any]) -> None:
    buffer = io.BytesIO()
    torch.save({"format": FORMAT_VERSION, "task": _stage_record(stage),
                "network": carried.state_dict(), "summary": json.dumps(dict(summary))}, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def _load_carried(path: Path, stage: Stage, carried: torch.nn.Module) -> dict[str, Any]:
    """Load a finished stage's network into `carried`; refuse one that trained another task."""
    state = load_checkpoint(path)
    saved, now = json.loads(state["task"]), json.loads(_stage_record(stage))
    if saved != now:
        diffs = [f"{k}: saved {saved.get(k)!r}, now {now.get(k)!r}"
                 for k in sorted(set(saved) | set(now)) if saved.get(k) != now.get(k)]
        raise TrainingError(f"cannot resume from {path}: the stage changed ({'; '.join(diffs)})",
                            hint="use the original curriculum, or start afresh in another "
                                 "output directory")
    carried.load_state_dict(state["network"])
    return json.loads(state["summary"])


def fit_curriculum(
    stages: Sequence[Stage],
    make_stage: Callable[[int, Stage], StageRun],
    carried: torch.nn.Module,
    config: TrainConfig,
) -> list[dict[str, Any]]:
    """Train the stages in order, each with `config` (its epochs, folder and task replaced).

    `make_stage(index, stage)` builds the stage's model around `carried` (called only for
    stages that still train). Returns every epoch's metrics with `stage`, `stage_name` and a
    global `epoch`; writes them, the per-stage summaries and the curve into `config.output_dir`.
    """
    if not stages:
        raise TrainingError("a curriculum needs at least one stage")
    output_dir = Path(config.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    summaries: list[dict[str, Any]] = []
    for index, stage in enumerate(stages):
        folder = stage_dir(output_dir, index, stage)
        carried_path = folder / CARRIED_NAME
        if config.resume and carried_path.exists():
            summary = _load_carried(carried_path, stage, carried)
            history = [dict(row) for row in load_checkpoint(folder / "checkpoint.pt")["history"]]
        else:
            started = perf_counter()
            run = make_stage(index, stage)
            task = {**dict(stage.task), "stage": index + 1}
            stage_config = dataclasses.replace(config, output_dir=folder, epochs=stage.epochs,
                                               task=task)
            result = fit(run.model, run.loss_fn, run.data, stage_config, evaluate=run.evaluate)
            history = [dict(row) for row in result.history]
            summary = {
                "stage": index + 1,
                "name": stage.name,
                **{k: v for k, v in stage.task.items() if isinstance(v, (int, float, str))},
                "epochs": stage.epochs,
                "train_time_s": sum(row["epoch_time_s"] for row in history),
                # this process's wall time for the stage: building (grounding), the epochs it
                # trained, evaluation and file writes
                "wall_time_s": perf_counter() - started,
                **{k: v for k, v in (history[-1] if history else {}).items()
                   if k not in ("epoch", "epoch_time_s", "samples_per_s")},
            }
            _save_carried(carried_path, stage, carried, summary)
        summaries.append(summary)
        for row in history:
            rows.append({**row, "epoch": len(rows) + 1, "stage": index + 1,
                         "stage_name": stage.name, "stage_epoch": row["epoch"]})
        write_metrics(output_dir, rows)
        atomic_write_bytes(output_dir / SUMMARY_NAME,
                           (json.dumps(summaries, indent=2) + "\n").encode())
        plot_curriculum(output_dir / LEARNING_CURVE, rows)
    return rows
