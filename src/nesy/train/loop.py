"""The training loop: in-order minibatches, per-epoch metrics, atomic checkpoints, exact resume."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

import torch
import torch.nn.functional as F

from nesy.errors import TrainingError
from nesy.train.checkpoint import (
    CHECKPOINT_NAME,
    FORMAT_VERSION,
    get_rng_state,
    load_checkpoint,
    model_signature,
    save_checkpoint,
    set_rng_state,
)
from nesy.train.monitor import (
    LEARNING_CURVE,
    TIMING_KEYS,
    Monitor,
    notify,
    plot_learning_curve,
    progress_bar,
    write_metrics,
)

OPTIMIZERS = ("adam", "sgd", "adagrad")
PLOT_EVERY_S = 30.0  # the fewest seconds between two drawings of the learning curve

# Options that change what the resumed run computes; `epochs` may grow between runs.
RESUME_KEYS = ("batch_size", "lr", "optimizer", "seed", "shuffle")
# what a checkpoint written before an option existed meant by it
SAVED_DEFAULTS = {"shuffle": False}
BEST_NAME = "best.pt"

LossFn = Callable[[torch.nn.Module, dict[str, Any]], torch.Tensor]
Evaluate = Callable[[torch.nn.Module], Mapping[str, Any]]


@dataclass(frozen=True)
class TrainConfig:
    """Options of `fit`; all but `progress` and `monitors` are saved in the checkpoint."""

    output_dir: str | Path
    epochs: int = 1
    batch_size: int = 32
    lr: float = 1e-3
    seed: int = 0
    optimizer: str = "adam"
    #: a fresh random order of the examples every epoch (from the torch generator, whose
    #: state the checkpoint keeps, so a resumed run sees the same orders)
    shuffle: bool = False
    #: an evaluate metric to maximise: the model of the epoch with its highest value is saved
    #: as best.pt (FitResult.best_checkpoint), beside the last epoch's checkpoint
    best_metric: str | None = None
    resume: bool = False
    progress: bool = True
    monitors: tuple[Monitor, ...] = ()
    #: what is trained, as primitives (program, data options, semantics, ...): a resumed run
    #: must train the same task
    task: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "monitors", tuple(self.monitors))
        for name in ("epochs", "batch_size", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TrainingError(f"{name} must be an integer, got {value!r}")
        if self.epochs < 0:
            raise TrainingError(f"epochs must be >= 0, got {self.epochs}")
        if self.batch_size < 1:
            raise TrainingError(f"batch_size must be >= 1, got {self.batch_size}")
        if not isinstance(self.lr, (int, float)) or not (math.isfinite(self.lr) and self.lr > 0):
            raise TrainingError(f"lr must be a positive number, got {self.lr!r}")
        if self.optimizer not in OPTIMIZERS:
            raise TrainingError(
                f"unknown optimizer {self.optimizer!r}; expected one of {OPTIMIZERS}"
            )
        for monitor in self.monitors:
            if not callable(getattr(monitor, "on_epoch_end", None)):
                raise TrainingError(f"monitor {monitor!r} has no on_epoch_end(metrics) method")

    def to_dict(self) -> dict[str, Any]:
        """The options as primitives (for the checkpoint): no monitors, no progress flag."""
        return {
            "output_dir": str(self.output_dir),
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "lr": float(self.lr),
            "seed": self.seed,
            "optimizer": self.optimizer,
            "shuffle": self.shuffle,
            "best_metric": self.best_metric,
            "task": dict(self.task) if self.task is not None else None,
        }


@dataclass(frozen=True)
class FitResult:
    """What fit did: the full metrics history and the first epoch this call trained (1-based)."""

    history: tuple[dict[str, Any], ...]
    start_epoch: int
    output_dir: Path

    @property
    def checkpoint(self) -> Path:
        return self.output_dir / CHECKPOINT_NAME

    @property
    def best_checkpoint(self) -> Path:
        """best.pt: `format`, `epoch`, `metric`, `value` and `model` (a state dict) of the
        epoch with the highest `best_metric` (written only when that option is set)."""
        return self.output_dir / BEST_NAME


def make_optimizer(
    name: str, params: Iterable[torch.nn.Parameter], lr: float
) -> torch.optim.Optimizer:
    """An optimizer by name ('adam' or 'sgd') with default settings but the learning rate."""
    params = list(params)
    if not params:
        raise TrainingError("the model has no trainable parameters")
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr)
    raise TrainingError(f"unknown optimizer {name!r}; expected one of {OPTIMIZERS}")


def _data_size(data: Mapping[str, Any]) -> int:
    """The shared first dimension of the data's tensors (or sequences)."""
    if not isinstance(data, Mapping) or not data:
        raise TrainingError("training data must be a non-empty dict of tensors")
    sizes = {}
    for key, value in data.items():
        try:
            sizes[key] = len(value)
        except TypeError as exc:
            raise TrainingError(f"training data {key!r} has no length (not a tensor?)") from exc
    if len(set(sizes.values())) != 1:
        raise TrainingError(f"training data tensors differ in their first dimension: {sizes}")
    n = next(iter(sizes.values()))
    if n == 0:
        raise TrainingError("training data is empty")
    return n


