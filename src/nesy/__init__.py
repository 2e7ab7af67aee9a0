"""nesy: ProbLog programs with PyTorch neural predicates, under a semantics chosen by name.

    import nesy
    program = nesy.parse("0.3::edge(a,b). path(X,Y) :- edge(X,Y). query(path(a,b)).")
    nesy.query(program).probabilities          # {'path(a,b)': 0.3}
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from nesy.errors import NesyError, Source
from nesy.limits import Deadline, Limits, call_deep

# The submodule nesy/query.py (`compile_query`, the plan) is loaded before the function
# `query` below is defined: loading it later would make it the package's `query` attribute,
# in the function's place.
from nesy import query as _plan  # noqa: E402,F401  isort: skip

if TYPE_CHECKING:
    from nesy.front import Program
    from nesy.inference import Result

__version__ = "0.1.0"


def parse(text: str, name: str = "<string>", *, allow_python: bool = False) -> Program:
    """Parse and check a program: the AST desugared to the Program IR. Python modules it loads
    (`:- use_module('lib.py').`) run only with `allow_python=True`."""
    from nesy.front import ast2program
    from nesy.syntax.parser import parse as parse_ast

    return call_deep(lambda: ast2program(parse_ast(text, name), allow_python))


def read_program(path: str | Path) -> str:
    """A program file's text (UTF-8), or a NesyError saying plainly why it cannot be read."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise NesyError(f"cannot read {path}: not UTF-8 text (byte {exc.start} is "
                        f"0x{exc.object[exc.start]:02x})") from None
    except IsADirectoryError:
        raise NesyError(f"cannot read {path}: it is a directory") from None
    except FileNotFoundError:
        raise NesyError(f"cannot read {path}: no such file") from None
    except PermissionError:
        raise NesyError(f"cannot read {path}: permission denied") from None
    except (OSError, ValueError) as exc:
        raise NesyError(f"cannot read {path}: {exc.strerror or exc}") from None


def load(path: str | Path, *, allow_python: bool = False) -> Program:
    """Parse a program file (see `parse` for `allow_python`)."""
    return parse(read_program(path), str(path), allow_python=allow_python)


def query(program: Program | str, semantics: str = "exact", *, k: int = 3,
          limits: Limits | None = None, allow_python: bool = False) -> Result:
    """Answer the program's `query/1` atoms under `semantics` (see `nesy.SEMANTICS`)."""
    from nesy.inference import run_query
    from nesy.semiring import get_semiring

    limits = Deadline(limits or Limits()).started()
    if isinstance(program, str):
        program = call_deep(lambda: parse(program, allow_python=allow_python), limits=limits)
    semiring = get_semiring(semantics, k)
    if semiring.solver:  # a semantics a solver back end answers (an optional extra)
        from nesy.solvers import answer_query

        return call_deep(answer_query, program, semiring, limits, limits=limits)
    return call_deep(run_query, program, semiring, k, limits, limits=limits)


def __getattr__(name: str):
    # imported on first use, so `nesy query` on a plain program never loads torch
    if name == "Module":
        from nesy.neural.module import Module

        return Module
    if name == "SEMANTICS":
        from nesy.semiring import REGISTRY

        return REGISTRY
    if name in ("Program", "Result"):
        from nesy.front import Program
        from nesy.inference import Result

        return {"Program": Program, "Result": Result}[name]
    raise AttributeError(name)


__all__ = ["Limits", "Module", "NesyError", "Program", "Result", "SEMANTICS", "Source", "load",
           "parse", "query", "read_program"]
