"""Exact-inference benchmark: nesy against problog 2.3.0 on the same programs.

Programs: the test corpus (tests/programs/*.pl), path queries on n x n grids of probabilistic
edges, and the smokers network with n people.  Each (system, program) pair runs in a forked
child, timed there with ``time.perf_counter()``, and is killed after ``--timeout`` seconds; a
timeout counts as the timeout and is marked ``*``.  Once a system times out on a scaling family
it is not run on the larger members (marked ``skip``).

    python benchmarks/exact_inference.py [--only corpus|grid|smokers] [--max-grid 8]
        [--max-smokers 10] [--timeout 60] [--format table|json] [--problog-only]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "tests" / "programs"
AGREE_TOLERANCE = 1e-6


def grid_program(n: int) -> str:
    """Reachability from the top-left to the bottom-right node of an n x n grid."""
    lines = []
    for i in range(n):
        for j in range(n):
            node = i * n + j
            if j + 1 < n:
                lines.append(f"0.6::edge({node},{node + 1}).")
            if i + 1 < n:
                lines.append(f"0.4::edge({node},{node + n}).")
    lines += [
        "path(X,Y) :- edge(X,Y).",
        "path(X,Y) :- edge(X,Z), path(Z,Y).",
        f"query(path(0,{n * n - 1})).",
    ]
    return "\n".join(lines) + "\n"


def smokers_program(n: int) -> str:
    """Smokers with n people; friendship is a symmetric ring plus chords across the ring."""
    pairs = set()
    for i in range(1, n + 1):
        j = i % n + 1
        pairs |= {(i, j), (j, i)}
    for i in range(1, n + 1, 2):
        j = (i + n // 2 - 1) % n + 1
        if j != i:
            pairs |= {(i, j), (j, i)}
    lines = [f"person({i})." for i in range(1, n + 1)]
    lines += [f"friend({a},{b})." for a, b in sorted(pairs)]
    lines += [
        "0.2::stress(X) :- person(X).",
        "0.3::influences(X,Y) :- person(X), person(Y).",
        "smokes(X) :- stress(X).",
        "smokes(X) :- friend(X,Y), influences(Y,X), smokes(Y).",
        "0.4::asthma(X) :- smokes(X).",
        "query(smokes(1)).",
        "query(asthma(1)).",
    ]
    return "\n".join(lines) + "\n"


def run_problog(text: str, timeout: float) -> dict[str, float]:
    from problog import get_evaluatable
    from problog.program import PrologString

    result = get_evaluatable().create_from(PrologString(text)).evaluate()
    return {str(term): float(p) for term, p in result.items()}


def run_nesy(text: str, timeout: float) -> dict[str, float]:
    import nesy

    limits = nesy.Limits(timeout_s=timeout)
    return {k: float(v) for k, v in nesy.query(text, "exact", limits=limits).probabilities.items()}


RUNNERS = {"nesy": run_nesy, "problog": run_problog}
WARM_UP = "0.5::a. 0.5::b. c :- a, \\+ b. evidence(a). query(c).\n"


@dataclass
class Outcome:
    status: str  # ok, timeout, error or skip
    seconds: float | None = None
    probabilities: dict[str, float] = field(default_factory=dict)
    error: str = ""


def _child(conn, system: str, text: str, timeout: float) -> None:
    try:
        start = time.perf_counter()
        probabilities = RUNNERS[system](text, timeout)
        conn.send(("ok", time.perf_counter() - start, probabilities))
    except BaseException as exc:  # reported, not raised: the parent keeps going
        conn.send(("error", None, f"{type(exc).__name__}: {exc}".splitlines()[0][:160]))
    finally:
        conn.close()


def timed(system: str, text: str, timeout: float) -> Outcome:
    """Run one program in a forked child; kill it after ``timeout`` seconds."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, system, text, timeout), daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.poll(timeout):
            status, seconds, payload = receiver.recv()
        else:
            status, seconds, payload = "timeout", timeout, None
    except EOFError:
        status, seconds, payload = "error", None, f"child died (exit code {process.exitcode})"
    if process.is_alive():
        process.kill()
    process.join()
    receiver.close()
    if status == "ok":
        if seconds > timeout:
            return Outcome("timeout", timeout)
        return Outcome("ok", seconds, payload)
    if status == "timeout":
        return Outcome("timeout", timeout)
    return Outcome("error", None, error=payload)


@dataclass
class Row:
    family: str
    program: str
    size: int | None
    outcomes: dict[str, Outcome]

    def seconds(self, system: str) -> float | None:
        outcome = self.outcomes.get(system)
        return outcome.seconds if outcome and outcome.status in ("ok", "timeout") else None

    def ratio(self) -> float | None:
        a, b = self.seconds("nesy"), self.seconds("problog")
        if a is None or b is None:
            return None
        return a / max(b, 1e-6)

    def max_abs_diff(self) -> float | None:
        a, b = self.outcomes.get("nesy"), self.outcomes.get("problog")
        if not (a and b and a.status == b.status == "ok"):
            return None
        if set(a.probabilities) != set(b.probabilities):
            return math.inf
        return max(
            (abs(a.probabilities[k] - b.probabilities[k]) for k in a.probabilities), default=0
        )

    def agree(self) -> bool | None:
        diff = self.max_abs_diff()
        return None if diff is None else diff <= AGREE_TOLERANCE


