"""Differential tests: nesy's exact inference must agree with problog 2.3.0.

Random programs come from ``problog_programs.programs()`` and are checked against problog run in
the same process; the corpus in ``tests/programs`` is checked against its ``% expect:`` lines.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from problog_programs import problog_probabilities, programs

import nesy

PROGRAMS_DIR = Path(__file__).resolve().parent / "programs"
CORPUS = sorted(PROGRAMS_DIR.glob("*.pl"))
EXPECT_PREFIX = "% expect: "
RANDOM_TOLERANCE = 1e-9
CORPUS_TOLERANCE = 1e-6


def parse_expect(text: str) -> dict[str, float]:
    """The ``% expect: atom = probability`` lines of a corpus program."""
    expected = {}
    for line in text.splitlines():
        if line.startswith(EXPECT_PREFIX):
            key, sep, value = line[len(EXPECT_PREFIX) :].rpartition(" = ")
            assert sep, f"malformed expect line: {line!r}"
            assert key not in expected, f"duplicate expect line for {key}"
            expected[key] = float(value)
    return expected


def ground_queries(text: str) -> set[str]:
    """The atoms of ``query(...)`` lines without variables in a generated program."""
    found = set()
    for line in text.splitlines():
        if line.startswith("query(") and line.endswith(")."):
            atom = line[len("query(") : -len(").")]
            if not any(ch.isupper() or ch == "_" for ch in atom):
                found.add(atom)
    return found


def assert_same_probabilities(
    actual: dict[str, float],
    expected: dict[str, float],
    tolerance: float,
    text: str,
    required: set[str] = frozenset(),
) -> None:
    """Each probability within ``tolerance`` (absolute) of problog's.

    An answer only one side reports must have probability 0 there: which zero-probability
    answers of a non-ground query problog lists depends on how its grounder simplifies
    formulas (``p(X) :- q(X), \\+ q(X).`` gives no answer).  The ``required`` atoms (ground
    queries) must always be answered.
    """
    missing = sorted(required - set(actual))
    assert not missing, f"ground queries without an answer: {missing}\nprogram:\n{text}"
    one_sided = {
        key: value
        for side, other in ((actual, expected), (expected, actual))
        for key, value in side.items()
        if key not in other and not abs(value) <= tolerance
    }
    assert not one_sided, (
        f"query answers differ\n  nesy only:    {sorted(set(actual) - set(expected))}\n"
        f"  problog only: {sorted(set(expected) - set(actual))}\nprogram:\n{text}"
    )
    wrong = {
        key: (actual[key], expected[key])
        for key in set(expected) & set(actual)
        if not (
            isinstance(actual[key], float)
            and math.isfinite(actual[key])
            and abs(actual[key] - expected[key]) <= tolerance
        )
    }
    assert not wrong, f"probabilities differ (nesy, problog): {wrong}\nprogram:\n{text}"


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(programs())
def test_random_programs_match_problog(text: str) -> None:
    expected = problog_probabilities(text)
    actual = nesy.query(text, semantics="exact").probabilities
    assert_same_probabilities(actual, expected, RANDOM_TOLERANCE, text, ground_queries(text))


def test_corpus_is_present() -> None:
    assert len(CORPUS) >= 25
    for path in CORPUS:
        assert parse_expect(path.read_text()), f"{path.name} has no % expect: line"


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_expectations_are_problogs(path: Path) -> None:
    """The expect lines are what problog computes (else run regenerate_expected.py)."""
    text = path.read_text()
    expected = parse_expect(text)
    actual = problog_probabilities(text)
    assert set(actual) == set(expected), f"{path.name}: answers {sorted(actual)}"
    assert_same_probabilities(actual, expected, CORPUS_TOLERANCE, path.name)


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_program(path: Path) -> None:
    text = path.read_text()
    expected = parse_expect(text)
    actual = nesy.query(nesy.parse(text, name=path.name), semantics="exact").probabilities
    assert set(actual) == set(expected), f"{path.name}: answers {sorted(actual)}"
    assert_same_probabilities(actual, expected, CORPUS_TOLERANCE, path.name)
