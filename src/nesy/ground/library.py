"""nesy's library predicates written in the program language (`src/nesy/library/*.pl`).

They are parsed once per process and join every program's rules, below the program's own: a
program that defines a predicate of the same name and arity keeps its definition (as in ProbLog).
"""

from __future__ import annotations

import functools
from pathlib import Path

LIBRARY_DIR = Path(__file__).resolve().parent.parent / "library"


@functools.lru_cache(maxsize=1)
def library_rules() -> dict:
    """Rules of the library files by signature."""
    from nesy.front import ast2program
    from nesy.syntax.parser import parse

    rules: dict = {}
    for path in sorted(LIBRARY_DIR.glob("*.pl")):
        program = ast2program(parse(path.read_text(encoding="utf-8"), f"library/{path.name}"))
        rules.update(program.rules)
    return rules


def with_library(rules: dict) -> dict:
    """A program's rules with the library's for every predicate it does not define."""
    return {**library_rules(), **rules}
