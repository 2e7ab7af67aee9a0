"""`nesy bench digit-addition|sudoku-classify|sudoku-solve`: a benchmark protocol, as one JSON
object or a table."""

from __future__ import annotations

import json

from nesy.cli.train import add_task_options, options_from, unbounded_run_limits


def add_parser(sub) -> None:
    parser = sub.add_parser("bench", help="run a benchmark protocol")
    parser.add_argument("task", choices=["digit-addition", "sudoku-classify", "sudoku-solve"])
    add_task_options(parser)
    parser.add_argument("--rounds", type=int, default=7,
                        help="alternating nesy/plain measurements per side (default 7)")
    parser.add_argument("--min-time", type=float, default=1.0,
                        help="seconds each measurement lasts at least (default 1.0)")
    parser.add_argument("--clock", default="wall", choices=["wall", "cpu"],
                        help="time measurements by wall clock (default) or by this process's "
                             "CPU time (steadier on a machine busy with other work)")
    parser.add_argument("--output", default=None,
                        help="sudoku-*: folder for the run's checkpoint and metrics (default: a "
                             "temporary folder, removed afterwards)")
    parser.add_argument("--format", default="text", choices=["text", "json"])
    parser.set_defaults(run=run, **unbounded_run_limits())


def run(args) -> int:
    report = sudoku_report(args) if args.task.startswith("sudoku-") else addition_report(args)
    if args.format == "json":
        print(json.dumps(report))
        return 0
    for key, value in report.items():
        print(f"{key:>22}: {value:.4g}" if isinstance(value, float) else f"{key:>22}: {value}")
    return 0


def addition_report(args) -> dict:
    from nesy.train.digit_addition_task import bench
    from nesy.train.timing import TimingOptions

    timing = TimingOptions(min_seconds=args.min_time, rounds=args.rounds,
                           warmup_seconds=min(0.3, args.min_time), clock=args.clock)
    return bench(options_from(args), timing=timing)


def sudoku_report(args) -> dict:
    """Train once and evaluate (sudoku_task.bench); --rounds, --min-time, --clock unused."""
    import tempfile

    from nesy.train import sudoku_task

    options = sudoku_task.options_from(args, args.task.removeprefix("sudoku-"))
    if args.output is not None:
        return sudoku_task.bench(options, args.output)
    with tempfile.TemporaryDirectory(prefix="nesy-bench-") as folder:
        return sudoku_task.bench(options, folder)
