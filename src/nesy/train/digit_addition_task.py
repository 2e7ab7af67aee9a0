"""The digit-addition task: DeepProbLog's multi-digit program, trained end to end.

Shared by `nesy train`, `nesy bench digit-addition` and `make run`: builds the Module from the
program a user would write, the loss (-log P(sum)), the evaluation (sum and digit accuracy),
and the comparison protocol against the plain network trained on the digit labels.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from importlib import resources

import torch

from nesy.datasets import digit_addition
from nesy.datasets.digit_addition import digits_to_int
from nesy.neural.networks import MLP, MnistNet
from nesy.train.loop import TrainConfig, fit, plain_epoch

PROGRAM = "multi_addition.pl"
QUERY = "multi_addition(X, Y, Z)"


def program_text() -> str:
    return resources.files("nesy.examples").joinpath(PROGRAM).read_text(encoding="utf-8")


@dataclass(frozen=True)
class AdditionOptions:
    """The comparison protocol's defaults (load_digits, 3000/1000 examples, Adam 1e-3, bs 8)."""

    n_digits: int = 1
    dataset: str = "digits"
    data_dir: str | None = None
    n_train: int = 3000
    n_test: int = 1000
    epochs: int = 1
    batch_size: int = 8
    lr: float = 1e-3
    seed: int = 0
    semantics: str = "exact"
    k: int = 3
    threads: int = 1


def make_network(dataset: str) -> torch.nn.Module:
    return MnistNet() if dataset == "mnist" else MLP(64, 128, 10)


def build(options: AdditionOptions):
    """(module, network, data) for the options; the network is seeded by `seed`."""
    import nesy

    data = digit_addition(options.n_digits, dataset=options.dataset, data_dir=options.data_dir,
                          n_train=options.n_train, n_test=options.n_test)
    torch.manual_seed(options.seed)
    net = make_network(options.dataset)
    module = nesy.Module(program_text(), {"mnist_net": net}, QUERY, options.semantics,
                         k=options.k)
    return module, net, data


def training_data(split) -> dict:
    """Only what the loss reads, so the loop slices three tensors per batch."""
    tensors = split.tensors()
    keys = ("a_images", "b_images", "sums" if "sums" in tensors else "sum_digits")
    return {key: tensors[key] for key in keys}


def module_inputs(batch) -> dict:
    """The Module's inputs for a batch: each number's digit images, one tensor per position."""
    return {"X": list(batch["a_images"].unbind(1)), "Y": list(batch["b_images"].unbind(1))}


def _targets(batch):
    if "sums" in batch:
        return batch["sums"]
    return digits_to_int(batch["sum_digits"])


def loss_fn(module, batch) -> torch.Tensor:
    return -module.log_probability(module_inputs(batch), {"Z": _targets(batch)}).mean()


def evaluate(module, net, split, batch_size: int = 500) -> dict:
    """Sum accuracy (the most probable sum) and the network's digit accuracy."""
    correct = 0
    digit_correct = 0
    tensors = split.tensors()
    n = len(split)
    with torch.no_grad():
        for start in range(0, n, batch_size):
            batch = {k: v[start:start + batch_size] for k, v in tensors.items()}
            predictions = module.predict(module_inputs(batch))
            truth = split.sums_int[start:start + batch_size]
            correct += sum(int(p == t) for p, t in zip(predictions, truth, strict=False))
            for images, digits in ((batch["a_images"], batch["a_digits"]),
                                   (batch["b_images"], batch["b_digits"])):
                read = net(images.reshape(-1, images.shape[-1])).argmax(-1)
                digit_correct += int((read == digits.reshape(-1)).sum())
    return {"accuracy": correct / n, "digit_accuracy": digit_correct / (2 * n * split.n_digits)}


def task_record(options: AdditionOptions) -> dict:
    """What a resumed run must share with the checkpoint: the task, its data and semantics
    (epochs may grow; threads do not change the numbers)."""
    record = {k: v for k, v in asdict(options).items()
              if k not in ("epochs", "threads", "batch_size", "lr", "seed")}
    record["task"] = "digit-addition"
    return record


