"""Recompute the ``% expect:`` lines of every corpus program with the problog package.

Usage: ``python tests/programs/regenerate_expected.py [--check] [FILE ...]``.
Each program's old expect block is replaced by one line per query answer, in problog's order,
each probability rounded to 10 significant digits.  ``--check`` only reports differences.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = "% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)"
PREFIX = "% expect: "
MAX_SECONDS = 2.0


def problog_probabilities(text: str, source_root: str = ".") -> dict[str, float]:
    """Run problog's default exact inference; keys are ``str(term)``; files the program names
    are found relative to ``source_root``."""
    from problog import get_evaluatable
    from problog.program import PrologString

    program = PrologString(text, source_root=source_root)
    result = get_evaluatable().create_from(program).evaluate()
    return {str(term): float(p) for term, p in result.items()}


def format_expect(key: str, value: float) -> str:
    """One expect line: ``% expect: key = value``."""
    return f"{PREFIX}{key} = {value:.10g}"


def parse_expect(text: str) -> dict[str, float]:
    """The expected answers written in a program's comments."""
    expected = {}
    for line in text.splitlines():
        if line.startswith(PREFIX):
            key, _, value = line[len(PREFIX) :].rpartition(" = ")
            expected[key] = float(value)
    return expected


def strip_expect(text: str) -> str:
    """The program without its expect block."""
    kept = [
        line
        for line in text.splitlines()
        if not line.startswith(PREFIX) and not line.startswith(HEADER)
    ]
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept) + "\n"


def regenerate(path: Path, check: bool) -> bool:
    """Rewrite (or with ``check`` compare) one file; True when it was already up to date."""
    old = path.read_text()
    body = strip_expect(old)
    start = time.perf_counter()
    probabilities = problog_probabilities(body, str(path.parent))
    elapsed = time.perf_counter() - start
    if not probabilities:
        raise SystemExit(f"{path.name}: no query answers")
    if elapsed > MAX_SECONDS:
        raise SystemExit(f"{path.name}: problog took {elapsed:.2f} s (limit {MAX_SECONDS} s)")
    lines = [HEADER] + [format_expect(k, v) for k, v in probabilities.items()]
    new = body + "\n" + "\n".join(lines) + "\n"
    print(f"{path.name:28s} {len(probabilities):3d} answers  {elapsed:6.3f} s")
    if new == old:
        return True
    if check:
        print(f"  out of date: {path.name}")
    else:
        path.write_text(new)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report, do not rewrite")
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args(argv)
    files = [p for p in (args.files or sorted(HERE.glob("*.pl")))
             if "% expectations by the possible-worlds oracle" not in Path(p).read_text()]
    stale = [p for p in files if not regenerate(p, args.check)]
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
