"""Training outputs: metrics CSV/JSON, the learning-curve PNG, the progress bar, and monitors."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, TextIO

from tqdm import tqdm

from nesy.train.checkpoint import atomic_write_bytes

METRICS_CSV = "metrics.csv"
METRICS_JSON = "metrics.json"
LEARNING_CURVE = "learning_curve.png"
TIMING_KEYS = ("epoch", "train_loss", "epoch_time_s", "samples_per_s")


class Monitor(Protocol):
    """A passive observer: sees a read-only copy of each epoch's metrics, changes nothing."""

    def on_epoch_end(self, metrics: Mapping[str, float]) -> None: ...


def notify(monitors: Iterable[Monitor], metrics: Mapping[str, float]) -> None:
    """Call every monitor with its own read-only copy of the metrics."""
    for monitor in monitors:
        monitor.on_epoch_end(MappingProxyType(dict(metrics)))


@dataclass(frozen=True)
class PrintMonitor:
    """Print one line per epoch (useful when the progress bar is off)."""

    stream: TextIO | None = None  # None: sys.stderr at the time of printing

    def on_epoch_end(self, metrics: Mapping[str, float]) -> None:
        parts = [f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics.items()]
        print(" ".join(parts), file=self.stream or sys.stderr, flush=True)


def _columns(history: Sequence[Mapping[str, Any]]) -> list[str]:
    """The standard columns first, then every other metric in order of first appearance."""
    columns = [k for k in TIMING_KEYS if any(k in row for row in history)]
    for row in history:
        columns.extend(k for k in row if k not in columns)
    return columns


def write_metrics(output_dir: str | Path, history: Sequence[Mapping[str, Any]]) -> None:
    """Rewrite metrics.csv and metrics.json (a list of per-epoch dicts), each atomically."""
    output_dir = Path(output_dir)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=_columns(history), lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    atomic_write_bytes(output_dir / METRICS_CSV, text.getvalue().encode())
    body = json.dumps([dict(row) for row in history], indent=2)
    atomic_write_bytes(output_dir / METRICS_JSON, (body + "\n").encode())


def plot_learning_curve(path: str | Path, history: Sequence[Mapping[str, Any]]) -> None:
    """Save train loss (and any evaluation metrics, second panel) per epoch as a PNG via Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    epochs = [row["epoch"] for row in history]
    extra = [k for k in _columns(history) if k not in TIMING_KEYS]
    fig = Figure(figsize=(10 if extra else 5, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2 if extra else 1, squeeze=False)[0]
    axes[0].plot(epochs, [row.get("train_loss") for row in history], marker="o")
    axes[0].set(xlabel="epoch", ylabel="train loss", title="training loss")
    if extra:
        for key in extra:
            points = [(row["epoch"], row[key]) for row in history if key in row]
            axes[1].plot(*zip(*points, strict=True), marker="o", label=key)
        axes[1].set(xlabel="epoch", title="evaluation")
        axes[1].legend()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    atomic_write_bytes(Path(path), buffer.getvalue())


def progress_bar(total: int, desc: str, enabled: bool) -> tqdm:
    """A tqdm bar over `total` batches, shown only when enabled and stderr is a terminal."""
    show = enabled and sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit="batch", leave=False, disable=not show)


def plot_curriculum(path: str | Path, rows: Sequence[Mapping[str, Any]]) -> None:
    """A curriculum's curve: the evaluation metrics per epoch across stages (each stage's
    start marked with its name; times, named `*_s`, left out), and the epoch times on a log
    scale, as a PNG via Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    epochs = [row["epoch"] for row in rows]
    skip = set(TIMING_KEYS) | {"stage", "stage_name", "stage_epoch"}
    metrics = [k for k in _columns(rows) if k not in skip and not k.endswith("_s")
               and all(isinstance(row.get(k, 0.0), (int, float)) for row in rows)]
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    for key in metrics:
        points = [(row["epoch"], row[key]) for row in rows if key in row]
        left.plot(*zip(*points, strict=True), marker="o", label=key)
    right.plot(epochs, [row["epoch_time_s"] for row in rows], marker="o")
    right.set_yscale("log")
    for axis in (left, right):
        for row in rows:
            if row.get("stage_epoch") == 1:
                axis.axvline(row["epoch"] - 0.5, color="grey", linewidth=0.6)
                axis.annotate(str(row.get("stage_name", row.get("stage"))),
                              (row["epoch"] - 0.45, 0.02), xycoords=("data", "axes fraction"),
                              fontsize=7, rotation=90)
    left.set(xlabel="epoch (all stages)", title="evaluation")
    if metrics:
        left.legend(fontsize=7)
    right.set(xlabel="epoch (all stages)", ylabel="seconds", title="epoch time")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    atomic_write_bytes(Path(path), buffer.getvalue())
