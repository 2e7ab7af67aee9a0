"""Training infrastructure: the fit loop, atomic checkpoints with exact resume, and monitors.

May import: the kernel, `neural` and `datasets` (and the stages below them); never `cli`.
"""

from nesy.train.checkpoint import load_checkpoint, save_checkpoint
from nesy.train.loop import FitResult, TrainConfig, fit, make_optimizer, plain_epoch
from nesy.train.monitor import Monitor, PrintMonitor, plot_learning_curve, write_metrics

__all__ = [
    "FitResult",
    "Monitor",
    "PrintMonitor",
    "TrainConfig",
    "fit",
    "load_checkpoint",
    "make_optimizer",
    "plain_epoch",
    "plot_learning_curve",
    "save_checkpoint",
    "write_metrics",
]
