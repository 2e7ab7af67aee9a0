"""Random ProbLog programs in families of constructs, and problog 2.3.0 as the oracle.

Every family draws a *core* program (a domain of constants, probabilistic and deterministic
facts, annotated disjunctions, recursive rules with self, mutual and left recursion, stratified
negation, evidence, ground and non-ground queries) and adds clauses that exercise one construct
(``is/2``, ints next to floats, compound terms and lists, ``;``, ``->``, ``var/1``, ``==``,
negative heads, ``findall/3``, ``<-``, probabilities 0, 1 and ``1/3``, error cases, ...), so
a disagreement names its construct.  ``collect_programs`` draws a family's programs with
hypothesis (generation only, derandomised), runs each through problog once, drops duplicates
(by text), programs whose problog ground formula is too large, and most programs whose
answers are all 0 or 1, and returns them with problog's ``Outcome``: answers, or the name of
the error problog raised.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
import signal
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from hypothesis import strategies as st
from problog import get_evaluatable
from problog.formula import LogicFormula
from problog.program import PrologString

# Importing problog raises the recursion limit to 10000; it is done here, at collection time,
# so that the change does not happen in the middle of a hypothesis run.

CONSTANT_SETS = (
    ("a", "b"),
    ("a", "b", "c"),
    ("1", "2"),
    ("1", "2", "3"),
    ("x",),
    ("a", "b", "c", "d"),
)
# ints next to floats: f(1) and f(1.0) are different terms, 1 =:= 1.0 holds.
NUMBER_SETS = (
    ("1", "1.0"),
    ("1", "2", "1.0"),
    ("0", "0.0", "1"),
    ("1", "2.0", "3"),
    ("2", "2.0", "0.5"),
    ("-1", "1", "1.0"),
)
# compound terms, lists and strings as constants
TERM_SETS = (
    ("f(a)", "f(b)"),
    ("f(a)", "g(a,b)", "a"),
    ("[a,b]", "[b]", "[]"),
    ("[1,2]", "[1]", "f([a])"),
    ('"ab"', '"b"', "ab"),
    ("f(g(a))", "f(a)", "[f(a)]"),
    ("s(0)", "s(s(0))", "0"),
)
TENTHS = tuple(f"0.{t}" for t in range(1, 10))
# probabilities 0 and 1 in several spellings, and expressions problog evaluates
SPECIAL_PROBABILITIES = ("0", "1", "0.0", "1.0", "1/3", "2/3", "1/4", "0.25", "3/10", "0.05")
VARIABLES = ("X", "Y", "Z")
# Ground formulas above this size can take problog seconds to compile (cyclic, many choices).
MAX_GROUND_NODES = 100
# problog runs that take longer are dropped (some findall programs never end).
PROBLOG_SECONDS = 3.0
TOO_SLOW = "too slow"
# problog failing with a Python error (an AssertionError in its evaluator, say) has no answer.
PROBLOG_CRASH = "problog crash"
# Share of programs with only 0/1 answers that are kept (the rest are dropped).
TRIVIAL_KEEP_ONE_IN = 5


@dataclass(frozen=True)
class Outcome:
    """What a system made of a program: answers (``str(term)`` -> probability) or an error."""

    answers: tuple[tuple[str, float], ...] = ()
    error: str | None = None  # the error's class name
    message: str = ""

    def probabilities(self) -> dict[str, float]:
        return dict(self.answers)

    def describe(self) -> str:
        if self.error is not None:
            return f"error {self.error}: {self.message[:200]}"
        return "{" + ", ".join(f"{k}: {v:.6g}" for k, v in sorted(self.answers)) + "}"


def problog_probabilities_uncached(text: str, source_root: str = ".") -> dict[str, float]:
    """Exact probabilities from problog 2.3.0; keys are ``str(term)``.  Files the program
    names (``csv_load/2``, ``consult/1``) are found relative to ``source_root``.

    A non-ground query without answers comes back from problog as the query itself with
    probability 0 and renamed variables (``query(p(X))`` gives ``p(X2): 0.0``); such entries
    are dropped: for nesy such a query simply has no answers.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # problog warns about == and \==
        program = PrologString(text, source_root=source_root)
        result = get_evaluatable().create_from(program).evaluate()
    return {str(t): float(p) for t, p in result.items() if t.is_ground() or float(p) != 0.0}


@functools.lru_cache(maxsize=4096)
def problog_outcome(text: str) -> Outcome:
    """problog's answers for ``text``, or the class name of the error it raised."""
    previous = signal.signal(signal.SIGALRM, _too_slow)
    signal.setitimer(signal.ITIMER_REAL, PROBLOG_SECONDS, RETRY_SECONDS)
    try:
        return Outcome(answers=tuple(sorted(problog_probabilities_uncached(text).items())))
    except _TooSlow:
        return Outcome(error=TOO_SLOW)
    except Exception as exc:
        if not type(exc).__module__.startswith("problog"):  # problog's own bug, not an answer
            return Outcome(error=PROBLOG_CRASH, message=f"{type(exc).__name__}: {exc}")
        return Outcome(error=type(exc).__name__, message=str(exc))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _TooSlow(Exception):
    pass


