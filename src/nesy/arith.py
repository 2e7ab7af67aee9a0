"""`is/2` arithmetic: evaluation of ground expressions, with located type errors.

Part of the kernel beside `terms.py`: the front end evaluates constant probabilities with it,
the grounder evaluates `is/2` and comparisons, the neural stage reads `LinearExpr`s.

Random integers (outputs of neural predicates kept symbolic) evaluate to `LinearExpr`s when the
operation stays linear; anything else raises `NotLinear`, which makes the grounder enumerate.
"""

from __future__ import annotations

import math
import operator

from nesy.errors import EvaluationError
from nesy.terms import Term, Var, format_term


class NotLinear(Exception):
    """An operation on a random integer that is not + or - or * by a constant."""


class LinearExpr:
    """sum(coef * X_group) + const over independent random integers (neural outputs)."""

    __slots__ = ("terms", "const", "_hash")

    def __init__(self, terms: tuple, const: int = 0):
        merged: dict = {}
        for coef, group in terms:
            merged[group] = merged.get(group, 0) + coef
        self.terms = tuple(sorted(((c, g) for g, c in merged.items() if c), key=repr))
        self.const = const
        self._hash = hash((self.terms, const))

    @staticmethod
    def variable(group) -> LinearExpr:
        return LinearExpr(((1, group),), 0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinearExpr) and (self.terms, self.const) == (other.terms, other.const)

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        parts = [f"{c}*X{format_term(g[1]) if isinstance(g, tuple) else g}" for c, g in self.terms]
        if self.const or not parts:
            parts.append(str(self.const))
        return "(" + " + ".join(parts) + ")"

    def groups(self) -> list:
        return [g for _, g in self.terms]

    def add(self, other, sign: int = 1) -> LinearExpr:
        if isinstance(other, LinearExpr):
            return LinearExpr(self.terms + tuple((sign * c, g) for c, g in other.terms),
                              self.const + sign * other.const)
        if isinstance(other, int):
            return LinearExpr(self.terms, self.const + sign * other)
        raise NotLinear()

    def scale(self, factor) -> LinearExpr:
        if not isinstance(factor, int) or isinstance(factor, bool):
            raise NotLinear()
        return LinearExpr(tuple((c * factor, g) for c, g in self.terms), self.const * factor)


def _int_div(a, b):
    return a // b


def _check_int(name):
    def wrapped(a, b):
        if not isinstance(a, int) or not isinstance(b, int):
            raise TypeError(f"{name} needs integers")
        return _BINARY_RAW[name](a, b)

    return wrapped


def _divide(a, b):
    return a / b  # ProbLog's `/` is float division, even on integers


def _power(a, b):
    if isinstance(a, int) and isinstance(b, int) and b >= 0:
        if abs(a) > 1 and b > 100_000:
            raise OverflowError("power too large")
        return a**b
    return float(a) ** float(b)


_BINARY_RAW = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
    "//": operator.floordiv,  # as ProbLog (Python): floors, and takes floats too
    "mod": operator.mod,
    "rem": math.fmod,
    "div": _int_div,
    "**": _power,
    "^": _power,
    "min": min,
    "max": max,
    ">>": operator.rshift,
    "<<": operator.lshift,
    "/\\": operator.and_,
    "\\/": operator.or_,
    "xor": operator.xor,
    "atan2": math.atan2,
    "atan": math.atan2,
    "copysign": math.copysign,
    "log": lambda a, b: math.log(b) / math.log(a),
}
_BINARY = dict(_BINARY_RAW)
for _name in ("div", ">>", "<<", "/\\", "\\/", "xor"):
    _BINARY[_name] = _check_int(_name)
_BINARY["rem"] = _BINARY["mod"]  # ProbLog evaluates rem as Python's %, like mod

