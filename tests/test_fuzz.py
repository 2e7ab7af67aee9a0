"""Fuzz tests: on any input, nesy either answers or raises a ``nesy.errors.NesyError``.

Inputs are arbitrary text, Prolog-looking token soup, and corpus programs with characters or
tokens deleted, inserted or duplicated.  A few adversarial programs must end in ``LimitError``
quickly instead of hanging.  Every call runs in a forked child that is killed after a hard deadline,
so a hang (even inside a C extension) fails the test instead of stalling the run.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import re
import time
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nesy
from nesy.errors import LimitError, NesyError

PROGRAMS_DIR = Path(__file__).resolve().parent / "programs"
CORPUS_TEXTS = [p.read_text() for p in sorted(PROGRAMS_DIR.glob("*.pl"))]
TIMEOUT_S = 2
LIMITS = nesy.Limits(timeout_s=TIMEOUT_S, max_ground_atoms=20000)
HARD_DEADLINE_S = 20  # far above TIMEOUT_S: only a limit that is not enforced reaches it
MEMORY_CAP_BYTES = 4 << 30

FUZZ_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# fmt: off
TOKENS = [
    "p", "q", "path", "edge", "X", "Y", "_", "a", "b", "1", "0", "-1", "0.5", "1.5", "2e3",
    "(", ")", "[", "]", "|", "{", "}", ",", ".", ". ", ".\n", ";", ":-", "::", "\\+", "not",
    "is", "+", "-", "*", "/", "//", "**", "mod", "=", "\\=", "==", "<", ">=", "=:=", "query",
    "evidence", "true", "false", "between", "findall", "call", "member", "t(0.5)", "'q a'",
    '"str"', "'", '"', "%", "/*", "*/", " ", "\n", "\t", "\\", "0'", "@", "#", "\u00e9", "\x00",
    ":- use_module(library(lists)).", "query(p(X)).", "0.5::p(1).", "p(X) :- q(X).",
]
# fmt: on
MUTATION_INSERTS = TOKENS + ["\n", "(", ")", ".", ",", ":-", "::", "X", "p(X)"]


def _set_memory_cap(extra_bytes: int) -> None:
    """Best effort: cap the address space at its current size plus ``extra_bytes``."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
        cap = pages * resource.getpagesize() + extra_bytes
        resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (ImportError, OSError, ValueError):
        pass


def _child(conn, text: str, do_parse: bool) -> None:
    """In a forked child: parse (optionally) and query, and send back what happened."""
    _set_memory_cap(MEMORY_CAP_BYTES)
    os.chdir(PROGRAMS_DIR)  # a program given as text finds its data files (csv_load) from here
    parsed = None
    try:
        if do_parse:
            try:
                nesy.parse(text, name="fuzz.pl")
                parsed = True
            except NesyError:
                parsed = False
        try:
            result = nesy.query(text, semantics="exact", limits=LIMITS)
            answer = ("ok", {str(k): v for k, v in result.probabilities.items()})
        except NesyError as exc:
            summary = (type(exc).__name__, isinstance(exc, LimitError), str(exc)[:300])
            answer = ("nesy_error", summary)
        conn.send((parsed, *answer))
    except BaseException:
        conn.send((parsed, "other_error", traceback.format_exc(limit=8)))
    finally:
        conn.close()


