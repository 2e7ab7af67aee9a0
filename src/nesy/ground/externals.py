"""Calling a predicate of a Python module the program loaded (see `nesy.extern`)."""

from __future__ import annotations

from collections.abc import Iterator

from nesy.errors import EvaluationError
from nesy.extern import to_python, to_term
from nesy.terms import format_term


def call_external(g, export, function, args, span) -> Iterator[tuple]:
    """One solution per answer of the function, its outputs unified with the `-` arguments."""
    where = f"{export.name}/{len(export.modes)}"
    inputs, outputs = [], []
    for position, (mode, arg) in enumerate(zip(export.modes, args, strict=True), 1):
        if mode[0] == "-":
            outputs.append((arg, mode[1:]))
            continue
        value = g.resolve(arg)
        try:
            inputs.append(to_python(value, mode[1:]))
        except ValueError as exc:
            raise EvaluationError(f"{where}: argument {position} ({mode}) is {exc}: "
                                  f"{format_term(value)}", span) from None
    try:
        result = function(*inputs)
    except Exception as exc:  # noqa: BLE001 - the user's Python code: any failure is reported
        raise EvaluationError(f"the Python predicate {where} raised {type(exc).__name__}: "
                              f"{exc}", span) from None
    if result is None:
        return
    for answer in (result if export.nondet else [result]):
        values = answer if len(outputs) > 1 else (answer,)
        if len(values) != len(outputs):
            raise EvaluationError(f"the Python predicate {where} returned {len(values)} values "
                                  f"for {len(outputs)} outputs", span)
        try:
            terms = [to_term(v, kind) for v, (_, kind) in zip(values, outputs, strict=True)]
        except ValueError as exc:
            raise EvaluationError(f"the Python predicate {where} {exc}", span) from None
        mark = len(g.trail)
        if all(g.unify(arg, term) for (arg, _), term in zip(outputs, terms, strict=True)):
            yield ()
        g.undo(mark)