_UNARY = {
    "-": operator.neg,
    "+": operator.pos,
    "abs": abs,
    "sign": lambda a: (a > 0) - (a < 0) if isinstance(a, int) else math.copysign(1.0, a),
    "sqrt": math.sqrt,
    "exp": math.exp,
    "log": math.log,
    "log2": math.log2,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "floor": lambda a: math.floor(a),
    "ceiling": lambda a: math.ceil(a),
    "ceil": lambda a: math.ceil(a),
    "round": lambda a: round(a),
    "truncate": lambda a: math.trunc(a),
    "integer": lambda a: round(a),
    "float": float,
    "float_integer_part": lambda a: float(math.trunc(a)),
    "float_fractional_part": lambda a: a - math.trunc(a),
    "\\": lambda a: ~a,
}
_CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan, "random": None}


def _deref(t):
    while isinstance(t, Var) and t.ref is not None:
        t = t.ref
    return t


def evaluate(expr, span=None):
    """The value of an arithmetic expression whose variables are bound."""
    expr = _deref(expr)
    if isinstance(expr, bool):
        raise EvaluationError(f"type error: {expr} is not a number", span)
    if isinstance(expr, (int, float, LinearExpr)):
        return expr
    if isinstance(expr, Var):
        raise EvaluationError(
            "instantiation error: arithmetic on an unbound variable "
            f"{expr.name if expr.name != '_' else '_'}", span)
    if isinstance(expr, Term):
        span = expr.span or span
        if not expr.args:
            value = _CONSTANTS.get(expr.functor)
            if value is not None:
                return value
            raise EvaluationError(f"type error: '{format_term(expr)}' is not a number", span)
        if len(expr.args) == 2 and expr.functor in _BINARY:
            a = evaluate(expr.args[0], span)
            b = evaluate(expr.args[1], span)
            if isinstance(a, LinearExpr) or isinstance(b, LinearExpr):
                return _linear(expr.functor, a, b)
            return _apply(expr, _BINARY[expr.functor], (a, b), span)
        if len(expr.args) == 1 and expr.functor in _UNARY:
            a = evaluate(expr.args[0], span)
            if isinstance(a, LinearExpr):
                if expr.functor == "-":
                    return _number_if_constant(a.scale(-1))
                if expr.functor == "+":
                    return a
                raise NotLinear()
            return _apply(expr, _UNARY[expr.functor], (a,), span)
        raise EvaluationError(
            f"type error: {expr.functor}/{len(expr.args)} is not an arithmetic function", span)
    raise EvaluationError(f"type error: {format_term(expr)} is not a number", span)


def _linear(op, a, b):
    if op == "+":
        return _number_if_constant(a.add(b) if isinstance(a, LinearExpr) else b.add(a))
    if op == "-":
        return _number_if_constant(a.add(b, -1) if isinstance(a, LinearExpr)
                                   else b.scale(-1).add(a))
    if op == "*":
        return _number_if_constant(a.scale(b) if isinstance(a, LinearExpr) else b.scale(a))
    raise NotLinear()


def _number_if_constant(expr: LinearExpr) -> LinearExpr | int:
    """`A - A` or `0 * A` over a random integer A is one number in every world: an int, so
    `Z is A - A` binds Z to 0 rather than to a distribution with no random integer in it."""
    return expr if expr.terms else expr.const


def _apply(expr, fn, args, span):
    try:
        result = fn(*args)
    except ZeroDivisionError:
        raise EvaluationError(f"division by zero in {format_term(expr)}", span) from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise EvaluationError(f"arithmetic error in {format_term(expr)}: {exc}", span) from None
    if isinstance(result, complex):
        raise EvaluationError(f"arithmetic error in {format_term(expr)}: complex result", span)
    if result != result:  # NaN: equal to nothing, not even itself, so no term can hold it
        raise EvaluationError(f"arithmetic error in {format_term(expr)}: undefined (NaN)", span)
    return result


COMPARISONS = {
    "<": operator.lt,
    ">": operator.gt,
    "=<": operator.le,
    ">=": operator.ge,
    "=:=": operator.eq,
    "=\\=": operator.ne,
}
