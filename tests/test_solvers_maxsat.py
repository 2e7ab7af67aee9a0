"""MPE by MaxSAT (`mpe-maxsat`) against the compiled `mpe`: on every corpus program and on
generated programs where both run, the same probability per query to 1e-9, and a witness world
that has that probability. `python tests/test_solvers_maxsat.py` prints the agreement counts."""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import nesy
from nesy import errors
from nesy.limits import Limits
from nesy.testing import oracle

pytest.importorskip("pysat")

CORPUS = sorted((Path(__file__).parent / "programs").glob("*.pl"))
TOLERANCE = 1e-9
LIMITS = Limits(timeout_s=20.0)
#: generated programs per family of tests/problog_programs.py (drawn without running problog):
#: in the test, and in the printed count
GENERATED_PER_FAMILY = 4
PRINTED_PER_FAMILY = 12


@dataclass
class Tally:
    agree: int = 0
    both_refuse: int = 0
    refused_by_maxsat: list[str] = field(default_factory=list)  # named, expected refusals
    disagree: list[str] = field(default_factory=list)
    max_diff: float = 0.0
    by_oracle: int = 0  # programs where compiled mpe hit a limit and the oracle answered
    unrefereed: list[str] = field(default_factory=list)  # only mpe-maxsat answered


def compare(text: str, name: str, tally: Tally, semantics: str = "mpe-maxsat") -> None:
    """Run `mpe` and `semantics` on one program and record how they relate."""
    try:
        compiled = nesy.query(text, "mpe", limits=LIMITS).probabilities
    except errors.LimitError as exc:
        # compiling ran out of a limit: the possible-worlds oracle referees where it can
        try:
            compiled = oracle(text, "mpe")
            tally.by_oracle += 1
        except (ValueError, errors.NesyError):  # too many worlds for the oracle
            compiled = exc
    except errors.NesyError as exc:
        compiled = exc
    try:
        solved = nesy.query(text, semantics, limits=LIMITS)
    except errors.NesyError as exc:
        solved = exc
    if isinstance(compiled, Exception) and isinstance(solved, Exception):
        tally.both_refuse += 1
        return
    if isinstance(solved, Exception):
        tally.refused_by_maxsat.append(f"{name}: {solved.message}")
        return
    if isinstance(compiled, errors.LimitError):
        tally.unrefereed.append(f"{name}: mpe hit a limit ({compiled.message}), the oracle has "
                                "too many worlds; mpe-maxsat answered")
        return
    if isinstance(compiled, Exception):
        tally.disagree.append(f"{name}: mpe refused ({compiled.message}), mpe-maxsat answered")
        return
    want, got = compiled, solved.probabilities
    if want.keys() != got.keys():
        tally.disagree.append(f"{name}: queries {sorted(want)} vs {sorted(got)}")
        return
    diff = max((abs(want[a] - got[a]) for a in want), default=0.0)
    tally.max_diff = max(tally.max_diff, diff)
    if diff > TOLERANCE:
        tally.disagree.append(f"{name}: mpe {want} vs mpe-maxsat {got}")
    else:
        tally.agree += 1


def generated_programs(per_family: int = GENERATED_PER_FAMILY, seed: int = 0):
    """(name, text) of programs drawn from every family of tests/problog_programs.py."""
    from problog_programs import FAMILIES, RandomDraw

    for family in FAMILIES.values():
        rng = random.Random(f"maxsat/{family.name}/{seed}")
        for i in range(per_family):
            yield f"{family.name}#{i}", family.generate(RandomDraw(rng))


def corpus_tally(semantics: str = "mpe-maxsat") -> Tally:
    tally = Tally()
    for path in CORPUS:
        compare(path.read_text(), path.name, tally, semantics)
    return tally


def generated_tally(per_family: int = GENERATED_PER_FAMILY) -> Tally:
    tally = Tally()
    for name, text in generated_programs(per_family):
        compare(text, name, tally)
    return tally


#: refusals mpe-maxsat may make where mpe answers: none
EXPECTED_REFUSALS: tuple[str, ...] = ()


def _unexpected(tally: Tally) -> list[str]:
    return [r for r in tally.refused_by_maxsat
            if not any(reason in r for reason in EXPECTED_REFUSALS)]


def test_corpus_agrees_with_compiled_mpe():
    tally = corpus_tally()
    assert not tally.disagree, "\n".join(tally.disagree)
    assert not _unexpected(tally), "\n".join(tally.refused_by_maxsat)
    assert tally.agree >= len(CORPUS) // 2, tally  # most of the corpus runs under both


def test_generated_programs_agree_with_compiled_mpe():
    pytest.importorskip("problog")
    tally = generated_tally()
    assert not tally.disagree, "\n".join(tally.disagree[:5])
    assert not _unexpected(tally), "\n".join(tally.refused_by_maxsat[:5])
    assert tally.agree >= 20, tally


