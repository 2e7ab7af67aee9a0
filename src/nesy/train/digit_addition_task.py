"""The digit-addition task: DeepProbLog's multi-digit program, trained end to end; or, with
`program="carry"` (`--program carry`), digit-by-digit addition with a carry over the observed
sum's digits (multi_addition_carry.pl), whose ground program is linear in N and the same for
every sum, for the semantics that evaluate the ground program as it is (fuzzy, sample).

Shared by `nesy train`, `nesy bench digit-addition` and `make run`: builds the Module from the
program a user would write, the loss (-log P(sum)), the evaluation (sum and digit accuracy),
and the comparison protocol against the plain network trained on the digit labels.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass, replace
from importlib import resources
from pathlib import Path

import torch

from nesy.datasets import digit_addition
from nesy.datasets.digit_addition import digits_to_int
from nesy.errors import TrainingError
from nesy.limits import Limits
from nesy.neural.networks import MLP, MnistNet
from nesy.train.loop import TrainConfig, fit, make_optimizer, plain_epoch, plain_step, train_step
from nesy.train.timing import TimingOptions, paired_timing

PROGRAM = "multi_addition.pl"
#: the programs a run may choose (--program): the sum an integer target of the query
#: (DeepProbLog's accumulator program), or observed digit by digit (multi_addition_carry.pl)
PROGRAMS = {"accumulator": PROGRAM, "carry": "multi_addition_carry.pl"}
#: a program with an observed sum reads each digit's given distribution (a one-hot row) through
#: this "network": the sum's digits are inputs, so one grounding per N serves every sum
OBSERVED = "observed"
#: the curriculum's evaluation reads the MPE sum off the digit readings above this N
MPE_FROM_READINGS_ABOVE = 15
QUERY = "multi_addition(X, Y, Z)"


def program_text(program: str = "accumulator") -> str:
    return resources.files("nesy.examples").joinpath(PROGRAMS[program]).read_text(
        encoding="utf-8")


def observes_sum(program: str) -> bool:
    """Whether the program reads the sum's digits as inputs rather than answering the sum."""
    return program != "accumulator"


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
    program: str = "accumulator"  # a key of PROGRAMS
    threads: int = 1
    #: wall-clock limit on grounding and compiling one query shape (N=1000 takes about a minute
    #: on an idle machine)
    ground_timeout_s: float = 600.0


def make_network(dataset: str) -> torch.nn.Module:
    return MnistNet() if dataset == "mnist" else MLP(64, 128, 10)


def make_data(options: AdditionOptions):
    return digit_addition(options.n_digits, dataset=options.dataset, data_dir=options.data_dir,
                          n_train=options.n_train, n_test=options.n_test)


def make_module(options: AdditionOptions, net: torch.nn.Module):
    """The Module of the program a user would write, around `net` (shared, not copied)."""
    import nesy

    limits = Limits(timeout_s=options.ground_timeout_s)
    if observes_sum(options.program):
        # digits are added with a carry per position: no sum of random integers to keep
        # symbolic, so the symbolic-integer path is off (bench reports it)
        return nesy.Module(program_text(options.program),
                           {"mnist_net": net, OBSERVED: torch.nn.Identity()}, QUERY,
                           options.semantics, k=options.k, limits=limits,
                           symbolic_integers=False)
    return nesy.Module(program_text(), {"mnist_net": net}, QUERY, options.semantics,
                       k=options.k, limits=limits)


def build(options: AdditionOptions):
    """(module, network, data) for the options; the network is seeded by `seed`."""
    data = make_data(options)
    torch.manual_seed(options.seed)
    net = make_network(options.dataset)
    return make_module(options, net), net, data


def training_data(split, program: str = "accumulator") -> dict:
    """Only what the loss reads, so the loop slices three tensors per batch."""
    tensors = split.tensors()
    observed = observes_sum(program) or "sums" not in tensors
    keys = ("a_images", "b_images", "sum_digits" if observed else "sums")
    return {key: tensors[key] for key in keys}


