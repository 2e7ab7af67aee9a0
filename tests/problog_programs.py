"""Hypothesis strategy for random valid ProbLog programs, and problog as the oracle.

``programs()`` draws small programs that problog evaluates in well under a second: a domain of
constants, probabilistic and deterministic facts, annotated disjunctions (facts and rules),
recursive rules (self and mutual recursion, left recursion), stratified negation, evidence and
several (possibly non-ground) queries.  A drawn program is run through problog at once:
programs with inconsistent evidence, ones problog 2.3.0 wrongly calls a ``NegativeCycle``, and
ones whose ground formula exceeds ``MAX_GROUND_NODES`` are rejected (``assume``), so every
example is one problog answers, in at most about 0.1 s.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from hypothesis import assume
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
TENTHS = tuple(range(1, 10))
VARIABLES = ("X", "Y", "Z")
# Ground formulas above this size can take problog seconds to compile (cyclic, many choices).
MAX_GROUND_NODES = 100


def problog_probabilities_uncached(text: str) -> dict[str, float]:
    """Exact probabilities from problog 2.3.0; keys are ``str(term)``.

    A non-ground query without answers comes back from problog as the query itself with
    probability 0 and renamed variables (``query(p(X))`` gives ``p(X2): 0.0``); such entries
    are dropped: for nesy such a query simply has no answers.
    """
    result = get_evaluatable().create_from(PrologString(text)).evaluate()
    return {str(t): float(p) for t, p in result.items() if t.is_ground() or float(p) != 0.0}


@functools.lru_cache(maxsize=1024)
def _cached(text: str) -> tuple[tuple[str, float], ...] | BaseException:
    try:
        return tuple(problog_probabilities_uncached(text).items())
    except Exception as exc:  # remembered so that the test sees the same error again
        return exc


def problog_probabilities(text: str) -> dict[str, float]:
    """Like :func:`problog_probabilities_uncached`, memoised (the strategy already ran it)."""
    result = _cached(text)
    if isinstance(result, BaseException):
        raise result
    return dict(result)


def is_rejected(exc: BaseException) -> bool:
    """Whether problog declined a generated program for a reason that is not a generator bug:
    evidence of probability zero, or problog 2.3.0's spurious ``NegativeCycle`` on some
    stratified programs (negating a positively cyclic predicate inside another open cycle)."""
    return type(exc).__name__ in ("InconsistentEvidenceError", "NegativeCycle")


@dataclass(frozen=True)
class Pred:
    name: str
    arity: int
    stratum: int


def _prob(tenths: int) -> str:
    return f"0.{tenths}"


def _atom(name: str, args: list[str] | tuple[str, ...]) -> str:
    return f"{name}({','.join(args)})" if args else name


@st.composite
def _masses(draw, n: int) -> list[int]:
    """``n`` positive masses in tenths whose sum is at most ten."""
    masses = []
    left = 10
    for i in range(n):
        room = left - (n - i - 1)
        masses.append(draw(st.integers(1, min(9, room))))
        left -= masses[-1]
    return masses


@st.composite
def _base_clauses(draw, pred: Pred, consts: tuple[str, ...]) -> list[str]:
    """Clauses defining a bottom-stratum predicate: facts, ``p(X) :- dom(X)`` rules or ADs."""
    tuples = [()]
    for _ in range(pred.arity):
        tuples = [t + (c,) for t in tuples for c in consts]
    kinds = ["facts"]
    if pred.arity >= 1:
        kinds += ["dom_rule", "ad_fact"]
    if pred.arity == 2:
        kinds.append("ad_rule")
    kind = draw(st.sampled_from(kinds))
    name = pred.name
    if kind == "facts":
        chosen = draw(st.lists(st.sampled_from(tuples), min_size=1, max_size=6, unique=True))
        clauses = []
        for args in chosen:
            if draw(st.integers(0, 4)) == 0:
                clauses.append(f"{_atom(name, args)}.")
            else:
                clauses.append(f"{_prob(draw(st.sampled_from(TENTHS)))}::{_atom(name, args)}.")
        return clauses
    if kind == "dom_rule":
        head_vars = VARIABLES[: pred.arity]
        body = [f"dom({v})" for v in head_vars]
        if pred.arity == 1 and draw(st.booleans()):
            body.append("dom(W)")  # a body-only variable: one choice per ground instance
        p = _prob(draw(st.sampled_from(TENTHS)))
        return [f"{p}::{_atom(name, head_vars)} :- {', '.join(body)}."]
    if len(tuples) < 2:
        return [f"{_prob(draw(st.sampled_from(TENTHS)))}::{_atom(name, tuples[0])}."]
    if kind == "ad_fact":
        chosen = draw(
            st.lists(st.sampled_from(tuples), min_size=2, max_size=min(3, len(tuples)), unique=True)
        )
        masses = draw(_masses(len(chosen)))
        heads = [f"{_prob(m)}::{_atom(name, args)}" for m, args in zip(masses, chosen, strict=True)]
        return ["; ".join(heads) + "."]
    # ad_rule: p(X, c1); p(X, c2) :- dom(X).
    values = draw(st.lists(st.sampled_from(consts), min_size=2, max_size=len(consts), unique=True))
    masses = draw(_masses(len(values)))
    heads = [f"{_prob(m)}::{name}(X,{c})" for m, c in zip(masses, values, strict=True)]
    return ["; ".join(heads) + " :- dom(X)."]


@st.composite
def _literal_args(draw, arity: int, pool: tuple[str, ...], consts: tuple[str, ...]) -> list[str]:
    return [
        draw(st.sampled_from(consts))
        if draw(st.integers(0, 5)) == 0
        else draw(st.sampled_from(pool))
        for _ in range(arity)
    ]


@st.composite
def _derived_rule(
    draw, head: Pred, preds: list[Pred], consts: tuple[str, ...], base_case: bool
) -> str:
    """One rule for ``head``: positive calls to predicates of the same or lower strata (only
    lower ones for a ``base_case``), then builtin tests, then negated calls to strictly lower
    strata with ground arguments."""
    pool = VARIABLES[: draw(st.integers(1, 3))]
    head_args = draw(_literal_args(head.arity, pool, consts))
    negatables = [p for p in preds if p.stratum < head.stratum]
    positives = negatables if base_case else [p for p in preds if p.stratum <= head.stratum]

    n_pos = draw(st.integers(1, 3))
    body = []
    for i in range(n_pos):
        if i == 0 and not base_case and draw(st.integers(0, 2)) == 0:
            callee = head  # left recursion
        else:
            callee = draw(st.sampled_from(positives))
        body.append(_atom(callee.name, draw(_literal_args(callee.arity, pool, consts))))
    if body == [_atom(head.name, head_args)]:
        body.append("dom(X)")  # a rule "h :- h." is legal but pointless
    bound = {v for lit in body for v in pool if _mentions(lit, v)}
    unbound_head = [v for v in pool if v in head_args and v not in bound]
    doms = [f"dom({v})" for v in unbound_head]
    body = doms + body if draw(st.booleans()) else body + doms
    bound |= set(unbound_head)
    bound_vars = sorted(bound)

    if len(bound_vars) >= 2 and draw(st.integers(0, 4)) == 0:
        v1, v2 = draw(st.permutations(bound_vars))[:2]
        ops = ["\\="] + (["<", "=<", "=\\="] if consts[0].isdigit() else [])
        body.append(f"{v1} {draw(st.sampled_from(ops))} {v2}")

    if negatables:
        for _ in range(draw(st.integers(0, 2))):
            callee = draw(st.sampled_from(negatables))
            args = draw(_literal_args(callee.arity, tuple(bound_vars) or consts, consts))
            lit = _atom(callee.name, args)
            if lit in body:
                continue  # "p, \\+ p" is legal but always false
            body.append(f"not({lit})" if draw(st.integers(0, 3)) == 0 else f"\\+ {lit}")

    kind = draw(st.sampled_from(["plain", "plain", "prob", "ad"]))
    if kind == "ad" and head.arity >= 1 and len(consts) >= 2:
        pos = draw(st.integers(0, head.arity - 1))
        values = draw(
            st.lists(st.sampled_from(consts), min_size=2, max_size=len(consts), unique=True)
        )
        masses = draw(_masses(len(values)))
        heads = []
        for m, c in zip(masses, values, strict=True):
            args = list(head_args)
            args[pos] = c
            heads.append(f"{_prob(m)}::{_atom(head.name, args)}")
        head_text = "; ".join(heads)
    elif kind in ("prob", "ad"):
        head_text = f"{_prob(draw(st.sampled_from(TENTHS)))}::{_atom(head.name, head_args)}"
    else:
        head_text = _atom(head.name, head_args)
    return f"{head_text} :- {', '.join(body)}."


def _mentions(literal: str, var: str) -> bool:
    """Whether ``var`` occurs as an argument of ``literal`` (variables are single letters)."""
    inside = literal[literal.find("(") + 1 : -1] if "(" in literal else ""
    return var in inside.split(",")


@st.composite
def _ground_atom(draw, pred: Pred, consts: tuple[str, ...]) -> str:
    return _atom(pred.name, [draw(st.sampled_from(consts)) for _ in range(pred.arity)])


@st.composite
def _query_atom(draw, pred: Pred, consts: tuple[str, ...]) -> str:
    args = []
    for i in range(pred.arity):
        choice = draw(st.integers(0, 4))
        if choice < 2:
            args.append(draw(st.sampled_from(consts)))
        else:
            args.append("_" if choice == 2 else VARIABLES[i])
    return _atom(pred.name, args)


@st.composite
def program_texts(draw) -> str:
    """A random ProbLog program; its evidence may still be inconsistent."""
    consts = draw(st.sampled_from(CONSTANT_SETS))
    n_base = draw(st.integers(1, 4))
    n_derived = draw(st.integers(1, 5))
    base = [Pred(f"b{i}", draw(st.integers(0, 2)), 0) for i in range(n_base)]
    strata = sorted(draw(st.lists(st.integers(1, 3), min_size=n_derived, max_size=n_derived)))
    derived = [Pred(f"d{i}", draw(st.integers(0, 2)), s) for i, s in enumerate(strata)]
    preds = base + derived

    lines = [f"dom({c})." for c in consts]
    for pred in base:
        lines += draw(_base_clauses(pred, consts))
    rules = []
    for pred in derived:
        for i in range(draw(st.integers(1, 3))):
            rules.append(draw(_derived_rule(pred, preds, consts, base_case=i == 0)))
    lines += draw(st.permutations(rules))

    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2]))):
        atom = draw(_ground_atom(draw(st.sampled_from(derived + preds)), consts))
        form = draw(st.sampled_from(["true", "false", "short"]))
        lines.append(f"evidence({atom})." if form == "short" else f"evidence({atom},{form}).")
    queried = [draw(st.sampled_from(derived))]
    queried += draw(st.lists(st.sampled_from(derived + preds), max_size=3))
    for pred in queried:
        lines.append(f"query({draw(_query_atom(pred, consts))}).")
    return "\n".join(lines) + "\n"


def problog_ground_size(text: str) -> int:
    """Number of nodes in problog's ground formula: a machine-independent cost measure."""
    return len(LogicFormula.create_from(PrologString(text)))


@st.composite
def programs(draw) -> str:
    """A random valid ProbLog program with consistent evidence that problog evaluates fast."""
    text = draw(program_texts())
    try:
        size = problog_ground_size(text)
        if size <= MAX_GROUND_NODES:
            problog_probabilities(text)
    except Exception as exc:
        if not is_rejected(exc):
            raise
        size = None
    assume(size is not None and size <= MAX_GROUND_NODES)
    return text