def run_isolated(text: str, do_parse: bool = True) -> tuple[bool | None, str, object]:
    """(parsed, kind, detail) from parsing and querying ``text`` in a forked child.

    kind is ``ok`` (detail: probabilities), ``nesy_error`` (detail: class name, whether it
    is a LimitError, message), ``other_error`` (detail: a traceback) or ``hang`` (killed
    after HARD_DEADLINE_S).
    A child survives hangs inside C extensions and runaway memory use.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, text, do_parse), daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.poll(HARD_DEADLINE_S):
            outcome = receiver.recv()
        else:
            outcome = (None, "hang", f"no answer after {HARD_DEADLINE_S} s")
    except EOFError:
        outcome = (None, "other_error", f"child died with exit code {process.exitcode}")
    if process.is_alive():
        process.kill()
    process.join()
    receiver.close()
    return outcome


def check_only_nesy_errors(text: str) -> None:
    """Parse and query ``text``: only NesyError may escape, and the two must agree."""
    parsed, kind, detail = run_isolated(text)
    assert kind in ("ok", "nesy_error"), f"{kind}: {detail}\nprogram:\n{text}"
    if kind == "ok":
        assert parsed, f"nesy.query answered a program nesy.parse rejects:\n{text}"
        for key, p in detail.items():
            assert math.isfinite(p) and -1e-9 <= p <= 1 + 1e-9, f"P({key}) = {p}"


@st.composite
def mutated_corpus(draw) -> str:
    """A corpus program with a few characters or tokens deleted, inserted or duplicated."""
    text = draw(st.sampled_from(CORPUS_TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            pieces = list(text)
        else:
            pieces = re.findall(r"\w+|\s+|\S", text)
        if not pieces:
            break
        i = draw(st.integers(0, len(pieces) - 1))
        kind = draw(st.sampled_from(["delete", "insert", "duplicate", "swap"]))
        if kind == "delete":
            j = min(len(pieces), i + draw(st.integers(1, 3)))
            del pieces[i:j]
        elif kind == "insert":
            pieces.insert(i, draw(st.sampled_from(MUTATION_INSERTS)))
        elif kind == "duplicate":
            j = min(len(pieces), i + draw(st.integers(1, 8)))
            pieces[j:j] = pieces[i:j]
        elif i + 1 < len(pieces):
            pieces[i], pieces[i + 1] = pieces[i + 1], pieces[i]
        text = "".join(pieces)
    return text


@settings(FUZZ_SETTINGS, max_examples=50)
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    check_only_nesy_errors(text)


@settings(FUZZ_SETTINGS, max_examples=60)
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map("".join))
def test_token_soup(text: str) -> None:
    check_only_nesy_errors(text)


@settings(FUZZ_SETTINGS, max_examples=90)
@given(mutated_corpus())
def test_mutated_corpus_programs(text: str) -> None:
    check_only_nesy_errors(text)


def test_unmutated_corpus_answers() -> None:
    """The harness itself: every corpus program answers within the fuzz limits."""
    for text in CORPUS_TEXTS:
        _, kind, detail = run_isolated(text, do_parse=False)
        assert kind == "ok" and detail, f"{kind}: {detail}\nprogram:\n{text}"


ADVERSARIAL = {
    "infinite_recursion": "p(X) :- p(s(X)).\nquery(p(a)).\n",
    "infinite_answers": "nat(0).\nnat(s(X)) :- nat(X).\nquery(nat(X)).\n",
    "huge_between": "big(X) :- between(1, 100000000, X).\nquery(big(X)).\n",
    "deep_arithmetic": (
        "sum(0, 0).\n"
        "sum(N, S) :- N > 0, M is N - 1, sum(M, T), S is T + N.\n"
        "query(sum(1000000, S)).\n"
    ),
    "deep_term": (
        "deep(0, 0).\n"
        "deep(N, X + 1) :- N > 0, M is N - 1, deep(M, X).\n"
        "value(V) :- deep(100000, E), V is E.\n"
        "query(value(V)).\n"
    ),
    "paths_2_to_the_30": (
        "0.5::bit(N, 0); 0.5::bit(N, 1) :- between(1, 30, N).\n"
        "word(0, []).\n"
        "word(N, [B | W]) :- N > 0, bit(N, B), M is N - 1, word(M, W).\n"
        "query(word(30, W)).\n"
    ),
    "compile_blowup": (
        "node(X) :- between(1, 20, X).\n"
        "0.5::edge(X, Y) :- node(X), node(Y), X \\= Y.\n"
        "path(X, Y) :- edge(X, Y).\n"
        "path(X, Y) :- path(X, Z), edge(Z, Y).\n"
        "query(path(1, 20)).\n"
    ),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_programs_hit_a_limit(name: str) -> None:
    start = time.perf_counter()
    _, kind, detail = run_isolated(ADVERSARIAL[name], do_parse=False)
    assert kind == "nesy_error" and detail[1], f"expected a LimitError, got {kind}: {detail}"
    assert time.perf_counter() - start < HARD_DEADLINE_S


@pytest.mark.parametrize("depth", [10, 100_000])
def test_deeply_nested_source_terms(depth: int) -> None:
    """A long ``1+1+...+1`` in the source: the right sum or a NesyError, never a crash."""
    text = f"v(X) :- X is {'+'.join(['1'] * depth)}.\nquery(v(_)).\n"
    _, kind, detail = run_isolated(text, do_parse=False)
    if depth == 10 or kind != "nesy_error":
        assert (kind, detail) == ("ok", {f"v({depth})": 1.0})


def test_long_list_literal() -> None:
    """A 20000-element list literal: the right length or a NesyError, never a crash."""
    items = ",".join(str(i % 10) for i in range(20000))
    text = f"n(N) :- length([{items}], N).\nquery(n(_)).\n"
    _, kind, detail = run_isolated(text, do_parse=False)
    if kind != "nesy_error":
        assert (kind, detail) == ("ok", {"n(20000)": 1.0})
