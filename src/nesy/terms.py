"""Logic terms shared by every stage: variables, compound terms, strings, numbers.

Numbers are plain Python ``int`` and ``float``.  Constants are ``Term``s with no arguments.
A term's source span is carried along but ignored by equality and hashing.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import sys

from nesy.errors import Span

_fresh = itertools.count()


class Var:
    """A logic variable; identity-based, so renaming a clause makes fresh ones."""

    __slots__ = ("name", "id", "ref")

    def __init__(self, name: str = "_"):
        self.name = name
        self.id = next(_fresh)
        self.ref = None  # the bound value while the grounder resolves; None when free

    def __repr__(self) -> str:
        return self.name if self.name != "_" else f"_G{self.id}"


# the name prefix of the variables clause/2 returns: an answer prints them V_0, V_1, ... as
# ProbLog's clause/2 names a clause's variables
CLAUSE_VAR = "$V_"


class Str:
    """A double-quoted string."""

    __slots__ = ("value",)

    def __init__(self, value: str):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Str) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("$str", self.value))

    def __repr__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'


class Term:
    """A compound term or, with no arguments, an atom (constant)."""

    __slots__ = ("functor", "args", "span", "_hash", "_floats", "ground")

    def __init__(self, functor: str, args: tuple = (), span: Span | None = None):
        self.functor = functor
        self.args = args
        self.span = span
        # Python's 1 == 1.0, but f(1) and f(1.0) are different terms: a bit per float argument
        # keeps them apart in equality and hashing (deeper floats are kept apart by the subterm)
        floats = 0
        for i, a in enumerate(args):
            if type(a) is float:
                floats |= 1 << i
        self._floats = floats
        self._hash = hash((functor, args, floats))
        # no variables below (a '$VAR' placeholder counts as one): lets the grounder skip
        # ground subterms when it resolves, renames or compares terms
        self.ground = functor != "$VAR" and all(
            a.ground if type(a) is Term else type(a) is not Var for a in args)

    @property
    def arity(self) -> int:
        return len(self.args)

    @property
    def signature(self) -> tuple[str, int]:
        return (self.functor, len(self.args))

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        return (
            isinstance(other, Term)
            and self._hash == other._hash
            and self._floats == other._floats
            and self.functor == other.functor
            and self.args == other.args
        )

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return format_term(self)

    def with_args(self, args: tuple) -> Term:
        return Term(self.functor, args, self.span)


TermLike = Term | Var | Str | int | float

NIL = Term("[]")
TRUE = Term("true")


def cons(head: TermLike, tail: TermLike) -> Term:
    return Term(".", (head, tail))


def make_list(items, tail: TermLike = NIL) -> TermLike:
    result = tail
    for item in reversed(list(items)):
        result = cons(item, result)
    return result


def list_items(term: TermLike) -> list | None:
    """The items of a proper list, or None when `term` is not one."""
    items = []
    while isinstance(term, Term) and term.functor == "." and len(term.args) == 2:
        items.append(term.args[0])
        term = term.args[1]
    if term == NIL:
        return items
    return None


def is_ground(term: TermLike) -> bool:
    if isinstance(term, Var):
        return False
    if isinstance(term, Term):
        return all(is_ground(a) for a in term.args)
    return True


def substitute(term: TermLike, mapping: dict) -> TermLike:
    """`term` with each variable in `mapping` replaced by its value (ground subterms shared)."""
    if isinstance(term, Var):
        return mapping.get(term, term)
    if isinstance(term, Term) and not term.ground:
        return Term(term.functor, tuple(substitute(a, mapping) for a in term.args), term.span)
    return term


def term_vars(term: TermLike, found: dict | None = None) -> list[Var]:
    """Variables of a term in order of first appearance."""
    if found is None:
        found = {}
    if isinstance(term, Var):
        found.setdefault(term, None)
    elif isinstance(term, Term):
        for a in term.args:
            term_vars(a, found)
    return list(found)


_PLAIN_ATOM = re.compile(r"^[a-z][A-Za-z0-9_]*$")
_SYMBOL_ATOM = re.compile(r"^[+\-*/\\^<>=~:.?@#&$]+$")
# operator priorities and types, for printing with the parentheses ProbLog prints
_OPERATORS = {
    # (":-" is written in call form, `:-(a,(b, c))`, as ProbLog writes a clause inside a term)
    ";": (1100, "xfy"), "->": (1050, "xfy"), ",": (1000, "xfy"),
    ":": (600, "xfy"),
    **{op: (700, "xfx") for op in ("=", "\\=", "==", "\\==", "<", ">", "=<", ">=", "=:=",
                                   "=\\=", "is", "=..", "@<", "@>", "@=<", "@>=", "=>")},
    **{op: (500, "yfx") for op in ("+", "-", "/\\", "\\/", "xor")},
    **{op: (400, "yfx") for op in ("*", "/", "//", "mod", "rem", "<<", ">>", "div")},
    "**": (200, "xfx"), "^": (200, "xfy"),
}
_WORD_OPERATORS = {"is", "mod", "rem", "xor", "div"}


def format_atom(name: str) -> str:
    """An atom as ProbLog writes it: bare when it reads back as itself, else quoted with every
    quote, backslash and control character escaped (so an atom can never print as two lines)."""
    if (_PLAIN_ATOM.fullmatch(name) or _SYMBOL_ATOM.fullmatch(name)
            or name in ("[]", "!", ";", "{}")):
        return name
    return "'" + name.translate(_ESCAPES) + "'"


_ESCAPES = {**{c: f"\\x{c:x}\\" for c in [*range(32), 127]},
            ord("\\"): "\\\\", ord("'"): "\\'", ord("\n"): "\\n", ord("\t"): "\\t",
            ord("\r"): "\\r", 7: "\\a", 8: "\\b", 11: "\\v", 12: "\\f",
            0x2028: "\\x2028\\", 0x2029: "\\x2029\\", 0x85: "\\x85\\"}

_STRING_ESCAPES = {**_ESCAPES, ord("'"): "'", ord('"'): '\\"'}


def _format_int(n: int) -> str:
    """An integer in decimal, however long (past Python's 4,300-digit str() limit)."""
    try:
        return repr(n)
    except ValueError:
        sign, n = ("-", -n) if n < 0 else ("", n)
        chunks = []
        while n:
            n, low = divmod(n, 10**4000)
            chunks.append(low)
        parts = [repr(chunks[-1])] + [repr(c).rjust(4000, "0") for c in reversed(chunks[:-1])]
        return sign + "".join(parts)


def format_term(term: TermLike, limit: int = 1200) -> str:
    """Write a term the way ProbLog prints it (`path(1,5)`, `[1, 2]`, `2*(3+4)`)."""
    if isinstance(term, bool):
        return "true" if term else "false"
    if isinstance(term, float):
        return str(round(term, 15))
    if isinstance(term, int):
        return _format_int(term)
    if isinstance(term, Str):
        return '"' + term.value.translate(_STRING_ESCAPES) + '"'
    if isinstance(term, Var):
        return repr(term)
    if not isinstance(term, Term):
        return str(term)
    if not term.args:
        return format_atom(term.functor)
    if term.functor == "." and len(term.args) == 2:
        items = []
        while isinstance(term, Term) and term.functor == "." and len(term.args) == 2:
            items.append(format_term(term.args[0], 999))
            term = term.args[1]
        if term == NIL:
            return "[" + ", ".join(items) + "]"
        return "[" + ", ".join(items) + " | " + format_term(term, 999) + "]"
    if term.functor == "\\+" and len(term.args) == 1:
        # a whole answer reads `\+p(1)`; inside a term ProbLog writes the call form `\+(p(1))`
        if limit < 1200:
            return "\\+(" + format_term(term.args[0], 999) + ")"
        child = term.args[0]
        if isinstance(child, Term) and child.functor == ";" and len(child.args) == 2:
            return "\\+(" + format_term(child, 1199) + ")"
        return "\\+" + format_term(child, 999)
    if term.functor in (",", ";") and len(term.args) == 2:
        return _format_control(term)
    operator = _OPERATORS.get(term.functor) if len(term.args) == 2 else None
    if operator is not None:
        priority, kind = operator
        left = format_term(term.args[0], priority if kind == "yfx" else priority - 1)
        right = format_term(term.args[1], priority if kind == "xfy" else priority - 1)
        if term.functor == ",":
            text = f"{left}, {right}"
        elif term.functor in _WORD_OPERATORS:
            text = f"{left} {term.functor} {right}"
        else:
            text = f"{left}{term.functor}{right}"
        return f"({text})" if priority > limit else text
    return format_atom(term.functor) + "(" + ",".join(format_term(a, 999) for a in term.args) + ")"


def _format_control(term: Term) -> str:
    """A conjunction or disjunction as ProbLog writes them, whatever surrounds them: a
    conjunction always in parentheses, `(a, b, c)`, a disjunction never, `a; b; c`, except as
    an item of a conjunction, `(a, (b; c))`."""
    text = _format_chain(term, lambda item: format_term(item, 1199))
    return text if term.functor == ";" else f"({text})"


def format_goal(goal: TermLike) -> str:
    """A clause body as ProbLog writes a clause: `a, \\+b, (c; d)` (no parentheses around the
    whole conjunction, `\\+` in prefix form); terms inside goals as `format_term` writes them."""
    if isinstance(goal, Term) and len(goal.args) == 2 and goal.functor in (",", ";"):
        return _format_chain(goal, format_goal)
    if isinstance(goal, Term) and goal.functor == "\\+" and len(goal.args) == 1:
        child = goal.args[0]
        if isinstance(child, Term) and child.functor in (",", ";") and len(child.args) == 2:
            return f"\\+({format_goal(child)})"
        return "\\+" + format_goal(child)
    return format_term(goal)


def _format_chain(term: Term, write) -> str:
    """The items of a right-nested chain of `,` or `;` written by `write`, joined by the
    operator; a disjunction that is an item of a conjunction gets parentheses."""
    functor = term.functor
    items = []
    while isinstance(term, Term) and term.functor == functor and len(term.args) == 2:
        items.append(term.args[0])
        term = term.args[1]
    items.append(term)
    if functor == ";":
        return "; ".join(write(item) for item in items)
    texts = []
    for item in items:
        text = write(item)
        if isinstance(item, Term) and item.functor == ";" and len(item.args) == 2:
            text = f"({text})"
        texts.append(text)
    return ", ".join(texts)


@contextlib.contextmanager
def recursion_limit(limit: int):
    """Raise Python's recursion limit for deep terms (a list of 1,000 items nests 1,000 deep),
    never past what the current thread's stack holds (see `nesy.limits.call_deep`)."""
    from nesy.limits import safe_recursion_limit

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, safe_recursion_limit(limit)))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)