def _metric_values(metrics: Mapping[str, Any]) -> dict[str, float]:
    """evaluate's metrics as Python floats; refuse names the loop writes itself."""
    out = {}
    for key, value in metrics.items():
        if key in TIMING_KEYS:
            raise TrainingError(f"evaluate returned metric {key!r}, a name the loop reserves")
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        try:
            out[str(key)] = float(value)
        except (TypeError, ValueError) as exc:
            raise TrainingError(f"evaluate returned a non-numeric metric {key}={value!r}") from exc
    return out


def _check_resumable(
    state: Mapping[str, Any], config: TrainConfig, model: torch.nn.Module, n: int, path: Path
) -> None:
    """Refuse to resume when the checkpoint was made by a run that computes something else."""
    saved = state["config"]
    diffs = [
        f"{k}: saved {saved.get(k)!r}, now {v!r}"
        for k, v in config.to_dict().items()
        if k in RESUME_KEYS and saved.get(k, SAVED_DEFAULTS.get(k)) != v
    ]
    saved_task, task = saved.get("task") or {}, config.task or {}
    diffs += [f"{k}: saved {saved_task.get(k)!r}, now {task.get(k)!r}"
              for k in sorted(set(saved_task) | set(task)) if saved_task.get(k) != task.get(k)]
    if diffs:
        raise TrainingError(
            f"cannot resume from {path}: the configuration changed ({'; '.join(diffs)})",
            hint="use the original options, or start afresh in another output directory",
        )
    now, before = model_signature(model), state["model_signature"]
    if now != before:
        changed = sorted(k for k in set(now) | set(before) if now.get(k) != before.get(k))
        detail = ", ".join(f"{k}: saved {before.get(k)}, now {now.get(k)}" for k in changed[:5])
        raise TrainingError(f"cannot resume from {path}: the model's shape changed ({detail})")
    if state["n_samples"] != n:
        raise TrainingError(
            f"cannot resume from {path}: it was trained on {state['n_samples']} examples, "
            f"the data now has {n}"
        )


def train_step(
    model: torch.nn.Module,
    loss_fn: LossFn,
    batch: Mapping[str, Any],
    optimizer: torch.optim.Optimizer,
) -> torch.Tensor:
    """One optimisation step on a batch, as every epoch of `fit` takes it; returns the loss."""
    loss = loss_fn(model, batch)
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise TrainingError(f"loss_fn must return a scalar tensor, got {loss!r:.80}")
    if not loss.requires_grad:
        raise TrainingError("the loss does not depend on any trainable parameter")
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss


def plain_step(
    net: torch.nn.Module, optimizer: torch.optim.Optimizer, images: torch.Tensor,
    labels: torch.Tensor,
) -> torch.Tensor:
    """One supervised step (NLL of the net's softmax output), as `plain_epoch` takes it."""
    probs = net(images)
    loss = F.nll_loss(torch.log(probs.clamp_min(1e-12)), labels)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss


