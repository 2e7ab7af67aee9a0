"""The `nesy` command: one module per verb, each with `add_parser` and `run`.

May import any stage (it is the top), lazily where a verb needs torch, so that a cold
`nesy query` stays light.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time

from nesy.errors import LimitError, NesyError
from nesy.limits import Limits, call_deep

VERBS = ("query", "dump", "train", "bench", "rules")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nesy", description="Neurosymbolic programming with "
                                     "ProbLog programs and PyTorch neural predicates.")
    sub = parser.add_subparsers(dest="verb", required=True)
    for verb in VERBS:
        module = __import__(f"nesy.cli.{verb}", fromlist=["add_parser"])
        module.add_parser(sub)
        sub.choices[verb].set_defaults(options=frozenset(sub.choices[verb]._option_string_actions))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one verb; from the command line (`argv` None) the process then exits promptly,
    without freeing what a large run left on the heap."""
    code = _main(argv)
    if argv is not None:
        return code
    try:
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        code = code or 141
    try:
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        pass
    os._exit(code)


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # from the command line the timeout counts from the process's start, imports included
    args.started_at = (time.monotonic() - max(0.0, time.time() - _process_start())
                       if argv is None else time.monotonic())
    limits = limits_from(args) if hasattr(args, "timeout_s") else Limits()
    try:
        return call_deep(args.run, args, limits=limits)
    except NesyError as exc:
        _hint_for_verb(exc, args.options)
        _print_error(exc.render())
        return 1
    except KeyboardInterrupt:
        _print_error("nesy: interrupted")
        return 130
    except BrokenPipeError:
        # the reader went away (`nesy query f.pl | head -1`): stop quietly, as `cat` does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except RecursionError:
        _print_error("nesy: a term or a recursion nests too deeply for the stack; raise "
                     "--max-stack-mb" if "--max-stack-mb" in args.options else
                     "nesy: a term or a recursion nests too deeply for the stack")
        return 1
    except MemoryError:
        flags = [f for f in ("--max-memory-mb", "--max-ground-atoms", "--max-circuit-nodes")
                 if f in args.options]
        _print_error("nesy: out of memory" + (f"; lower the limits ({', '.join(flags)})"
                                              if flags else ""))
        return 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence for a clean message
        if os.environ.get("NESY_DEBUG"):
            raise
        _print_error(f"nesy: internal error: {type(exc).__name__}: {_clip(str(exc))} (set "
                     "NESY_DEBUG=1 for the traceback and please report it)")
        return 2


def _process_start() -> float:
    """The wall-clock time this process started (now, where /proc cannot say)."""
    try:
        with open("/proc/self/stat", "rb") as f:
            ticks = int(f.read().rsplit(b")", 1)[1].split()[19])
        with open("/proc/uptime", "rb") as f:
            uptime = float(f.read().split()[0])
        return time.time() - uptime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.time()


def _print_error(text: str) -> None:
    try:
        print(text, file=sys.stderr)
    except (BrokenPipeError, OSError):
        pass


def _clip(text: str, width: int = 300) -> str:
    return text if len(text) <= width else text[:width] + "..."


def _hint_for_verb(exc: NesyError, options) -> None:
    """Keep a limit's hint to the options this verb has (every error of several, too)."""
    for error in getattr(exc, "errors", [exc]):
        if isinstance(error, LimitError) and error.flag not in options:
            error.hint = f"raise it with Limits({error.limit_name}=...) in Python"


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    """One option per field of `Limits`, named after it (`max_depth` → `--max-depth`)."""
    for field in dataclasses.fields(Limits):
        if field.default is None or isinstance(field.default, bool):
            continue  # not a bound (started_at, validate)
        parser.add_argument("--" + field.name.replace("_", "-"), type=_positive(type(field.default)),
                            default=field.default, metavar="N",
                            help=f"(default {field.default})")


def _positive(kind):
    def convert(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
        return value

    convert.__name__ = kind.__name__
    return convert


def limits_from(args) -> Limits:
    """The limits given on the command line (the timeout counting from `args.started_at`)."""
    return Limits(**{field.name: getattr(args, field.name) for field in dataclasses.fields(Limits)
                     if field.default is not None and not isinstance(field.default, bool)},
                  started_at=getattr(args, "started_at", None))


if __name__ == "__main__":
    sys.exit(main())
