"""`nesy bench digit-addition`: the comparison protocol, as one JSON object or a table."""

from __future__ import annotations

import json

from nesy.cli.train import add_task_options, options_from, unbounded_run_limits


def add_parser(sub) -> None:
    parser = sub.add_parser("bench", help="run a benchmark protocol")
    parser.add_argument("task", choices=["digit-addition"])
    add_task_options(parser)
    parser.add_argument("--rounds", type=int, default=7,
                        help="alternating nesy/plain measurements per side (default 7)")
    parser.add_argument("--min-time", type=float, default=1.0,
                        help="seconds each measurement lasts at least (default 1.0)")
    parser.add_argument("--clock", default="wall", choices=["wall", "cpu"],
                        help="time measurements by wall clock (default) or by this process's "
                             "CPU time (steadier on a machine busy with other work)")
    parser.add_argument("--format", default="text", choices=["text", "json"])
    parser.set_defaults(run=run, **unbounded_run_limits())


def run(args) -> int:
    from nesy.train.digit_addition_task import bench
    from nesy.train.timing import TimingOptions

    timing = TimingOptions(min_seconds=args.min_time, rounds=args.rounds,
                           warmup_seconds=min(0.3, args.min_time), clock=args.clock)
    report = bench(options_from(args), timing=timing)
    if args.format == "json":
        print(json.dumps(report))
        return 0
    for key, value in report.items():
        print(f"{key:>22}: {value:.4g}" if isinstance(value, float) else f"{key:>22}: {value}")
    return 0
