"""`nesy train`: train a task end to end, with checkpoints, metrics, a learning curve, --resume."""

from __future__ import annotations

import importlib

# Each task is one module under nesy.train with `run_cli(args) -> int`; its options are added in
# add_task_options with the task named in their help. Imported only when the task runs.
TASKS = {
    "digit-addition": "nesy.train.digit_addition_task",
    "countries": "nesy.train.kg_task",
    "clutrr": "nesy.train.kg_task",
    "nations": "nesy.train.link_prediction_task",
    "umls": "nesy.train.link_prediction_task",
    "kinship": "nesy.train.link_prediction_task",
    "sudoku-classify": "nesy.train.sudoku_task",
    "sudoku-solve": "nesy.train.sudoku_task",
}


def add_task_options(parser) -> None:
    from nesy.semiring import REGISTRY

    parser.add_argument("--n", type=int, default=1, help="digits per number (default 1)")
    parser.add_argument("--semantics", default="exact", choices=list(REGISTRY))
    parser.add_argument("--k", type=int, default=3,
                        help="proofs kept by topk; worlds sampled per example by sample")
    parser.add_argument("--program", default="accumulator", choices=["accumulator", "carry"],
                        help="digit-addition: DeepProbLog's program, the sum an integer target "
                             "(accumulator, default), or digit by digit with a carry over the "
                             "observed sum's digits (carry: one grounding per N for every sum)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dataset", default="digits", choices=["digits", "mnist"])
    parser.add_argument("--data-dir", default=None, help="directory of MNIST IDX files")
    parser.add_argument("--n-train", type=int, default=3000)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--ground-timeout", type=float, default=600.0, metavar="SECONDS",
                        help="digit-addition: wall-clock limit on grounding one query shape "
                             "(default 600; N=1000 takes about a minute on an idle machine)")
    parser.add_argument("--sudoku-dir", default=None,
                        help="sudoku-*: folder of 4x4_sudoku_unique_solution.csv and sudoku17.txt "
                             "(--data-dir: the MNIST folder)")
    parser.add_argument("--board-size", type=int, default=4, choices=[4, 9],
                        help="sudoku-classify: 4 or 9 (default 4)")
    parser.add_argument("--network", default="wide", choices=["lenet", "wide", "bn"],
                        help="sudoku-*: the digit reader: MnistNet, WideNet (default) or "
                             "BatchNormNet")
    parser.add_argument("--shift", type=int, default=2, metavar="PIXELS",
                        help="sudoku-*: random shifts of the training images (default 2)")
    parser.add_argument("--rotate", type=float, default=0.0, metavar="DEGREES",
                        help="sudoku-*: random rotations of the training images (default 0)")
    parser.add_argument("--split-t10k", action="store_true",
                        help="sudoku-solve: half the t10k images join the training pool (the "
                             "other half alone is the test pool)")
    parser.add_argument("--unique", action="store_true",
                        help="sudoku-solve: MAP accepts only readings of the givens whose "
                             "puzzle has exactly one solution")
    parser.add_argument("--tta", action="store_true",
                        help="sudoku-solve: read each given by test-time augmentation (mean "
                             "over 1-pixel shifts)")
    parser.add_argument("--link-model", default="rules", choices=["complex", "rules"],
                        help="nations/umls/kinship: ComplEx alone (a) or with learned rules (b)")
    parser.add_argument("--check-engine", type=int, default=20, metavar="N",
                        help="nations/umls/kinship: ask the nesy engine N sampled test queries "
                             "on the learned program and compare with the tensors (0: skip)")
    parser.add_argument("--split", default=None,
                        help="countries: S1, S2 or S3; clutrr: the release zip's name "
                             "(data_089907f8 or data_db9b8f04)")


def options_from(args):
    from nesy.train.digit_addition_task import options_from as addition_options

    return addition_options(args)


def unbounded_run_limits() -> dict:
    """Parser defaults giving the CLI's whole-command watchdog the default `Limits` but no time
    bound: training (or a benchmark) runs as long as its epochs take, while each query shape's
    grounding keeps its own limit (digit-addition: --ground-timeout)."""
    import dataclasses

    from nesy.limits import Limits

    defaults = {field.name: field.default for field in dataclasses.fields(Limits)
                if field.default is not None and not isinstance(field.default, bool)}
    return {**defaults, "timeout_s": 1e9}


def add_parser(sub) -> None:
    parser = sub.add_parser("train", help="train a neurosymbolic task end to end")
    parser.add_argument("--task", default="digit-addition", choices=list(TASKS))
    add_task_options(parser)
    parser.add_argument("--output", default="runs/digit-addition", help="output directory")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    parser.add_argument("--explain", action="store_true", help="explain one test prediction")
    parser.add_argument("--verbose", action="store_true", help="print cache statistics")
    parser.add_argument("--no-progress", action="store_true")
    curriculum = parser.add_argument_group(
        "curriculum (digit-addition)",
        "train stage after stage on growing N, carrying the network; a stage's list of one "
        "value applies to every stage, and --n is ignored")
    curriculum.add_argument("--curriculum", default=None, metavar="N1,N2,...",
                            help="digits per number at each stage, e.g. 1,4,15,100,300,1000")
    curriculum.add_argument("--stage-epochs", default=None, metavar="E1,E2,...",
                            help="epochs per stage (default: --epochs)")
    curriculum.add_argument("--stage-n-train", default=None, metavar="M1,M2,...",
                            help="training examples per stage (default: --n-train)")
    curriculum.add_argument("--stage-n-test", default=None, metavar="T1,T2,...",
                            help="test examples per stage (default: --n-test)")
    parser.set_defaults(run=run, **unbounded_run_limits())


def run(args) -> int:
    return importlib.import_module(TASKS[args.task]).run_cli(args)
