"""Cold start: `nesy query` against `python -m problog` on the same small program, each run as a
whole process (interpreter start, imports, parsing, answering), median of several runs.

    python benchmarks/cold_start.py [--runs 7] [FILE]

Prints both medians in seconds and their ratio (nesy / problog; below 1 means nesy is faster).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMALL = "0.3::a. 0.5::b.\nq :- a, b. query(q).\n"


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", help="program (default: a two-line program)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.file) if args.file else Path(tmp) / "small.pl"
        if not args.file:
            path.write_text(SMALL, encoding="utf-8")
        nesy_cmd = [sys.executable, "-m", "nesy.cli", "query", str(path)]
        problog_cmd = [sys.executable, "-m", "problog", str(path)]
        median_seconds(nesy_cmd, 1)  # warm the file cache and lark's table cache
        median_seconds(problog_cmd, 1)
        nesy_s = median_seconds(nesy_cmd, args.runs)
        problog_s = median_seconds(problog_cmd, args.runs)
    print(f"nesy query:        {nesy_s:.3f} s (median of {args.runs})")
    print(f"python -m problog: {problog_s:.3f} s (median of {args.runs})")
    print(f"ratio nesy/problog: {nesy_s / problog_s:.2f}")


if __name__ == "__main__":
    main()