# the alarm repeats: raised inside a garbage-collector callback (hypothesis installs one), the
# exception is swallowed, and the next one stops problog instead
RETRY_SECONDS = 0.5


def _too_slow(signum, frame):
    raise _TooSlow


def problog_probabilities(text: str, source_root: str = ".") -> dict[str, float]:
    """problog's answers; its error is raised again (for the corpus, which has no errors)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return problog_probabilities_uncached(text, source_root)


def problog_ground_size(text: str) -> int | None:
    """Number of nodes in problog's ground formula (None if grounding fails): a
    machine-independent cost measure."""
    previous = signal.signal(signal.SIGALRM, _too_slow)
    signal.setitimer(signal.ITIMER_REAL, PROBLOG_SECONDS, RETRY_SECONDS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return len(LogicFormula.create_from(PrologString(text)))
    except _TooSlow:
        return MAX_GROUND_NODES + 1
    except Exception:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


T = TypeVar("T")


class Draw(Protocol):
    """The choices a generator makes: hypothesis (which shrinks) or a seeded ``random.Random``
    (about a hundred times faster than hypothesis's bookkeeping, which matters for 2,000
    programs)."""

    def pick(self, items: Sequence[T]) -> T: ...
    def int(self, lo: int, hi: int) -> int: ...
    def bool(self) -> bool: ...
    def subset(self, items: Sequence[T], lo: int, hi: int) -> list[T]: ...
    def sample_list(self, items: Sequence[T], lo: int, hi: int) -> list[T]: ...
    def shuffle(self, items: Sequence[T]) -> list[T]: ...


@dataclass(frozen=True)
class RandomDraw:
    rng: random.Random

    def pick(self, items):
        return items[self.rng.randrange(len(items))]

    def int(self, lo, hi):
        return self.rng.randint(lo, hi)

    def bool(self):
        return self.rng.random() < 0.5

    def subset(self, items, lo, hi):
        return self.rng.sample(list(items), self.rng.randint(lo, min(hi, len(items))))

    def sample_list(self, items, lo, hi):
        return [self.pick(items) for _ in range(self.rng.randint(lo, hi))]

    def shuffle(self, items):
        return self.rng.sample(list(items), len(items))


@dataclass(frozen=True)
class HypothesisDraw:
    draw: Callable

    def pick(self, items):
        return self.draw(st.sampled_from(items))

    def int(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def bool(self):
        return self.draw(st.booleans())

    def subset(self, items, lo, hi):
        return self.draw(st.lists(st.sampled_from(items), min_size=lo, max_size=hi, unique=True))

    def sample_list(self, items, lo, hi):
        return self.draw(st.lists(st.sampled_from(items), min_size=lo, max_size=hi))

    def shuffle(self, items):
        return self.draw(st.permutations(items))


@dataclass(frozen=True)
class Pred:
    name: str
    arity: int
    stratum: int


@dataclass(frozen=True)
class Style:
    """What a core program is made of: its constant sets and its probability spellings."""

    constant_sets: tuple[tuple[str, ...], ...] = CONSTANT_SETS
    probabilities: tuple[str, ...] = TENTHS
    arrow: bool = False  # write some rules with ``<-``


@dataclass(frozen=True)
class Core:
    """A drawn core program, for a family to add clauses to."""

    consts: tuple[str, ...]
    base: tuple[Pred, ...]
    derived: tuple[Pred, ...]
    lines: tuple[str, ...]
    evidence: tuple[str, ...]
    queries: tuple[str, ...]

    @property
    def preds(self) -> tuple[Pred, ...]:
        return self.base + self.derived

    def text(self, extra: list[str] = (), extra_queries: list[str] = ()) -> str:
        lines = [*self.lines, *extra, *self.evidence, *self.queries]
        lines += [f"query({q})." for q in extra_queries]
        return "\n".join(lines) + "\n"


def _atom(name: str, args: list[str] | tuple[str, ...]) -> str:
    return f"{name}({','.join(args)})" if args else name


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _masses(r: Draw, n: int) -> list[int]:
    """``n`` positive masses in tenths whose sum is at most ten."""
    masses = []
    left = 10
    for i in range(n):
        room = left - (n - i - 1)
        masses.append(r.int(1, min(9, room)))
        left -= masses[-1]
    return masses


def _tenths(mass: int) -> str:
    return f"0.{mass}"


def _base_clauses(r: Draw, pred: Pred, consts: tuple[str, ...], probs: tuple[str, ...]) -> list[str]:
    """Clauses defining a bottom-stratum predicate: facts, ``p(X) :- dom(X)`` rules or ADs."""
    tuples = [()]
    for _ in range(pred.arity):
        tuples = [t + (c,) for t in tuples for c in consts]
    kinds = ["facts"]
    if pred.arity >= 1:
        kinds += ["dom_rule", "ad_fact"]
    if pred.arity == 2:
        kinds.append("ad_rule")
    kind = r.pick(kinds)
    name = pred.name
    if kind == "facts":
        chosen = r.subset(tuples, 1, 6)
        clauses = []
        for args in chosen:
            if r.int(0, 4) == 0:
                clauses.append(f"{_atom(name, args)}.")
            else:
                clauses.append(f"{r.pick(probs)}::{_atom(name, args)}.")
        return clauses
    if kind == "dom_rule":
        head_vars = VARIABLES[: pred.arity]
        body = [f"dom({v})" for v in head_vars]
        if pred.arity == 1 and r.bool():
            body.append("dom(W)")  # a body-only variable: one choice per ground instance
        p = r.pick(probs)
        return [f"{p}::{_atom(name, head_vars)} :- {', '.join(body)}."]
    if len(tuples) < 2:
        return [f"{r.pick(probs)}::{_atom(name, tuples[0])}."]
    if kind == "ad_fact":
        chosen = r.subset(tuples, 2, min(3, len(tuples)))
        masses = _masses(r, len(chosen))
        heads = [f"{_tenths(m)}::{_atom(name, a)}" for m, a in zip(masses, chosen, strict=True)]
        return ["; ".join(heads) + "."]
    # ad_rule: p(X, c1); p(X, c2) :- dom(X).
    values = r.subset(consts, 2, len(consts))
    masses = _masses(r, len(values))
    heads = [f"{_tenths(m)}::{name}(X,{c})" for m, c in zip(masses, values, strict=True)]
    return ["; ".join(heads) + " :- dom(X)."]


def _literal_args(r: Draw, arity: int, pool: tuple[str, ...], consts: tuple[str, ...]) -> list[str]:
    return [
        r.pick(consts)
        if r.int(0, 5) == 0
        else r.pick(pool)
        for _ in range(arity)
    ]


def _top_level_args(literal: str) -> list[str]:
    """The arguments of ``literal`` split at top-level commas (constants may be compound)."""
    if "(" not in literal:
        return []
    inside = literal[literal.find("(") + 1 : -1]
    args, depth, current = [], 0, ""
    for ch in inside:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            args.append(current)
            current = ""
        else:
            current += ch
    return [*args, current]


def _mentions(literal: str, var: str) -> bool:
    """Whether ``var`` occurs as an argument of ``literal`` (variables are single letters)."""
    return var in _top_level_args(literal)


def _derived_rule(
    r: Draw, head: Pred, preds: list[Pred], consts: tuple[str, ...], base_case: bool, style: Style
) -> str:
    """One rule for ``head``: positive calls to predicates of the same or lower strata (only
    lower ones for a ``base_case``), then builtin tests, then negated calls to strictly lower
    strata with ground arguments."""
    pool = VARIABLES[: r.int(1, 3)]
    head_args = _literal_args(r, head.arity, pool, consts)
    negatables = [p for p in preds if p.stratum < head.stratum]
    positives = negatables if base_case else [p for p in preds if p.stratum <= head.stratum]

    n_pos = r.int(1, 3)
    body = []
    for i in range(n_pos):
        if i == 0 and not base_case and r.int(0, 2) == 0:
            callee = head  # left recursion
        else:
            callee = r.pick(positives)
        body.append(_atom(callee.name, _literal_args(r, callee.arity, pool, consts)))
    if body == [_atom(head.name, head_args)]:
        body.append("dom(X)")  # a rule "h :- h." is legal but pointless
    bound = {v for lit in body for v in pool if _mentions(lit, v)}
    unbound_head = [v for v in pool if v in head_args and v not in bound]
    doms = [f"dom({v})" for v in unbound_head]
    body = doms + body if r.bool() else body + doms
    bound |= set(unbound_head)
    bound_vars = sorted(bound)

    if len(bound_vars) >= 2 and r.int(0, 4) == 0:
        v1, v2 = r.shuffle(bound_vars)[:2]
        numeric = all(_is_number(c) for c in consts)
        ops = ["\\="] + (["<", "=<", "=\\=", "=:="] if numeric else [])
        body.append(f"{v1} {r.pick(ops)} {v2}")

    if negatables:
        for _ in range(r.int(0, 2)):
            callee = r.pick(negatables)
            args = _literal_args(r, callee.arity, tuple(bound_vars) or consts, consts)
            lit = _atom(callee.name, args)
            if lit in body:
                continue  # "p, \\+ p" is legal but always false
            body.append(f"not({lit})" if r.int(0, 3) == 0 else f"\\+ {lit}")

    kind = r.pick(["plain", "plain", "prob", "ad"])
    if kind == "ad" and head.arity >= 1 and len(consts) >= 2:
        pos = r.int(0, head.arity - 1)
        values = r.subset(consts, 2, len(consts))
        masses = _masses(r, len(values))
        heads = []
        for m, c in zip(masses, values, strict=True):
            args = list(head_args)
            args[pos] = c
            heads.append(f"{_tenths(m)}::{_atom(head.name, args)}")
        head_text = "; ".join(heads)
    elif kind in ("prob", "ad"):
        head_text = f"{r.pick(style.probabilities)}::{_atom(head.name, head_args)}"
    else:
        head_text = _atom(head.name, head_args)
    neck = "<-" if style.arrow and r.bool() else ":-"
    return f"{head_text} {neck} {', '.join(body)}."


def _ground_atom(r: Draw, pred: Pred, consts: tuple[str, ...]) -> str:
    return _atom(pred.name, [r.pick(consts) for _ in range(pred.arity)])


def _query_atom(r: Draw, pred: Pred, consts: tuple[str, ...]) -> str:
    args = []
    for i in range(pred.arity):
        choice = r.int(0, 4)
        if choice < 2:
            args.append(r.pick(consts))
        else:
            args.append("_" if choice == 2 else VARIABLES[i])
    return _atom(pred.name, args)


def core_programs(r: Draw, style: Style = Style()) -> Core:
    """A random stratified program; its evidence may be inconsistent."""
    consts = r.pick(style.constant_sets)
    probs = style.probabilities
    n_base = r.int(1, 4)
    n_derived = r.int(1, 5)
    base = tuple(Pred(f"b{i}", r.int(0, 2), 0) for i in range(n_base))
    strata = sorted([r.int(1, 3) for _ in range(n_derived)])
    derived = tuple(Pred(f"d{i}", r.int(0, 2), s) for i, s in enumerate(strata))
    preds = list(base + derived)

    lines = [f"dom({c})." for c in consts]
    for pred in base:
        lines += _base_clauses(r, pred, consts, probs)
    rules = []
    for pred in derived:
        for i in range(r.int(1, 3)):
            rules.append(_derived_rule(r, pred, preds, consts, i == 0, style))
    lines += r.shuffle(rules)

    evidence = []
    for _ in range(r.pick([0, 0, 0, 1, 1, 2])):
        atom = _ground_atom(r, r.pick(list(derived) + preds), consts)
        form = r.pick(["true", "false", "short"])
        evidence.append(f"evidence({atom})." if form == "short" else f"evidence({atom},{form}).")
    queried = [r.pick(derived)]
    queried += r.sample_list(list(derived) + preds, 0, 3)
    queries = [f"query({_query_atom(r, pred, consts)})." for pred in queried]
    return Core(consts, base, derived, tuple(lines), tuple(evidence), tuple(queries))


# ---------------------------------------------------------------- families of constructs


@dataclass(frozen=True)
class Family:
    """Programs that exercise one construct on top of a core program.

    ``stratified``: the family never builds a negative cycle, so a problog ``NegativeCycle``
    is problog 2.3.0's spurious one (negating a positively cyclic predicate inside another
    open cycle) and the program is dropped rather than compared.
    """

    name: str
    generate: Callable[[Draw], str]
    stratified: bool = True


def _preds_with_arity(core: Core, minimum: int) -> list[Pred]:
    return [p for p in core.preds if p.arity >= minimum]


def _call(r: Draw, core: Core, pred: Pred, pool: tuple[str, ...]) -> str:
    return _atom(pred.name, _literal_args(r, pred.arity, pool, core.consts))


def _core_text(r: Draw, style: Style = Style()) -> str:
    return core_programs(r, style).text()


def _arith(r: Draw) -> str:
    """``is/2`` and arithmetic comparisons over ints and floats."""
    core = core_programs(r, Style(constant_sets=NUMBER_SETS))
    facts = [f"{r.pick(TENTHS)}::n({c})." for c in core.consts]
    sources = [Pred("n", 1, 0), *_preds_with_arity(core, 1)]
    extra, queries = facts, []
    for i in range(r.int(1, 3)):
        src = r.pick(sources)
        call = _call(r, core, src, ("X",))
        if "X" not in _top_level_args(call):
            call = "n(X)"
        op = r.pick(["+", "-", "*", "/", "//", "mod", "max", "min", "**"])
        k = r.pick(["1", "2", "0.5", "1.0", "0", "3"])
        expr = f"{op}(X,{k})" if op in ("max", "min") else f"X {op} {k}"
        kind = r.pick(["is", "cmp", "is_cmp"])
        if kind == "is":
            extra.append(f"x{i}(Y) :- {call}, Y is {expr}.")
            queries += [f"x{i}(_)", f"x{i}({r.pick(['1', '1.0', '2', '2.0'])})"]
        elif kind == "cmp":
            cmp = r.pick(["<", "=<", ">", ">=", "=:=", "=\\="])
            extra.append(f"x{i}(X) :- {call}, n(Y), X {cmp} Y.")
            queries.append(f"x{i}(_)")
        else:
            cmp = r.pick(["<", "=:=", ">="])
            extra.append(f"x{i} :- {call}, {expr} {cmp} {k}.")
            queries.append(f"x{i}")
    return core.text(extra, queries)


def _int_float(r: Draw) -> str:
    """Ints next to equal floats as arguments: ``f(1)`` and ``f(1.0)`` are different atoms."""
    core = core_programs(r, Style(constant_sets=NUMBER_SETS))
    queries = [_query_atom(r, p, core.consts) for p in _preds_with_arity(core, 1)[:3]]
    return core.text([], queries)


def _terms(r: Draw) -> str:
    """Compound terms, lists and strings as arguments, taken apart by unification."""
    core = core_programs(r, Style(constant_sets=TERM_SETS))
    patterns = ["f(A)", "[A|_]", "[_|A]", "g(A,_)", "s(A)", "[A]", "A"]
    extra, queries = [], []
    sources = _preds_with_arity(core, 1) or [Pred("dom", 1, 0)]
    for i in range(r.int(1, 3)):
        src = r.pick(sources)
        args = ["_"] * src.arity
        args[r.int(0, src.arity - 1)] = r.pick(patterns)
        kind = r.pick(["match", "build", "member"])
        if kind == "match":
            extra.append(f"x{i}(A) :- {_atom(src.name, args)}.")
        elif kind == "build":
            extra.append(f"x{i}(L) :- {_atom(src.name, args)}, L = [A,h(A)].")
        else:
            extra.append(f"x{i}(A) :- {_atom(src.name, args)}, member(A, [a,[],f(a),1]).")
        queries.append(f"x{i}(_)")
    return ":- use_module(library(lists)).\n" + core.text(extra, queries)


def _two_literals(r: Draw, core: Core, pool: tuple[str, ...]) -> tuple[str, str, str]:
    preds = list(core.preds)
    return tuple(_call(r, core, r.pick(preds), pool) for _ in range(3))


def _disjunction(r: Draw) -> str:
    """``;`` inside rule bodies (also under negation)."""
    core = core_programs(r)
    extra, queries = [], []
    for i in range(r.int(1, 2)):
        a, b, c = _two_literals(r, core, core.consts)
        form = r.pick(["({a} ; {b})", "{a}, ({b} ; {c})", "({a} ; \\+ {b})",
                                     "\\+ ({a} ; {b})", "({a}, {b} ; {c})"])
        extra.append(f"x{i} :- {form.format(a=a, b=b, c=c)}.")
        queries.append(f"x{i}")
    return core.text(extra, queries)


def _if_then_else(r: Draw) -> str:
    """``->`` in bodies: problog 2.3.0 has no clauses for ``'->'/2`` and raises."""
    core = core_programs(r)
    a, b, c = _two_literals(r, core, core.consts)
    form = r.pick(["({a} -> {b} ; {c})", "({a} -> {b})", "(dom({k}) -> {b} ; {c})"])
    k = core.consts[0]
    return core.text([f"x0 :- {form.format(a=a, b=b, c=c, k=k)}."], ["x0"])


def _type_tests(r: Draw) -> str:
    """``var/1``, ``nonvar/1``, ``==`` and ``\\==``, also on calls to tabled predicates."""
    core = core_programs(r)
    c = r.pick(core.consts)
    ones = _preds_with_arity(core, 1) or [Pred("dom", 1, 0)]
    p, q = r.pick(ones), r.pick(ones)
    pa = _atom(p.name, ["X"] + ["_"] * (p.arity - 1))
    qa = _atom(q.name, ["Y"] + ["_"] * (q.arity - 1))
    templates = [
        f"x0(X,Y) :- {pa}, var(Y), Y = {c}.",
        f"x0(X,Y) :- {pa}, {qa}, X == Y.",
        f"x0(X,Y) :- {pa}, {qa}, X \\== Y.",
        f"x0(X,Y) :- {pa}, nonvar(X), Y = X.",
        f"x0(X,Y) :- var(Y), {pa}, Y = X.",
        f"x0(X,Y) :- X == Y, {pa}, Y = X.",
    ]
    extra = r.subset(templates, 1, 3)
    callers = [
        "x1 :- x0(Z,Z).", "x1 :- x0(_,_).", f"x1 :- x0({c},_).", "x1 :- x0(Z,W), Z \\== W.",
        "x1 :- x0(Z,W), var(W).", f"x1 :- x0(Z,W), Z == {c}.",
    ]
    extra += r.subset(callers, 1, 2)
    return core.text(extra, ["x0(_,_)", "x1", f"x0({c},_)"])


def _non_ground(r: Draw) -> str:
    """Calls with unbound arguments (also to recursive predicates), ``call/1`` of a bound
    variable, and non-ground queries."""
    core = core_programs(r)
    twos = _preds_with_arity(core, 2) or [Pred("dom", 1, 0)]
    p, q = r.pick(twos), r.pick(list(core.preds))
    pa = _atom(p.name, ["X", "Y"][: p.arity])
    qa = _atom(q.name, ["Y", "_"][: q.arity])
    rules = [
        f"x0(X) :- {pa}, {qa}.",
        f"x0(X) :- {_atom(p.name, ['_'] * p.arity)}, dom(X).",
        f"x0(X) :- G = {pa}, call(G).",
        f"x0(X) :- {qa}, {pa}.",
    ]
    extra = r.subset(rules, 1, 2)
    extra.append(r.pick(["x1 :- x0(_).", "x1 :- x0(X), \\+ x0(X).",
                                       f"x1 :- x0({core.consts[-1]})."]))
    return core.text(extra, ["x0(_)", "x1", _query_atom(r, p, core.consts)])


def _negative_heads(r: Draw) -> str:
    """``\\+a :- c.`` and ``0.5::\\+a :- c.`` on probabilistic base predicates."""
    core = core_programs(r)
    target = r.pick(list(core.base))
    others = [p for p in core.base if p != target] + [Pred("dom", 1, 0)]
    extra = []
    for _ in range(r.int(1, 2)):
        body_pred = r.pick(others)
        head = _atom(target.name, _literal_args(r, target.arity, ("X",), core.consts))
        body = _atom(body_pred.name, _literal_args(r, body_pred.arity, ("X",), core.consts))
        if "X" in _top_level_args(head) and "X" not in _top_level_args(body):
            body += ", dom(X)"
        prob = r.pick(["", "", *TENTHS[::2]])
        extra.append(f"{prob}{'::' if prob else ''}\\+{head} :- {body}.")
    return core.text(extra, [_query_atom(r, target, core.consts)])


def _findall(r: Draw) -> str:
    """``findall/3`` over probabilistic goals (and ``length/2`` of the result)."""
    core = core_programs(r)
    ones = [p for p in core.base if p.arity >= 1] or [Pred("dom", 1, 0)]  # problog loops on recursive ones
    p = r.pick(ones)
    goal = _atom(p.name, ["X"] + ["_"] * (p.arity - 1))
    form = r.pick([
        f"x0(L) :- findall(X, {goal}, L).",
        f"x0(N) :- findall(X, {goal}, L), length(L, N).",
        f"x0(L) :- findall(X, ({goal}, dom(X)), L).",
        f"x0(yes) :- findall(X, {goal}, [_|_]).",
    ])
    return core.text([form], ["x0(_)"])


def _special_probabilities(r: Draw) -> str:
    """Probabilities 0 and 1 (``0``, ``1.0``, ...) and expressions such as ``1/3``."""
    probs = TENTHS + SPECIAL_PROBABILITIES
    return core_programs(r, Style(probabilities=probs)).text()


def _error_cases(r: Draw) -> str:
    """Programs problog rejects: inconsistent evidence, negation that is not stratified,
    non-ground probabilistic clauses, instantiation and type errors, unknown predicates,
    non-ground queries and evidence."""
    core = core_programs(r)
    c = r.pick(core.consts)
    p = r.pick(list(core.preds))
    pa = _ground_atom(r, p, core.consts)
    case = r.pick([
        "inconsistent", "certain_false", "negative_cycle", "negative_loop", "non_ground_prob",
        "instantiation", "comparison", "unknown", "type", "non_ground_query",
        "non_ground_evidence",
    ])
    extra, queries, evidence = [], ["x0"], []
    if case == "inconsistent":
        evidence = [f"evidence({pa},true).", f"evidence({pa},false)."]
    elif case == "certain_false":
        evidence = [f"evidence(dom({c}),false)."]
    elif case == "negative_cycle":
        extra = [f"x0 :- {pa}, \\+ x1.", "x1 :- \\+ x0."]
    elif case == "negative_loop":
        extra = [f"x0 :- {pa}, \\+ x0."]
    elif case == "non_ground_prob":
        extra = ["0.4::x1(X).", r.pick(["x0 :- x1(_).", f"x0 :- x1({c})."])]
    elif case == "instantiation":
        extra = [f"x0 :- {pa}, Y is X + 1."]
    elif case == "comparison":
        extra = [f"x0 :- {pa}, X < 2."]
    elif case == "unknown":
        extra = [f"x0 :- {pa}, undefined_{p.name}(X)."]
    elif case == "type":
        extra = [f"x0 :- {pa}, X is {c} + 1."]
    elif case == "non_ground_query":
        extra, queries = [f"x1(Y) :- {pa}."], ["x1(_)"]
    else:
        evidence = [f"evidence({_atom(p.name, ['_'] * p.arity)})."]
    text = core.text(extra, queries)
    return text + "".join(f"{e}\n" for e in evidence)


def _assert(r: Draw) -> str:
    """library(assert): clauses added and removed by directives and by a query's own goal
    (assertz/1, retract/1, retractall/1), seen by the queries grounded after it (problog
    grounds the queries in order): the same goals queried before and after the change."""
    core = core_programs(r)
    c = core.consts
    base = r.pick(list(core.base))
    derived = r.pick(list(core.derived))
    facts = [f"x3({k})." for k in r.subset(c, 1, 3)]
    if r.bool():
        facts.append(f"{r.pick(TENTHS)}::x3({r.pick(c)}).")
    extra = [":- use_module(library(assert)).", *r.shuffle(facts)]
    queries = ["x1(_)", "x5"]
    if r.bool():
        extra.append(f":- assertz({_ground_atom(r, base, c)}).")
    if r.bool():
        call = _atom(base.name, _literal_args(r, base.arity, ("X",), c))
        extra.append(f":- assertz((x4(X) :- dom(X), {call})).")
        queries.append("x4(_)")
    with_x = _atom(base.name, _literal_args(r, base.arity, ("X",), c))
    extra.append(r.pick([
        f"x0 :- assertz({_ground_atom(r, base, c)}).",
        f"x0 :- {_ground_atom(r, base, c)}, assertz(x3({r.pick(c)})).",
        f"x0 :- assertz((x3(X) :- dom(X), {with_x})).",
        f"x0 :- retract(x3({r.pick(c)})).",
        "x0 :- retract(x3(_)).",
        f"x0 :- retractall(x3({r.pick(c)})).",
        f"x0 :- retractall({_atom(base.name, ['_'] * base.arity)}).",
    ]))
    target = _query_atom(r, derived, c)
    extra += ["x1(X) :- x3(X).", "x2(X) :- x3(X).", f"x5 :- {target}.", f"x6 :- {target}."]
    return core.text(extra, [*queries, "x0", "x2(_)", "x6"])


PEOPLE = ("n0", "n1", "n2", "n3", "n4")
RULE_PROBABILITIES = ("", "0.9", "0.95", "0.98", *TENTHS[::2])


def _composition(r: Draw) -> str:
    """CLUTRR-like kinship composition: binary relations over a few people and rules
    ``r(X,Y) :- s(X,Z), t(Z,Y).`` (some inverse, ``r(X,Y) :- s(Y,X).``) that make cyclic
    components entered at several atoms, with facts of relations the rules also derive, written
    before, between or after the rules (a component's atom certain only by a later clause).
    Queries ask mostly for atoms that are derivable but not certain."""
    people = PEOPLE[: r.int(3, len(PEOPLE))]
    relations = [f"r{i}" for i in range(r.int(2, 4))]
    rules, shapes = [], []
    for _ in range(r.int(2, 6)):
        head, left, right = r.pick(relations), r.pick(relations), r.pick(relations)
        prob = r.pick(RULE_PROBABILITIES)
        inverse = r.int(0, 5) == 0 and left != head
        body = f"{left}(Y,X)" if inverse else f"{left}(X,Z), {right}(Z,Y)"
        rules.append(f"{prob}{'::' if prob else ''}{head}(X,Y) :- {body}.")
        shapes.append((head, left, None if inverse else right, prob == ""))
    facts, possible, certain = [], set(), set()
    for i in range(r.int(max(2, len(relations)), 5)):
        first = relations[i] if i < len(relations) else r.pick(relations)  # none undefined
        x, y = r.pick(people), r.pick(people)
        # often with a converse (father(a,b), daughter(b,a)): cycles through the facts
        for relation, pair in [(first, (x, y))] + [(r.pick(relations), (y, x))] * r.bool():
            possible.add((relation, *pair))
            if r.int(0, 3):
                facts.append(f"{_atom(relation, pair)}.")
                certain.add((relation, *pair))
            else:
                facts.append(f"{r.pick(TENTHS)}::{_atom(relation, pair)}.")
    facts = r.shuffle(facts)
    layout = r.pick(["rules_first", "rules_first", "rules_first", "facts_first", "mixed"])
    if layout == "rules_first":
        lines = rules + facts
    elif layout == "facts_first":
        lines = facts + rules
    else:
        lines = r.shuffle(rules + facts)
    possible = _compose(shapes, possible)
    certain = _compose([s for s in shapes if s[3]], certain)
    heads = {shape[0] for shape in shapes}
    kinds = {  # certain atoms that rules derive too: the components' entry points
        "uncertain": sorted(possible - certain),
        "certain": sorted(a for a in certain if a[0] in heads),
        "any": [(rel, x, y) for rel in relations for x in people for y in people],
    }
    queries = []
    for i in range(r.int(1, 3)):
        kind = r.pick(["certain", "uncertain"] if i == 0 else ["uncertain", "certain", "any"])
        relation, *pair = r.pick(kinds[kind] or kinds["any"])
        queries.append(_atom(relation, pair))
    if r.int(0, 3) == 0:
        queries.append(_atom(r.pick(relations), [r.pick(people), "_"]))
    return "\n".join(lines + [f"query({q})." for q in queries]) + "\n"


def _compose(shapes: list[tuple], facts: set[tuple]) -> set[tuple]:
    """The atoms ``(relation, x, y)`` that composition rules ``(head, left, right or None for
    an inverse, _)`` derive from ``facts``: a least fixpoint."""
    atoms = set(facts)
    while True:
        new = set()
        for head, left, right, _ in shapes:
            for rel, x, z in atoms:
                if rel != left:
                    continue
                if right is None:
                    new.add((head, z, x))
                    continue
                new.update((head, x, y) for rel2, z2, y in atoms if rel2 == right and z2 == z)
        if new <= atoms:
            return atoms
        atoms |= new


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("core", _core_text),
        Family("special_probabilities", _special_probabilities),
        Family("arrow_clauses", functools.partial(_core_text, style=Style(arrow=True))),
        Family("arithmetic", _arith),
        Family("int_float", _int_float),
        Family("terms_lists_strings", _terms),
        Family("disjunction", _disjunction),
        Family("if_then_else", _if_then_else),
        Family("type_tests", _type_tests),
        Family("non_ground_calls", _non_ground),
        Family("negative_heads", _negative_heads),
        Family("findall", _findall),
        Family("assert", _assert),
        Family("composition", _composition),
        Family("errors", _error_cases, stratified=False),
    )
}


def _trivial(outcome: Outcome) -> bool:
    return outcome.error is None and all(p in (0.0, 1.0) for _, p in outcome.answers)


def _keep_trivial(text: str) -> bool:
    """A fixed (hash-chosen) one in ``TRIVIAL_KEEP_ONE_IN`` of the 0/1-only programs."""
    return int(hashlib.sha1(text.encode()).hexdigest(), 16) % TRIVIAL_KEEP_ONE_IN == 0


def _cycle_in_extra(outcome: Outcome, text: str) -> bool:
    """Whether problog's ``NegativeCycle`` points at a family's own ``x`` clause (else it is
    problog's spurious one inside the stratified core)."""
    found = re.search(r" at (\d+):\d+", outcome.message)
    lines = text.splitlines()
    return bool(found) and lines[int(found.group(1)) - 1].startswith("x")


def accept(text: str, family: Family) -> Outcome | None:
    """problog's outcome for a drawn program, or None where the program is dropped."""
    size = problog_ground_size(text)
    if size is not None and size > MAX_GROUND_NODES:
        return None
    outcome = problog_outcome(text)
    if outcome.error in (TOO_SLOW, PROBLOG_CRASH):
        return None
    if outcome.error == "NegativeCycle" and (family.stratified or not _cycle_in_extra(outcome, text)):
        return None
    if _trivial(outcome) and not _keep_trivial(text):
        return None
    return outcome


@functools.lru_cache(maxsize=64)
def collect_programs(name: str, count: int, seed: int = 0) -> tuple[tuple[str, Outcome], ...]:
    """``count`` distinct programs of family ``name`` with problog's outcomes, always the same
    ones for a ``seed`` (a larger ``count`` extends the list); fewer only if the family runs
    out of new programs."""
    family = FAMILIES[name]
    rng = random.Random(f"{name}/{seed}")
    found: dict[str, Outcome] = {}
    tried: set[str] = set()
    for _ in range(count * 20):
        if len(found) >= count:
            break
        text = family.generate(RandomDraw(rng))
        if text in tried:
            continue
        tried.add(text)
        outcome = accept(text, family)
        if outcome is not None:
            found[text] = outcome
    return tuple(found.items())


def family_strategy(name: str) -> st.SearchStrategy[str]:
    """The family's programs as a hypothesis strategy (shrinks), unfiltered."""
    return st.composite(lambda draw: FAMILIES[name].generate(HypothesisDraw(draw)))()


def reduce_program(text: str, still_fails: Callable[[str], bool], budget: int = 200) -> str:
    """A smaller program (whole lines removed, greedily) for which ``still_fails`` holds."""
    lines = text.splitlines()
    changed = True
    while changed and budget > 0:
        changed = False
        for i in range(len(lines) - 1, -1, -1):
            if budget <= 0:
                break
            candidate = lines[:i] + lines[i + 1 :]
            budget -= 1
            if candidate and still_fails("\n".join(candidate) + "\n"):
                lines = candidate
                changed = True
    return "\n".join(lines) + "\n"


__all__ = ["FAMILIES", "Family", "Outcome", "collect_programs", "reduce_program"]
