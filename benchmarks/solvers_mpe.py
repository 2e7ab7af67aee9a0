"""MPE by MaxSAT against compiled MPE on dense cyclic programs (smokers on a complete
influence graph): both answers, their times, and whether they agree.

    python benchmarks/solvers_mpe.py [--sizes 4,6,8,10] [--timeout 60]

Each size runs `mpe` (compiled SDD, max-product) and `mpe-maxsat` (RC2 on the ground
program's weighted CNF) in this process, one after the other, under the same time limit; a
LimitError is printed as such. Times are wall-clock seconds on whatever machine runs it.
"""

from __future__ import annotations

import argparse
import time

import nesy
from nesy.errors import NesyError


def smokers(n: int) -> str:
    """n people, each stressed with its own probability, every pair influencing each other."""
    lines = [f"0.{3 + p % 5}::stress({p})." for p in range(n)]
    lines += [f"0.{2 + (p + q) % 6}::influences({p},{q})."
              for p in range(n) for q in range(n) if p != q]
    lines += ["smokes(X) :- stress(X).", "smokes(X) :- influences(Y, X), smokes(Y).",
              "query(smokes(0)).", f"evidence(smokes({n - 1}), false)."]
    return "\n".join(lines) + "\n"


def run(text: str, semantics: str, timeout: float) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        value = nesy.query(text, semantics, limits=nesy.Limits(timeout_s=timeout))
        answer = f"{next(iter(value.probabilities.values())):.10g}"
    except NesyError as exc:
        answer = type(exc).__name__
    return answer, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4,6,8,10")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    print("n  facts  mpe (s)  answer            mpe-maxsat (s)  answer            agree")
    for n in (int(s) for s in args.sizes.split(",")):
        text = smokers(n)
        compiled, t_compiled = run(text, "mpe", args.timeout)
        solved, t_solved = run(text, "mpe-maxsat", args.timeout)
        agree = "yes" if compiled == solved else ("-" if "Error" in compiled else "NO")
        print(f"{n:<3}{n * n:<7}{t_compiled:<9.2f}{compiled:<18}{t_solved:<16.2f}{solved:<18}"
              f"{agree}")


if __name__ == "__main__":
    main()
