"""Every semiring against the possible-worlds oracle (or a naive evaluator) on the corpus."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import nesy
from nesy.ground.engine import program_queries
from nesy.ground.ground_program import validate
from nesy.inference import fixed_probabilities
from nesy.testing import MAX_ORACLE_WORLDS, conditional_probability, oracle

PROGRAMS = sorted((Path(__file__).parent / "programs").glob("*.pl"))


def _ground(program):
    """The program's ground queries; subquery/2 answers come from the oracle itself."""
    return program_queries(program, subquery=lambda goal, evidence: conditional_probability(
        program, goal, evidence))


def _corpus_ids():
    return [p.stem for p in PROGRAMS]


# Programs with more worlds than this run in the slow tier (university: 2**16 worlds, ~40 s).
DEFAULT_ORACLE_WORLDS = 1 << 14


def _world_count(path: Path) -> int:
    """The number of worlds the oracle enumerates: an annotated disjunction whose
    probabilities sum to one has no "none of them" world, a single fact has two."""
    program = nesy.load(path)
    ground = _ground(program)
    validate(ground)
    probabilities = fixed_probabilities(ground, program)
    count = 1
    for members in ground.groups.values():
        rest = 1.0 - sum(probabilities[n] for n in members.values())
        count *= len(members) + (1 if len(members) == 1 or rest > 1e-15 else 0)
    return count


def _oracle_params():
    params = []
    for path in PROGRAMS:
        count = _world_count(path)
        if count > MAX_ORACLE_WORLDS:
            continue  # the oracle refuses it
        marks = [pytest.mark.slow] if count > DEFAULT_ORACLE_WORLDS else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


def test_oracle_covers_the_corpus():
    assert len(_oracle_params()) == len(PROGRAMS)


@pytest.mark.parametrize("path", _oracle_params())
@pytest.mark.parametrize("semantics", ["exact", "mpe", "boolean"])
def test_world_semantics_match_oracle(path, semantics, request):
    if request.node.get_closest_marker("slow") and "slow" not in (
        request.config.getoption("markexpr") or ""
    ).replace("not slow", ""):
        pytest.skip("2**16 worlds: run with -m slow")
    program = nesy.load(path)
    try:
        expected = oracle(program, semantics)
    except ValueError as exc:
        assert semantics == "exact" and "inconsistent" in str(exc)
        return
    got = nesy.query(program, semantics).probabilities
    assert set(got) == set(expected)
    for atom, value in expected.items():
        assert got[atom] == pytest.approx(value, abs=1e-9), atom


def _naive(program, semantics):
    """Fuzzy values by global Jacobi iteration over all atoms (no components, no circuits)."""
    from nesy.ground.simplify import simplify

    ops = {
        "fuzzy-product": (lambda a, b: a * b, lambda a, b: a + b - a * b),
        "fuzzy-godel": (min, max),
        "fuzzy-lukasiewicz": (lambda a, b: max(0.0, a + b - 1), lambda a, b: min(1.0, a + b)),
        "possibilistic": (min, max),
    }[semantics]
    mul, add = ops
    ground = _ground(program)
    simplified = simplify(ground)
    probs = fixed_probabilities(ground, program)
    value = {n: 0.0 for n in simplified.bodies}

    def lit(x):
        if x == "true":
            return 1.0
        if x == "false":
            return 0.0
        v = probs[abs(x)] if abs(x) in probs else value[abs(x)]
        return v if x > 0 else 1.0 - v

    for _ in range(5000):
        new = {}
        for node, bodies in simplified.bodies.items():
            total = 0.0
            for body in bodies:
                product = 1.0
                for x in body:
                    product = mul(product, lit(x))
                total = add(total, product)
            new[node] = total
        done = all(abs(new[n] - value[n]) < 1e-13 for n in value)
        value = new
        if done:
            break
    return {nesy.terms.format_term(a): lit(x) for a, x in simplified.queries}


@pytest.mark.parametrize("path", PROGRAMS, ids=_corpus_ids())
@pytest.mark.parametrize("semantics", ["fuzzy-product", "fuzzy-godel", "fuzzy-lukasiewicz",
                                       "possibilistic"])
def test_derivation_semantics_match_naive_evaluation(path, semantics):
    program = nesy.load(path)
    if _ground(program).evidence:
        with pytest.raises(nesy.NesyError, match="cannot condition on evidence"):
            nesy.query(program, semantics)
        return
    expected = _naive(program, semantics)
    got = nesy.query(program, semantics).probabilities
    for atom, value in expected.items():
        assert got[atom] == pytest.approx(value, abs=1e-7), atom


@pytest.mark.parametrize("path", PROGRAMS, ids=_corpus_ids())
def test_topk_with_every_proof_is_exact_and_k1_is_a_lower_bound(path):
    program = nesy.load(path)
    try:
        exact = nesy.query(program, "exact").probabilities
        everything = nesy.query(program, "topk", k=10_000).probabilities
    except nesy.NesyError as exc:
        assert "negate a derived atom" in str(exc)
        return
    for atom in exact:
        assert everything[atom] == pytest.approx(exact[atom], abs=1e-9), atom
    if _ground(program).evidence:
        return
    one = nesy.query(program, "topk", k=1).probabilities
    for atom in exact:
        assert one[atom] <= exact[atom] + 1e-12, atom


def test_topk_keeps_the_k_best_proofs():
    source = "0.9::a. 0.8::b. 0.1::c. q :- a. q :- b. q :- c. query(q)."
    got = nesy.query(source, "topk", k=2).probabilities["q"]
    assert got == pytest.approx(1 - 0.1 * 0.2)
    assert nesy.query(source, "topk", k=1).probabilities["q"] == pytest.approx(0.9)


def test_oracle_enumerates_annotated_disjunction_none_mass():
    source = "0.2::a; 0.3::b. q :- \\+a, \\+b. query(q)."
    assert oracle(source)["q"] == pytest.approx(0.5)
    assert nesy.query(source).probabilities["q"] == pytest.approx(0.5)


def test_mpe_reports_the_best_world():
    source = "0.6::a. 0.3::b. q :- a. q :- b. query(q)."
    result = nesy.query(source, "mpe")
    assert result.probabilities["q"] == pytest.approx(0.6 * 0.7)
    assert result.mpe_worlds[nesy.parse("x :- q.").rules[("x", 0)][0].body] == ["a", "\\+b"]


def test_every_semiring_is_registered_once():
    assert set(nesy.SEMANTICS) == {"exact", "topk", "fuzzy-product", "fuzzy-godel",
                                   "fuzzy-lukasiewicz", "possibilistic", "mpe", "boolean",
                                   "mpe-maxsat", "asp", "mpe-smt",  # these three: solvers
                                   "sample"}
    assert len(list(itertools.chain(nesy.SEMANTICS))) == 12
