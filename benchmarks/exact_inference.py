"""Exact-inference benchmark: nesy against problog 2.3.0 on the same programs.

Programs: the test corpus (tests/programs/*.pl), path queries on n x n grids of probabilistic
edges, the smokers network with n people, and the families in benchmarks/families.py that the
compile strategy was not tuned on (Bayesian networks with annotated disjunctions, probabilistic
graphs with evidence, HMMs, tutorial-style programs).

Method: each (system, program) pair runs ``--repeat`` times (median), each run in a freshly
forked child that first answers a small warm-up program (so the fork's first-call costs are not
counted), then is timed with ``time.perf_counter()`` and killed after ``--timeout`` seconds.  A
timeout, a LimitError or any other error of one system where the other answers counts as the
timeout in the geometric mean (marked ``*``); programs neither answers are left out of it.  Once
a system fails on a member of a scaling series it is not run on the larger ones (``skip``,
counted as the timeout).  Answers must agree to 1e-6 (an answer one system omits counts as 0);
for the corpus programs where problog 2.3.0 is documented wrong, nesy is checked against the
program's possible-worlds expectations instead.

    python benchmarks/exact_inference.py [--only corpus grid smokers bn graph hmm tutorial]
        [--max-grid 16] [--max-smokers 24] [--timeout 60] [--repeat 3] [--format table|json]
        [--problog-only]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from families import FAMILIES  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "tests" / "programs"
AGREE_TOLERANCE = 1e-6
#: the corpus marks programs whose expectations come from the possible-worlds oracle because
#: problog 2.3.0 answers them wrongly
PROBLOG_WRONG = "problog 2.3.0 is wrong here"
EXPECT = re.compile(r"^%\s*expect:\s*(.+?)\s*=\s*([-+0-9.eE]+)\s*$", re.MULTILINE)
ALL_FAMILIES = ("corpus", "grid", "smokers", *FAMILIES)


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
    runs: list[float] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status != "ok"


def _child(conn, system: str, text: str, timeout: float, directory: Path | None) -> None:
    try:
        if directory is not None:  # a program's relative paths (library(db)'s CSV files)
            os.chdir(directory)
        RUNNERS[system](WARM_UP, timeout)  # the fork's first-call costs, paid untimed
        start = time.perf_counter()
        probabilities = RUNNERS[system](text, timeout)
        conn.send(("ok", time.perf_counter() - start, probabilities))
    except BaseException as exc:  # reported, not raised: the parent keeps going
        kind = "timeout" if "timeout_s" in str(exc) else "error"
        conn.send((kind, None, f"{type(exc).__name__}: {exc}".splitlines()[0][:160]))
    finally:
        conn.close()


def timed_once(system: str, text: str, timeout: float, directory: Path | None = None) -> Outcome:
    """Run one program in a forked child; kill it after ``timeout`` seconds."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, system, text, timeout, directory),
                              daemon=True)
    process.start()
    sender.close()
    try:
        # the child's warm-up is not timed: allow it a little beyond the timeout
        if receiver.poll(timeout + 5.0):
            status, seconds, payload = receiver.recv()
        else:
            status, seconds, payload = "timeout", timeout, None
    except EOFError:
        status, seconds, payload = "error", None, f"child died (exit code {process.exitcode})"
    if process.is_alive():
        process.kill()
    process.join()
    receiver.close()
    if status == "ok" and seconds <= timeout:
        return Outcome("ok", seconds, payload, runs=[seconds])
    if status in ("ok", "timeout"):
        return Outcome("timeout", timeout, error=payload if isinstance(payload, str) else "")
    return Outcome("error", None, error=payload)


def timed(system: str, text: str, timeout: float, repeat: int = 3,
          directory: Path | None = None) -> Outcome:
    """The median of `repeat` runs; the first run that fails is the outcome."""
    runs = []
    for _ in range(max(1, repeat)):
        outcome = timed_once(system, text, timeout, directory)
        if outcome.failed:
            return outcome
        runs.append(outcome)
    seconds = [r.seconds for r in runs]
    return Outcome("ok", statistics.median(seconds), runs[-1].probabilities, runs=seconds)


def expectations(text: str) -> dict[str, float] | None:
    """A corpus program's `% expect:` answers where problog 2.3.0 is documented wrong."""
    if PROBLOG_WRONG not in text:
        return None
    return {atom.replace(" ", ""): float(p) for atom, p in EXPECT.findall(text)}