def module_inputs(batch, observed_sum: bool = False) -> dict:
    """The Module's inputs for a batch: each number's digit images, one tensor per position;
    with `observed_sum`, also the sum's N+1 digits as one-hot rows [B, 10], one per position."""
    inputs = {"X": list(batch["a_images"].unbind(1)), "Y": list(batch["b_images"].unbind(1))}
    if observed_sum:
        one_hot = torch.nn.functional.one_hot(batch["sum_digits"].long(), 10)
        inputs["Z"] = list(one_hot.to(batch["a_images"].dtype).unbind(1))
    return inputs


def _targets(batch):
    if "sums" in batch:
        return batch["sums"]
    return digits_to_int(batch["sum_digits"])


def loss_fn(module, batch) -> torch.Tensor:
    """-log P(sum), floored per example at the dtype's smallest normal number: a semantics that
    values a sum at exactly 0 (Łukasiewicz's bounded t-norm saturates) gives that example a
    finite loss and no gradient, instead of ending the run with an infinite loss."""
    floor = torch.finfo(torch.get_default_dtype()).tiny
    return -module.log_probability(module_inputs(batch), {"Z": _targets(batch)}, floor).mean()


def observed_sum_loss_fn(module, batch) -> torch.Tensor:
    """-log P(the digits add up to the observed sum): the program with an observed sum has no
    output, so the query's probability is the sum's. Floored as `loss_fn`, but at the smallest
    normal number of the value's own dtype: the Module computes many digits in float64, whose
    fuzzy values (about 10^-N) would sit below float32's floor (1e-38) and get no gradient."""
    value = module.probability(module_inputs(batch, observed_sum=True), {})
    return -value.clamp_min(torch.finfo(value.dtype).tiny).log().mean()


def loss_for(program: str):
    return observed_sum_loss_fn if observes_sum(program) else loss_fn


def evaluate(module, net, split, batch_size: int = 500, mpe_from_readings: bool = False
             ) -> dict:
    """Sum accuracy (the most probable sum) and the network's digit accuracy.

    `mpe_from_readings`: the predicted sum is a + b of the digits the network reads most
    probably, i.e. the MPE answer, which is what `Module.predict` returns for sums too many to
    enumerate (N >= 6), computed here without grounding the unconditioned query once more
    (at N = 1000 that grounding costs as much as the training's own).
    """
    correct = 0
    digit_correct = 0
    tensors = split.tensors()
    n = len(split)
    with torch.no_grad():
        for start in range(0, n, batch_size):
            batch = {k: v[start:start + batch_size] for k, v in tensors.items()}
            truth = split.sums_int[start:start + batch_size]
            reads = []
            for images, digits in ((batch["a_images"], batch["a_digits"]),
                                   (batch["b_images"], batch["b_digits"])):
                read = net(images.reshape(-1, images.shape[-1])).argmax(-1)
                digit_correct += int((read == digits.reshape(-1)).sum())
                reads.append(digits_to_int(read.reshape(digits.shape)))
            if mpe_from_readings:
                predictions = [a + b for a, b in zip(*reads, strict=True)]
            else:
                predictions = module.predict(module_inputs(batch))
            correct += sum(int(p == t) for p, t in zip(predictions, truth, strict=False))
    return {"accuracy": correct / n, "digit_accuracy": digit_correct / (2 * n * split.n_digits)}


def task_record(options: AdditionOptions) -> dict:
    """What a resumed run must share with the checkpoint: the task, its data and semantics
    (epochs may grow; threads do not change the numbers)."""
    record = {k: v for k, v in asdict(options).items()
              if k not in ("epochs", "threads", "batch_size", "lr", "seed", "ground_timeout_s")}
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
    observed = observes_sum(options.program)
    result = fit(module, loss_for(options.program), training_data(data.train, options.program),
                 config, evaluate=lambda m: evaluate(m, net, data.test,
                                                     mpe_from_readings=observed))
    return module, net, data, list(result.history)