def benchmark_programs(args) -> list[tuple[str, str, int | None, str]]:
    """(family, name, size, text) for every selected program."""
    selected = []
    if args.only in (None, "corpus"):
        for path in sorted(CORPUS_DIR.glob("*.pl")):
            selected.append(("corpus", path.stem, None, path.read_text()))
    if args.only in (None, "grid"):
        for n in range(3, args.max_grid + 1):
            selected.append(("grid", f"grid_{n}x{n}", n, grid_program(n)))
    if args.only in (None, "smokers"):
        for n in range(3, args.max_smokers + 1):
            selected.append(("smokers", f"smokers_{n}", n, smokers_program(n)))
    return selected


def run(args, systems: list[str], progress) -> list[Row]:
    for system in systems:  # imports and first-call costs are paid here, before forking
        RUNNERS[system](WARM_UP, args.timeout)
    rows = []
    gave_up: set[tuple[str, str]] = set()
    for family, name, size, text in benchmark_programs(args):
        outcomes = {}
        for system in systems:
            if (family, system) in gave_up:
                outcomes[system] = Outcome("skip")
                continue
            outcomes[system] = timed(system, text, args.timeout)
            if size is not None and outcomes[system].status == "timeout":
                gave_up.add((family, system))
        rows.append(Row(family, name, size, outcomes))
        progress(rows[-1])
    return rows


def geometric_mean(values: list[float]) -> float | None:
    values = [v for v in values if v is not None and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def largest_grid(rows: list[Row], system: str) -> int | None:
    done = [r.size for r in rows if r.family == "grid" and r.outcomes[system].status == "ok"]
    return max(done, default=None)


def summary(rows: list[Row], systems: list[str], timeout: float) -> dict:
    return {
        "timeout_s": timeout,
        "systems": systems,
        "geomean_ratio": geometric_mean([r.ratio() for r in rows]),
        "grid_largest_n": {s: largest_grid(rows, s) for s in systems},
        "disagreements": [r.program for r in rows if r.agree() is False],
        "errors": {
            f"{r.program}/{s}": o.error
            for r in rows
            for s, o in r.outcomes.items()
            if o.status == "error"
        },
    }


def format_seconds(outcome: Outcome | None) -> str:
    if outcome is None:
        return "-"
    if outcome.status == "ok":
        return f"{outcome.seconds:.3f}"
    if outcome.status == "timeout":
        return f"{outcome.seconds:.0f}*"
    return outcome.status


def table_line(row: Row) -> str:
    ratio = row.ratio()
    agree = row.agree()
    diff = row.max_abs_diff()
    agree_text = "-" if agree is None else ("yes" if agree else f"NO ({diff:.1e})")
    return (
        f"{row.program:28s} {format_seconds(row.outcomes.get('nesy')):>10s} "
        f"{format_seconds(row.outcomes.get('problog')):>10s} "
        f"{'-' if ratio is None else f'{ratio:.2f}':>8s}  {agree_text}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="nesy vs problog exact-inference benchmark")
    parser.add_argument("--only", choices=["corpus", "grid", "smokers"])
    parser.add_argument("--max-grid", type=int, default=8, help="largest grid side (from 3)")
    parser.add_argument("--max-smokers", type=int, default=10, help="most people (from 3)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per program")
    parser.add_argument("--format", choices=["table", "json"], default="table")
    parser.add_argument("--problog-only", action="store_true", help="do not import nesy")
    args = parser.parse_args(argv)
    systems = ["problog"] if args.problog_only else ["nesy", "problog"]

    as_table = args.format == "table"
    if as_table:
        print(f"{'program':28s} {'nesy_s':>10s} {'problog_s':>10s} {'ratio':>8s}  agree")
        print(f"({'*'} = timed out after {args.timeout:g} s, counted as {args.timeout:g} s)")

    def progress(row: Row) -> None:
        if as_table:
            print(table_line(row), flush=True)

    rows = run(args, systems, progress)
    result = summary(rows, systems, args.timeout)
    if as_table:
        mean = result["geomean_ratio"]
        print(f"geometric mean ratio (nesy / problog): {'-' if mean is None else f'{mean:.3f}'}")
        for system in systems if args.only in (None, "grid") else []:
            print(
                f"largest grid within {args.timeout:g} s, {system}: "
                f"{result['grid_largest_n'][system] or '-'}"
            )
        for name, error in result["errors"].items():
            print(f"error {name}: {error}")
        if result["disagreements"]:
            print(f"DISAGREE: {', '.join(result['disagreements'])}")
    else:
        result["rows"] = [
            {
                "family": r.family,
                "program": r.program,
                "size": r.size,
                "ratio": r.ratio(),
                "max_abs_diff": r.max_abs_diff(),
                "agree": r.agree(),
                **{
                    s: {k: v for k, v in asdict(o).items() if k != "probabilities"}
                    for s, o in r.outcomes.items()
                },
            }
            for r in rows
        ]
        json.dump(result, sys.stdout, indent=2, default=str)
        print()
    return 1 if result["disagreements"] else 0


if __name__ == "__main__":
    sys.exit(main())