def max_abs_diff(a: dict[str, float], b: dict[str, float]) -> float:
    """Largest difference between two answer sets; an answer one omits counts as 0."""
    a = {k.replace(" ", ""): v for k, v in a.items()}
    b = {k.replace(" ", ""): v for k, v in b.items()}
    return max((abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in a.keys() | b.keys()), default=0.0)


@dataclass
class Row:
    family: str
    program: str
    size: int | None
    outcomes: dict[str, Outcome]
    timeout: float
    #: the oracle's answers where problog is documented wrong (nesy is compared with these)
    expected: dict[str, float] | None = None

    def seconds(self, system: str) -> float | None:
        """The measured median, or the timeout where this system failed and another answered."""
        outcome = self.outcomes.get(system)
        if outcome is None:
            return None
        if not outcome.failed:
            return outcome.seconds
        if any(not o.failed for o in self.outcomes.values()):
            return self.timeout
        return None

    def ratio(self) -> float | None:
        a, b = self.seconds("nesy"), self.seconds("problog")
        if a is None or b is None:
            return None
        return a / max(b, 1e-6)

    def max_abs_diff(self) -> float | None:
        a, b = self.outcomes.get("nesy"), self.outcomes.get("problog")
        if a is None or a.failed:
            return None
        if self.expected is not None:
            return max_abs_diff(a.probabilities, self.expected)
        if b is None or b.failed:
            return None
        return max_abs_diff(a.probabilities, b.probabilities)

    def agree(self) -> bool | None:
        diff = self.max_abs_diff()
        return None if diff is None else diff <= AGREE_TOLERANCE


def benchmark_programs(args) -> list[tuple[str, str, int | None, str]]:
    """(family, name, size, text) for every selected program."""
    wanted = set(args.only or ALL_FAMILIES)
    selected = []
    if "corpus" in wanted:
        for path in sorted(CORPUS_DIR.glob("*.pl")):
            selected.append(("corpus", path.stem, None, path.read_text()))
    if "grid" in wanted:
        for n in range(3, args.max_grid + 1):
            selected.append(("grid", f"grid_{n}x{n}", n, grid_program(n)))
    if "smokers" in wanted:
        for n in range(3, args.max_smokers + 1):
            selected.append(("smokers", f"smokers_{n}", n, smokers_program(n)))
    for family, members in FAMILIES.items():
        if family in wanted:
            selected += [(family, name, size, make(size)) for name, size, make in members]
    return selected


def series(name: str) -> str:
    """The scaling series a sized program belongs to: its name without the size."""
    return name.rsplit("_", 1)[0]


def run(args, systems: list[str], progress) -> list[Row]:
    for system in systems:  # imports and first-call costs are paid here, before forking
        RUNNERS[system](WARM_UP, args.timeout)
    rows = []
    gave_up: set[tuple[str, str]] = set()
    for family, name, size, text in benchmark_programs(args):
        if size is not None and all((series(name), s) in gave_up for s in systems):
            continue
        outcomes = {}
        for system in systems:
            if size is not None and (series(name), system) in gave_up:
                outcomes[system] = Outcome("skip")
                continue
            directory = CORPUS_DIR if family == "corpus" else None
            outcomes[system] = timed(system, text, args.timeout, args.repeat, directory)
            if size is not None and outcomes[system].failed:
                gave_up.add((series(name), system))
        rows.append(Row(family, name, size, outcomes, args.timeout, expectations(text)))
        progress(rows[-1])
    return rows


