"""Predicates written in Python, for programs that load them with `:- use_module('lib.py').`

A program loads Python only when its caller opts in (`nesy query --allow-python`,
`nesy.load(..., allow_python=True)`): loading a program must never run code its reader did not
ask for. In the module, a decorator marks each exported function with the modes of its
arguments, `+` inputs then `-` outputs, each `str`, `int`, `float`, `number`, `list` or `term`:

    from nesy.extern import export, export_nondet

    @export("+str", "+str", "-str")       # concat_str(a, b, X) gives X = ab
    def concat_str(a, b):
        return a + b

    @export_nondet("+int", "+int", "-int")   # one answer per item of the returned list
    def int_between(low, high):
        return list(range(low, high + 1))

A function returns its outputs (a tuple when there are several; None fails). ProbLog's
`problog.extern` decorators (`problog_export`, `problog_export_nondet`) are accepted under
their own names, so ProbLog's Python modules load unmodified.
"""

from __future__ import annotations

from dataclasses import dataclass

from nesy.terms import Str, Term, Var, format_term, list_items, make_list

MARK = "__nesy_export__"
TYPES = ("str", "int", "float", "number", "list", "term")


@dataclass(frozen=True)
class Export:
    name: str
    modes: tuple[str, ...]
    nondet: bool

    @property
    def signature(self) -> tuple[str, int]:
        return (self.name, len(self.modes))


def _decorator(modes: tuple[str, ...], functor: str | None, nondet: bool):
    for mode in modes:
        if mode[:1] not in "+-" or mode[1:] not in TYPES:
            raise ValueError(f"mode {mode!r}: write +TYPE or -TYPE, TYPE one of {TYPES}")

    def mark(fn):
        setattr(fn, MARK, Export(functor or fn.__name__, tuple(modes), nondet))
        return fn

    return mark


def export(*modes: str, functor: str | None = None):
    """Export a function as a deterministic predicate with these argument modes."""
    return _decorator(modes, functor, nondet=False)


def export_nondet(*modes: str, functor: str | None = None):
    """Export a function returning a list of answers (each a value or a tuple of outputs)."""
    return _decorator(modes, functor, nondet=True)


problog_export = export
problog_export_nondet = export_nondet


def to_python(term, kind: str):
    """An input argument as the function receives it; ValueError when it has the wrong type."""
    if isinstance(term, Var):
        raise ValueError("unbound")
    if kind == "str":
        if isinstance(term, Str):
            return term.value
        if isinstance(term, Term) and not term.args:
            return term.functor
        raise ValueError("not an atom or a string")
    if kind in ("int", "float", "number"):
        wanted = {"int": int, "float": float, "number": (int, float)}[kind]
        if isinstance(term, bool) or not isinstance(term, wanted):
            raise ValueError(f"not {'an' if kind == 'int' else 'a'} {kind}")
        return term
    if kind == "list":
        items = list_items(term)
        if items is None:
            raise ValueError("not a list")
        return items
    return term


def to_term(value, kind: str):
    """An output value as a term; ValueError when it cannot be one."""
    if kind == "str":
        return Term(str(value))
    if kind in ("int", "float", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"returned {value!r} for a {kind} output")
        return value
    if kind == "list":
        return make_list([to_term(v, "term") for v in value])
    if isinstance(value, (Term, Str, int, float)):
        return value
    if isinstance(value, str):
        return Term(value)
    if isinstance(value, (list, tuple)):
        return make_list([to_term(v, "term") for v in value])
    raise ValueError(f"returned {value!r}, which is not a term ({format_term(value)})")