def test_witness_world_has_the_answer_probability():
    text = """0.3::a. 0.6::b. 0.2::c; 0.5::d.
    p :- a, c.
    p :- b, \\+d.
    query(p). query(a).
    evidence(b).
    """
    result = nesy.query(text, "mpe-maxsat")
    assert result.probabilities["p"] == pytest.approx(0.7 * 0.6 * 0.3)  # \+a, b, neither c nor d
    assert result.mpe_worlds[next(a for a in result.answers if str(a) == "p")] == ["\\+a", "b"]
    assert result.probabilities["a"] == pytest.approx(0.3 * 0.6 * 0.5)  # a, b, d


def test_inconsistent_evidence_and_impossible_query():
    with pytest.raises(errors.InferenceError, match="inconsistent evidence"):
        nesy.query("0.5::a. b :- a. evidence(b, true). evidence(a, false). query(a).",
                   "mpe-maxsat")
    result = nesy.query("0.5::a. b :- a. evidence(a, false). query(b).", "mpe-maxsat")
    assert result.probabilities == {"b": 0.0}


def test_certain_and_impossible_facts():
    result = nesy.query("1.0::a. 0.0::b. 0.4::c. q :- a, \\+b. query(q). query(c).",
                        "mpe-maxsat")
    assert result.probabilities["q"] == pytest.approx(0.6)
    assert result.probabilities["c"] == pytest.approx(0.4)


def test_cyclic_program_through_cycle_breaking():
    text = """0.6::e(a,b). 0.5::e(b,a). 0.7::e(b,c).
    p(X,Y) :- e(X,Y).
    p(X,Y) :- e(X,Z), p(Z,Y).
    query(p(a,c)). query(p(a,a)).
    """
    want = nesy.query(text, "mpe").probabilities
    got = nesy.query(text, "mpe-maxsat").probabilities
    assert got == pytest.approx(want, abs=TOLERANCE)
    assert math.isclose(got["p(a,c)"], 0.6 * 0.7 * 0.5)


def test_positive_loop_does_not_support_itself():
    # a and b prove each other only if c starts them: the least fixpoint, not the completion
    # (under which a = b = true without c would be a most probable world, 0.7)
    text = "0.3::c. a :- b. b :- a. a :- c. evidence(a). query(b).\n"
    result = nesy.query(text, "mpe-maxsat")
    assert result.probabilities["b"] == pytest.approx(0.3)
    assert result.probabilities == pytest.approx(nesy.query(text, "mpe").probabilities)


def test_dense_cycles_match_compiled_mpe():
    people = range(5)
    text = "".join(f"0.{3 + p % 5}::stress({p}).\n" for p in people)
    text += "".join(f"0.{2 + (p + q) % 6}::influences({p},{q}).\n"
                    for p in people for q in people if p != q)
    text += """smokes(X) :- stress(X).
    smokes(X) :- influences(Y, X), smokes(Y).
    query(smokes(0)). query(smokes(4)). evidence(smokes(2), false).
    """
    want = nesy.query(text, "mpe").probabilities
    got = nesy.query(text, "mpe-maxsat").probabilities
    assert got == pytest.approx(want, abs=TOLERANCE)


def main() -> None:
    sys.setrecursionlimit(10_000)
    if sys.argv[1:] == ["--smt"]:  # mpe-smt on the corpus programs inside its fragment
        tally = corpus_tally("mpe-smt")
        print(f"corpus: mpe-smt agrees with mpe on {tally.agree} of "
              f"{tally.agree + len(tally.disagree)} programs both answer (max |diff| "
              f"{tally.max_diff:.3g}); mpe-smt refuses {len(tally.refused_by_maxsat)} more")
        for line in tally.disagree:
            print("   ", line)
        return
    for label, tally in (("corpus (tests/programs/*.pl)", corpus_tally()),
                         ("generated (tests/problog_programs.py families)",
                          generated_tally(PRINTED_PER_FAMILY))):
        ran = tally.agree + len(tally.disagree)
        print(f"{label}: mpe-maxsat agrees with mpe on {tally.agree} of {ran} programs both "
              f"answer (max |diff| {tally.max_diff:.3g}; {tally.by_oracle} of them refereed by "
              f"the possible-worlds oracle where compiling hit a limit); both refuse "
              f"{tally.both_refuse}; only mpe-maxsat refuses {len(tally.refused_by_maxsat)}; "
              f"only mpe-maxsat answers {len(tally.unrefereed)}")
        for line in tally.disagree + tally.refused_by_maxsat + tally.unrefereed:
            print("   ", line)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