def train(options: AdditionOptions, output_dir: str, resume: bool = False, progress: bool = True,
          monitors=()):
    """Train with checkpoints in `output_dir`; returns (module, net, data, history)."""
    torch.set_num_threads(options.threads)
    module, net, data = build(options)
    config = TrainConfig(output_dir=output_dir, epochs=options.epochs,
                         batch_size=options.batch_size, lr=options.lr, seed=options.seed,
                         resume=resume, progress=progress, monitors=tuple(monitors),
                         task=task_record(options))
    result = fit(module, loss_fn, training_data(data.train), config,
                 evaluate=lambda m: evaluate(m, net, data.test))
    return module, net, data, list(result.history)


def plain_reference(options: AdditionOptions, data) -> dict:
    """One epoch of the same network on the digit labels of the same images, in the same order."""
    torch.manual_seed(options.seed)
    net = make_network(options.dataset)
    split = data.train
    images = torch.stack([split.a_images, split.b_images], dim=1)  # [M, 2, N, D]
    labels = torch.stack([split.a_digits, split.b_digits], dim=1)  # [M, 2, N]
    per_example = 2 * split.n_digits
    return plain_epoch(net, images.reshape(-1, images.shape[-1]), labels.reshape(-1),
                       options.batch_size * per_example, options.lr)


def bench(options: AdditionOptions, progress: bool = False) -> dict:
    """The comparison protocol: nesy's epochs and the plain network's epoch, in one run."""
    import tempfile

    torch.set_num_threads(options.threads)
    start = time.perf_counter()
    module, net, data = build(options)
    plain = plain_reference(options, data)
    with tempfile.TemporaryDirectory() as tmp:
        config = TrainConfig(output_dir=tmp, epochs=options.epochs,
                             batch_size=options.batch_size, lr=options.lr, seed=options.seed,
                             progress=progress)
        result = fit(module, loss_fn, training_data(data.train), config)
        history = list(result.history)
    metrics = evaluate(module, net, data.test)
    epoch_times = [row["epoch_time_s"] for row in history]
    first = epoch_times[0]
    report = {
        **asdict(options),
        "accuracy": metrics["accuracy"],
        "digit_accuracy": metrics["digit_accuracy"],
        "ideal_accuracy": metrics["digit_accuracy"] ** (2 * options.n_digits),
        "epoch_time_s": first,
        "epoch_times_s": epoch_times,
        "later_epoch_time_s": (sum(epoch_times[1:]) / len(epoch_times[1:])
                               if len(epoch_times) > 1 else None),
        "samples_per_s": options.n_train / first,
        "plain_epoch_time_s": plain["epoch_time_s"],
        "overhead": first / plain["epoch_time_s"],
        "grounding_compile_s": module.stats.compile_time_s,
        "cache": str(module.stats),
        "total_time_s": time.perf_counter() - start,
    }
    return report


def run_cli(args) -> int:
    """`nesy train --task digit-addition`."""
    import sys

    from nesy.cli.train import options_from

    options = options_from(args)
    module, net, data, history = train(options, args.output, resume=args.resume,
                                       progress=not args.no_progress and sys.stderr.isatty())
    last = history[-1] if history else {}
    for row in history:
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                          for k, v in row.items()}))
    if last:
        print(f"test accuracy (sum) after {last['epoch']} epoch(s): {last['accuracy']:.4f}; "
              f"digit accuracy {last['digit_accuracy']:.4f}")
    print(f"checkpoint, metrics and learning curve in {args.output}/")
    if args.verbose:
        print(module.stats)
    if args.explain:
        test = data.test.tensors()
        example = {k: v[:1] for k, v in test.items()}
        a = "".join(str(int(d)) for d in example["a_digits"][0])
        b = "".join(str(int(d)) for d in example["b_digits"][0])
        truth = data.test.sums_int[0]
        predicted = module.predict(module_inputs(example))[0]
        verdict = "correct" if predicted == truth else "wrong"
        print(f"\nexplaining test example 0: images of {a} + {b} = {truth}; predicted {predicted} "
              f"({verdict})")
        print(module.explain(module_inputs(example)))
    return 0
