"""Cold start: `nesy query` against `python -m problog` on the same small program, each run as a
whole process (interpreter start, imports, parsing, answering), median of several runs.

    python benchmarks/cold_start.py [--runs 7] [--inherit-env] [FILE]

Prints both medians in seconds and their ratio (nesy / problog; below 1 means nesy is faster).
Both commands run with their bytecode cached, as after `pip install` (in a private
PYTHONPYCACHEPREFIX that a first, untimed run fills): an editable checkout under
PYTHONDONTWRITEBYTECODE would otherwise compile nesy from source on every run, while problog's
bytecode sits in site-packages. `--inherit-env` runs both in this shell's environment as it is.
The runs of the two commands alternate, so a machine whose load changes slows both alike; the
CPU time (user + system) of each process is printed too, as it depends less on that load.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMALL = "0.3::a. 0.5::b.\nq :- a, b. query(q).\n"


def seconds(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", help="program (default: a two-line program)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--inherit-env", action="store_true",
                        help="run in this environment as it is (no private bytecode cache)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.file) if args.file else Path(tmp) / "small.pl"
        if not args.file:
            path.write_text(SMALL, encoding="utf-8")
        env = dict(os.environ)
        if not args.inherit_env:
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        nesy_cmd = [sys.executable, "-m", "nesy.cli", "query", str(path)]
        problog_cmd = [sys.executable, "-m", "problog", str(path)]
        seconds(nesy_cmd, env)  # warm the file cache, the bytecode and lark's tables
        seconds(problog_cmd, env)
        nesy_times, problog_times = [], []
        for _ in range(args.runs):
            nesy_times.append(seconds(nesy_cmd, env))
            problog_times.append(seconds(problog_cmd, env))
    nesy_s, nesy_cpu = (statistics.median(t) for t in zip(*nesy_times, strict=True))
    problog_s, problog_cpu = (statistics.median(t) for t in zip(*problog_times, strict=True))
    print("environment:       " + ("inherited" if args.inherit_env
                                   else "bytecode cached, as installed"))
    print(f"nesy query:        {nesy_s:.3f} s (median of {args.runs}; CPU {nesy_cpu:.3f} s)")
    print(f"python -m problog: {problog_s:.3f} s (median of {args.runs}; CPU {problog_cpu:.3f} s)")
    print(f"ratio nesy/problog: {nesy_s / problog_s:.2f} (CPU {nesy_cpu / problog_cpu:.2f})")


if __name__ == "__main__":
    main()