def geometric_mean(values: list[float | None]) -> float | None:
    values = [v for v in values if v is not None and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def largest(rows: list[Row], name: str, system: str) -> int | None:
    """The largest member of a scaling series this system answered."""
    done = [r.size for r in rows if r.size is not None and series(r.program) == name
            and r.outcomes[system].status == "ok"]
    return max(done, default=None)


def summary(rows: list[Row], systems: list[str], timeout: float) -> dict:
    families = list(dict.fromkeys(r.family for r in rows))
    both = [r for r in rows if all(not o.failed for o in r.outcomes.values())]
    return {
        "timeout_s": timeout,
        "systems": systems,
        "programs": len(rows),
        "geomean_ratio": geometric_mean([r.ratio() for r in rows]),
        "in_geomean": sum(r.ratio() is not None for r in rows),
        "geomean_ratio_both_answered": geometric_mean([r.ratio() for r in both]),
        "both_answered": len(both),
        "family_geomean_ratio": {
            f: geometric_mean([r.ratio() for r in rows if r.family == f]) for f in families
        },
        "largest_size": {
            name: {s: largest(rows, name, s) for s in systems}
            for name in dict.fromkeys(series(r.program) for r in rows if r.size is not None)
        },
        "disagreements": {
            r.program: r.max_abs_diff() for r in rows if r.agree() is False
        },
        "problog_wrong": [r.program for r in rows if r.expected is not None],
        "failures": {
            f"{r.program}/{s}": o.error or o.status
            for r in rows
            for s, o in r.outcomes.items()
            if o.status in ("error", "timeout")
        },
        "nesy_errors_where_problog_answers": [
            r.program
            for r in rows
            if "problog" in r.outcomes
            and r.outcomes["nesy"].status == "error"
            and not r.outcomes["problog"].failed
        ],
    }


def format_seconds(outcome: Outcome | None) -> str:
    if outcome is None:
        return "-"
    if outcome.status == "ok":
        return f"{outcome.seconds:.3f}"
    if outcome.status == "timeout":
        return f"{outcome.seconds:.0f}*"
    return f"{outcome.status}*"


def agree_text(row: Row) -> str:
    agree = row.agree()
    if agree is None:
        return "-"
    diff = row.max_abs_diff()
    text = "yes" if agree else f"NO ({diff:.1e})"
    return text + (" (oracle; problog wrong)" if row.expected is not None else "")


def table_line(row: Row) -> str:
    ratio = row.ratio()
    return (
        f"{row.program:28s} {format_seconds(row.outcomes.get('problog')):>10s} "
        f"{format_seconds(row.outcomes.get('nesy')):>10s} "
        f"{'-' if ratio is None else f'{ratio:.3f}':>8s}  {agree_text(row)}"
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                                capture_output=True, check=False).stdout.strip()
    except OSError:
        commit = "?"
    try:
        from importlib.metadata import version

        problog = version("problog")
    except Exception:  # noqa: BLE001 - only a label
        problog = "?"
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; "
            f"problog {problog}; nesy at {commit or '?'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="nesy vs problog exact-inference benchmark")
    parser.add_argument("--only", nargs="+", choices=ALL_FAMILIES, help="families to run")
    parser.add_argument("--max-grid", type=int, default=16, help="largest grid side (from 3)")
    parser.add_argument("--max-smokers", type=int, default=24, help="most people (from 3)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per pair (median)")
    parser.add_argument("--format", choices=["table", "json"], default="table")
    parser.add_argument("--problog-only", action="store_true", help="do not import nesy")
    args = parser.parse_args(argv)
    systems = ["problog"] if args.problog_only else ["nesy", "problog"]

    as_table = args.format == "table"
    if as_table:
        print(f"# {machine()}")
        print(f"# median of {args.repeat} runs; * = failed (timeout, LimitError or error), "
              f"counted as {args.timeout:g} s where the other system answers")
        print(f"{'program':28s} {'problog_s':>10s} {'nesy_s':>10s} {'ratio':>8s}  agree")

    def progress(row: Row) -> None:
        if as_table:
            print(table_line(row), flush=True)

    rows = run(args, systems, progress)
    result = summary(rows, systems, args.timeout)
    if as_table:
        print_summary(result, args.timeout)
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


def print_summary(result: dict, timeout: float) -> None:
    def fmt(value):
        return "-" if value is None else f"{value:.3f}"

    print(f"geometric mean ratio (nesy / problog) over {result['in_geomean']} of "
          f"{result['programs']} programs: {fmt(result['geomean_ratio'])}")
    print(f"  over the {result['both_answered']} programs both answer: "
          f"{fmt(result['geomean_ratio_both_answered'])}")
    for family, mean in result["family_geomean_ratio"].items():
        print(f"  {family:10s} {fmt(mean)}")
    for name, sizes in result["largest_size"].items():
        done = ", ".join(f"{s} {n if n is not None else '-'}" for s, n in sizes.items())
        print(f"largest {name} answered within {timeout:g} s: {done}")
    for name, error in result["failures"].items():
        print(f"failed {name}: {error}")
    if result["problog_wrong"]:
        print("checked against the possible-worlds oracle (problog 2.3.0 documented wrong): "
              + ", ".join(result["problog_wrong"]))
    if result["nesy_errors_where_problog_answers"]:
        print("NESY ERRORS WHERE PROBLOG ANSWERS: "
              + ", ".join(result["nesy_errors_where_problog_answers"]))
    if result["disagreements"]:
        print("!" * 72)
        for name, diff in result["disagreements"].items():
            print(f"DISAGREEMENT {name}: max |nesy - reference| = {diff:.3e}")
        print("!" * 72)
    else:
        print(f"disagreements (> {AGREE_TOLERANCE:g}): 0")


if __name__ == "__main__":
    sys.exit(main())
