"""nesy: ProbLog programs with PyTorch neural predicates, under a semantics chosen by name.

    import nesy
    program = nesy.parse("0.3::edge(a,b). path(X,Y) :- edge(X,Y). query(path(a,b)).")
    nesy.query(program).probabilities          # {'path(a,b)': 0.3}
"""

from __future__ import annotations

from pathlib import Path

from nesy.errors import NesyError, Source
from nesy.front import Program, ast2program
from nesy.inference import Result, run_query
from nesy.limits import Limits
from nesy.semiring import REGISTRY as SEMANTICS

__version__ = "0.1.0"


def parse(text: str, name: str = "<string>") -> Program:
    """Parse and check a program: the AST desugared to the Program IR."""
    from nesy.syntax.parser import parse as parse_ast

    return ast2program(parse_ast(text, name))


def load(path: str | Path) -> Program:
    """Parse a program file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NesyError(f"cannot read {path}: {exc}") from None
    return parse(text, str(path))


def query(program: Program | str, semantics: str = "exact", *, k: int = 3,
          limits: Limits | None = None) -> Result:
    """Answer the program's `query/1` atoms under `semantics` (see `nesy.SEMANTICS`)."""
    if isinstance(program, str):
        program = parse(program)
    return run_query(program, semantics, k, limits or Limits())


def __getattr__(name: str):
    if name == "Module":  # torch-heavy: imported on first use
        from nesy.neural.module import Module

        return Module
    raise AttributeError(name)


__all__ = ["Limits", "Module", "NesyError", "Program", "Result", "SEMANTICS", "Source", "load",
           "parse", "query"]