@dataclass(frozen=True)
class CurriculumPlan:
    """A curriculum over N: stage i trains `epochs[i]` epochs on `n_train[i]` examples of
    `n_digits[i]`-digit numbers (tested on `n_test[i]`), carrying the network from stage to
    stage. Every other option (lr, batch size, semantics, data set, seed) is the same in all."""

    n_digits: tuple[int, ...]
    epochs: tuple[int, ...]
    n_train: tuple[int, ...]
    n_test: tuple[int, ...]

    @classmethod
    def parse(cls, n_digits: str, epochs: str | int, n_train: str | int,
              n_test: str | int) -> CurriculumPlan:
        """From comma-separated lists (`"1,4,100"`); a list of one value applies to every stage."""
        ns = _int_list("--curriculum", n_digits)
        columns = [_int_list(flag, value) for flag, value in (
            ("--stage-epochs", epochs), ("--stage-n-train", n_train), ("--stage-n-test", n_test))]
        for flag, column in zip(("--stage-epochs", "--stage-n-train", "--stage-n-test"), columns,
                                strict=True):
            if len(column) not in (1, len(ns)):
                raise TrainingError(f"{flag} has {len(column)} values for {len(ns)} stages",
                                    hint="give one value for every stage, or one for all")
        epochs_, n_train_, n_test_ = (tuple(c * len(ns)) if len(c) == 1 else tuple(c)
                                      for c in columns)
        if (any(n < 1 for n in ns) or any(e < 0 for e in epochs_)
                or any(m < 1 for m in n_train_ + n_test_)):
            raise TrainingError("curriculum stages need N >= 1, epochs >= 0, n_train >= 1 and "
                                "n_test >= 1")
        return cls(tuple(ns), epochs_, n_train_, n_test_)

    def stage_options(self, options: AdditionOptions) -> list[AdditionOptions]:
        return [replace(options, n_digits=n, epochs=e, n_train=m, n_test=t)
                for n, e, m, t in zip(self.n_digits, self.epochs, self.n_train, self.n_test,
                                      strict=True)]


def _int_list(flag: str, value: str | int) -> list[int]:
    if isinstance(value, int):
        return [value]
    try:
        values = [int(part) for part in str(value).split(",") if part.strip()]
    except ValueError:
        values = []
    if not values:
        raise TrainingError(f"{flag} expects comma-separated integers, got {value!r}",
                            hint=f"e.g. {flag} 1,4,15,100")
    return values