def _train_epoch(
    model: torch.nn.Module,
    loss_fn: LossFn,
    data: Mapping[str, Any],
    n: int,
    optimizer: torch.optim.Optimizer,
    config: TrainConfig,
    epoch: int,
) -> float:
    """One pass over the data in order; returns the example-weighted mean loss."""
    batch_size = config.batch_size
    n_batches = -(-n // batch_size)
    total = 0.0
    order = torch.randperm(n) if config.shuffle else None
    with progress_bar(n_batches, f"epoch {epoch}/{config.epochs}", config.progress) as bar:
        for start in range(0, n, batch_size):
            if order is None:
                batch = {key: value[start : start + batch_size] for key, value in data.items()}
            else:
                batch = {key: _take(value, order[start : start + batch_size])
                         for key, value in data.items()}
            loss = train_step(model, loss_fn, batch, optimizer)
            size = min(batch_size, n - start)
            total += loss.item() * size  # a CPU scalar read is cheaper than tensor arithmetic
            if not bar.disable:
                bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
                bar.update()
    mean = total / n if n else float("nan")
    if not math.isfinite(mean):
        raise TrainingError(f"the training loss became {mean} in epoch {epoch}")
    return mean


def _take(value: Any, index: torch.Tensor) -> Any:
    """The rows `index` of a tensor, or the items of a sequence."""
    if isinstance(value, torch.Tensor):
        return value[index]
    return [value[i] for i in index.tolist()]


def _best_value(history: list[dict[str, Any]], name: str | None) -> float:
    values = [row[name] for row in history if name is not None and name in row]
    return max(values) if values else -math.inf


def fit(
    model: torch.nn.Module,
    loss_fn: LossFn,
    data: Mapping[str, Any],
    config: TrainConfig | None = None,
    evaluate: Evaluate | None = None,
    **options: Any,
) -> FitResult:
    """Train model on loss_fn(model, batch) over data in order; checkpoint and log every epoch.

    Options come from `config`, with keyword `options` (TrainConfig fields) overriding them.
    """
    if config is None:
        config = TrainConfig(**options)
    elif options:
        config = dataclasses.replace(config, **options)
    n = _data_size(data)
    output_dir = Path(config.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    checkpoint_path = output_dir / CHECKPOINT_NAME

    torch.manual_seed(config.seed)
    optimizer = make_optimizer(config.optimizer, model.parameters(), config.lr)
    history: list[dict[str, Any]] = []
    start_epoch = 1
    if config.resume and checkpoint_path.exists():
        state = load_checkpoint(checkpoint_path)
        _check_resumable(state, config, model, n, checkpoint_path)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        set_rng_state(state["rng"])
        history = [dict(row) for row in state["history"]]
        start_epoch = int(state["epoch"]) + 1
        # a run killed after its checkpoint but before its metrics: the checkpoint is the truth
        write_metrics(output_dir, history)

    plotted = None  # when the learning curve was last drawn
    for epoch in range(start_epoch, config.epochs + 1):
        model.train()
        started = perf_counter()
        train_loss = _train_epoch(model, loss_fn, data, n, optimizer, config, epoch)
        elapsed = perf_counter() - started
        metrics: dict[str, Any] = {
            "epoch": epoch,
            "train_loss": train_loss,
            "epoch_time_s": elapsed,
            "samples_per_s": n / elapsed if elapsed > 0 else float("inf"),
        }
        if evaluate is not None:
            model.eval()
            with torch.no_grad():
                metrics.update(_metric_values(evaluate(model)))
            model.train()
        if config.best_metric is not None:
            if config.best_metric not in metrics:
                raise TrainingError(f"best_metric {config.best_metric!r} is not among the "
                                    f"epoch's metrics ({', '.join(metrics)})")
            # before the checkpoint: a run killed in between retrains this epoch identically
            if metrics[config.best_metric] > _best_value(history, config.best_metric):
                save_checkpoint(output_dir / BEST_NAME, {
                    "format": FORMAT_VERSION, "epoch": epoch, "metric": config.best_metric,
                    "value": metrics[config.best_metric], "model": model.state_dict()})
        history.append(metrics)
        # the checkpoint first: metrics never list an epoch the checkpoint lacks, so a
        # killed run never trains an epoch twice
        save_checkpoint(
            checkpoint_path,
            {
                "format": FORMAT_VERSION,
                "epoch": epoch,
                "config": config.to_dict(),
                "n_samples": n,
                "model": model.state_dict(),
                "model_signature": model_signature(model),
                "optimizer": optimizer.state_dict(),
                "history": history,
                "rng": get_rng_state(),
            },
        )
        write_metrics(output_dir, history)
        # drawing costs seconds on a loaded machine: at most every PLOT_EVERY_S, and always after
        # the last epoch (metrics.csv, written every epoch, is what a killed run keeps)
        if epoch == config.epochs or plotted is None or perf_counter() - plotted >= PLOT_EVERY_S:
            plot_learning_curve(output_dir / LEARNING_CURVE, history)
            plotted = perf_counter()
        notify(config.monitors, metrics)
    return FitResult(history=tuple(history), start_epoch=start_epoch, output_dir=output_dir)


def plain_epoch(
    net: torch.nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    batch_size: int,
    lr: float,
    optimizer: str = "adam",
) -> dict[str, float]:
    """One supervised epoch (NLL of the net's softmax output) over images in the given order.

    The 'plain' reference for benchmarks: returns epoch_time_s, samples_per_s and train_loss.
    """
    if len(images) != len(labels) or len(images) == 0:
        raise TrainingError(f"need as many labels as images, got {len(images)} and {len(labels)}")
    if batch_size < 1:
        raise TrainingError(f"batch_size must be >= 1, got {batch_size}")
    opt = make_optimizer(optimizer, net.parameters(), lr)
    net.train()
    n = len(images)
    total = 0.0
    started = perf_counter()
    for start in range(0, n, batch_size):
        x, y = images[start : start + batch_size], labels[start : start + batch_size]
        loss = plain_step(net, opt, x, y)
        total += loss.item() * len(x)  # as the training loop accumulates
    elapsed = perf_counter() - started
    return {
        "epoch_time_s": elapsed,
        "samples_per_s": n / elapsed if elapsed > 0 else float("inf"),
        "train_loss": total / n,
    }
