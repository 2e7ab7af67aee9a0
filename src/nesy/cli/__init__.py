"""The `nesy` command: one module per verb, each with `add_parser` and `run`."""

from __future__ import annotations

import argparse
import os
import sys

from nesy.errors import NesyError

VERBS = ("query", "dump", "train", "bench")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nesy", description="Neurosymbolic programming with "
                                     "ProbLog programs and PyTorch neural predicates.")
    sub = parser.add_subparsers(dest="verb", required=True)
    for verb in VERBS:
        module = __import__(f"nesy.cli.{verb}", fromlist=["add_parser"])
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except NesyError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("nesy: interrupted", file=sys.stderr)
        return 130
    except RecursionError:
        print("nesy: a term or a recursion nests too deeply for Python; lower the nesting or "
              "raise --max-depth", file=sys.stderr)
        return 1
    except MemoryError:
        print("nesy: out of memory; lower the limits (--max-ground-atoms, --max-circuit-nodes)",
              file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence for a clean message
        if os.environ.get("NESY_DEBUG"):
            raise
        print(f"nesy: internal error: {type(exc).__name__}: {exc} (set NESY_DEBUG=1 for the "
              "traceback and please report it)", file=sys.stderr)
        return 2


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout-s", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument("--max-ground-atoms", type=int, default=1_000_000)
    parser.add_argument("--max-depth", type=int, default=2_000)
    parser.add_argument("--max-circuit-nodes", type=int, default=5_000_000)


def limits_from(args):
    from nesy.limits import Limits

    return Limits(max_ground_atoms=args.max_ground_atoms, max_depth=args.max_depth,
                  timeout_s=args.timeout_s, max_circuit_nodes=args.max_circuit_nodes)


if __name__ == "__main__":
    sys.exit(main())