def evaluate_with_ideal(module, net, split, observed_sum: bool = False) -> dict:
    """`evaluate` plus the ideal sum accuracy digit_accuracy^(2N) of independent digit errors;
    batches sized so that a large N evaluates in bounded memory; above N = 15 the predicted sum
    is the MPE answer computed from the readings (`mpe_from_readings`), as it is at every N
    for a program with an observed sum (`observed_sum`: the query has no sum to predict)."""
    metrics = evaluate(module, net, split, batch_size=max(1, min(500, 20000 // split.n_digits)),
                       mpe_from_readings=observed_sum
                       or split.n_digits > MPE_FROM_READINGS_ABOVE)
    metrics["ideal_accuracy"] = metrics["digit_accuracy"] ** (2 * split.n_digits)
    return metrics


def train_curriculum(options: AdditionOptions, plan: CurriculumPlan, output_dir: str,
                     resume: bool = False, progress: bool = True, monitors=()):
    """Train the stages of `plan` in order on one network (seeded by `seed`), with a folder,
    checkpoint and metrics per stage; returns (network, rows of every epoch, the last module
    built or None when a resume found every stage finished)."""
    from nesy.train.curriculum import Stage, StageRun, fit_curriculum

    torch.set_num_threads(options.threads)
    torch.manual_seed(options.seed)
    net = make_network(options.dataset)
    staged = plan.stage_options(options)
    built = {}

    def make_stage(index: int, stage: Stage) -> StageRun:
        stage_options = staged[index]
        data = make_data(stage_options)
        module = make_module(stage_options, net)
        built["module"] = module

        def stage_metrics(m) -> dict:  # with the stage's grounding and compilation so far
            return {**evaluate_with_ideal(m, net, data.test, observes_sum(options.program)),
                    "grounding_compile_s": module.stats.compile_time_s}

        return StageRun(module, loss_for(options.program),
                        training_data(data.train, options.program), evaluate=stage_metrics)

    stages = [Stage(f"n{o.n_digits}", o.epochs, task_record(o)) for o in staged]
    config = TrainConfig(output_dir=output_dir, batch_size=options.batch_size, lr=options.lr,
                         seed=options.seed, resume=resume, progress=progress,
                         monitors=tuple(monitors))
    rows = fit_curriculum(stages, make_stage, net, config)
    return net, rows, built.get("module")


def plain_data(split, batch_size: int) -> tuple[torch.Tensor, torch.Tensor, int]:
    """The plain network's data for a split: every digit image with its label, in example order
    (a's digits then b's), and the batch size in images that matches `batch_size` examples."""
    images = torch.stack([split.a_images, split.b_images], dim=1)  # [M, 2, N, D]
    labels = torch.stack([split.a_digits, split.b_digits], dim=1)  # [M, 2, N]
    per_example = 2 * split.n_digits
    return (images.reshape(-1, images.shape[-1]), labels.reshape(-1),
            batch_size * per_example)


def plain_reference(options: AdditionOptions, data) -> dict:
    """One epoch of the same network on the digit labels of the same images, in the same order."""
    torch.manual_seed(options.seed)
    net = make_network(options.dataset)
    images, labels, batch_size = plain_data(data.train, options.batch_size)
    return plain_epoch(net, images, labels, batch_size, options.lr)


def paired_epoch_timing(options: AdditionOptions, module, data,
                        timing: TimingOptions | None = None) -> dict:
    """Steady-state epoch times of nesy (training `module`) and of the plain network on the
    same examples, batches and thread count, measured side by side (`paired_timing`)."""
    timing = timing or TimingOptions()
    torch.manual_seed(options.seed)
    plain_net = make_network(options.dataset)
    plain_opt = make_optimizer("adam", plain_net.parameters(), options.lr)
    images, labels, plain_batch = plain_data(data.train, options.batch_size)
    nesy_opt = make_optimizer("adam", module.parameters(), options.lr)
    train = training_data(data.train, options.program)
    loss = loss_for(options.program)
    n, size = len(data.train), options.batch_size
    n_batches = -(-n // size)

    def nesy(i: int) -> None:
        start = (i % n_batches) * size
        batch = {key: value[start:start + size] for key, value in train.items()}
        train_step(module, loss, batch, nesy_opt).item()

    def plain(i: int) -> None:
        start = (i % n_batches) * plain_batch
        plain_step(plain_net, plain_opt, images[start:start + plain_batch],
                   labels[start:start + plain_batch]).item()

    module.train()
    plain_net.train()
    measured = paired_timing(nesy, plain, timing)
    examples = sum(min(size, n - (i % n_batches) * size) for i in range(measured.batches))
    per_epoch = n / examples  # seconds for K batches -> seconds for one epoch of n examples
    ratio = measured.summary()
    return {
        "epoch_time_s": statistics.median(measured.first_s) * per_epoch,
        "plain_epoch_time_s": statistics.median(measured.second_s) * per_epoch,
        "overhead": ratio["median"],
        "overhead_min": ratio["min"],
        "overhead_q1": ratio["q1"],
        "overhead_q3": ratio["q3"],
        "overhead_max": ratio["max"],
        "overhead_rounds": [round(r, 4) for r in measured.ratios],
        "timing_batches": measured.batches,
        "timing_rounds": timing.rounds,
        "timing_clock": timing.clock,
    }


def bench(options: AdditionOptions, progress: bool = False,
          timing: TimingOptions | None = None) -> dict:
    """The comparison protocol: train `epochs` epochs (the first one cold, grounding and
    compilation included) and test, then time nesy's and the plain network's steady epochs side
    by side; `overhead` is the median of the per-round ratios nesy ÷ plain."""
    import tempfile

    torch.set_num_threads(options.threads)
    start = time.perf_counter()
    module, net, data = build(options)
    with tempfile.TemporaryDirectory() as tmp:
        config = TrainConfig(output_dir=tmp, epochs=options.epochs,
                             batch_size=options.batch_size, lr=options.lr, seed=options.seed,
                             progress=progress)
        result = fit(module, loss_for(options.program),
                     training_data(data.train, options.program), config)
        history = list(result.history)
    metrics = evaluate(module, net, data.test,
                       mpe_from_readings=observes_sum(options.program))
    epoch_times = [row["epoch_time_s"] for row in history]
    first = epoch_times[0] if epoch_times else None
    steady = paired_epoch_timing(options, module, data, timing)  # trains on: after the test
    report = {
        **asdict(options),
        "accuracy": metrics["accuracy"],
        "digit_accuracy": metrics["digit_accuracy"],
        "ideal_accuracy": metrics["digit_accuracy"] ** (2 * options.n_digits),
        **steady,
        "samples_per_s": options.n_train / steady["epoch_time_s"],
        "first_epoch_time_s": first,
        "first_epoch_overhead": first / steady["plain_epoch_time_s"] if first else None,
        "epoch_times_s": epoch_times,
        "later_epoch_time_s": (sum(epoch_times[1:]) / len(epoch_times[1:])
                               if len(epoch_times) > 1 else None),
        "grounding_compile_s": module.stats.compile_time_s,
        "cache": str(module.stats),
        "symbolic_integers": module.symbolic_integers,
        "total_time_s": time.perf_counter() - start,
    }
    return report


def options_from(args) -> AdditionOptions:
    """The options of `nesy train|bench digit-addition` from the parsed command line."""
    return AdditionOptions(n_digits=args.n, dataset=args.dataset, data_dir=args.data_dir,
                           n_train=args.n_train, n_test=args.n_test, epochs=args.epochs,
                           batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                           semantics=args.semantics, k=args.k, threads=args.threads,
                           ground_timeout_s=args.ground_timeout,
                           program=getattr(args, "program", "accumulator"))


def run_cli(args) -> int:
    """`nesy train --task digit-addition`."""
    import sys

    options = options_from(args)
    if args.explain and observes_sum(options.program):
        raise TrainingError(f"--explain is not available with --program {options.program}",
                            hint="its query reads the sum, so it has no sum to predict and "
                                 "explain; train with --program accumulator to explain")
    if getattr(args, "curriculum", None):
        return _run_curriculum_cli(args, options)
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


def _run_curriculum_cli(args, options: AdditionOptions) -> int:
    """`nesy train --task digit-addition --curriculum 1,4,...`: one line per stage."""
    import sys

    if args.explain:
        raise TrainingError("--explain is not available with --curriculum",
                            hint="train the last stage's N without --curriculum to explain")
    plan = CurriculumPlan.parse(args.curriculum, args.stage_epochs or args.epochs,
                                args.stage_n_train or args.n_train,
                                args.stage_n_test or args.n_test)
    _, rows, module = train_curriculum(options, plan, args.output, resume=args.resume,
                                       progress=not args.no_progress and sys.stderr.isatty())
    summaries = json.loads((Path(args.output) / "curriculum.json").read_text(encoding="utf-8"))
    for summary in summaries:
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                          for k, v in summary.items()}))
    for summary in summaries:
        if "digit_accuracy" in summary:
            print(f"stage {summary['stage']} (N={summary['n_digits']}, {summary['n_train']} "
                  f"examples, {summary['epochs']} epoch(s), {summary['wall_time_s']:.1f} s): "
                  f"digit accuracy {summary['digit_accuracy']:.4f}, sum accuracy "
                  f"{summary['accuracy']:.4f}, ideal {summary['ideal_accuracy']:.4g}")
    print(f"per-stage checkpoints in {args.output}/stage-*/; metrics, curriculum.json and "
          f"learning curve in {args.output}/")
    if args.verbose and module is not None:
        print(module.stats)
    return 0
