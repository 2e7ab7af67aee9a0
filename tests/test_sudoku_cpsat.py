"""The CP-SAT back end (`nesy.solvers.cpsat.CpSat`): its optimum equals RC2's on generated
weighted CNFs, and its MPE answers equal the compiled `mpe` on the corpus; and the Sudoku MAP
solver corrects a misread given."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

import nesy
from nesy import errors
from nesy.limits import Limits
from nesy.semiring import get_semiring
from nesy.solvers.base import WeightedCNF

pytest.importorskip("ortools")
pytest.importorskip("pysat")

from nesy.solvers.cpsat import CpSat  # noqa: E402
from nesy.solvers.maxsat import MaxSat  # noqa: E402

CORPUS = sorted((Path(__file__).parent / "programs").glob("*.pl"))
LIMITS = Limits(timeout_s=20.0)


def random_wcnf(rng: random.Random) -> WeightedCNF:
    n = rng.randint(1, 8)

    def clause(width):
        return tuple(rng.choice((1, -1)) * rng.randint(1, n) for _ in range(width))

    hard = [clause(rng.randint(1, 3)) for _ in range(rng.randint(0, 6))]
    soft = [(clause(rng.randint(1, 3)), rng.uniform(0.01, 5.0)) for _ in range(rng.randint(1, 8))]
    return WeightedCNF(n, hard, soft)


def test_cpsat_optimum_equals_rc2_on_generated_wcnfs():
    rng = random.Random(7)
    feasible = 0
    for _ in range(150):
        wcnf = random_wcnf(rng)
        want = MaxSat().solve(wcnf, LIMITS)
        got = CpSat().solve(wcnf, LIMITS)
        assert (want is None) == (got is None)
        if want is None:
            continue
        feasible += 1
        assert wcnf.satisfies(got.model)
        # optimal up to the rounding of weights to 1e-6
        assert got.cost == pytest.approx(want.cost, abs=1e-5 * (1 + len(wcnf.soft)))
        assert got.cost == pytest.approx(wcnf.cost(got.model))
    assert feasible > 50


def test_cpsat_is_registered():
    from nesy.solvers import REGISTRY, get_backend

    assert REGISTRY["cpsat"] is CpSat and isinstance(get_backend("cpsat"), CpSat)


def test_cpsat_answers_equal_compiled_mpe_on_the_corpus():
    """Through the registry, as a semantics whose `solver` names it would reach it."""
    from nesy.solvers import get_backend

    semiring = get_semiring("mpe-maxsat")
    backend = get_backend("cpsat")
    agree = 0
    for path in CORPUS:
        text = path.read_text()
        try:
            compiled = nesy.query(text, "mpe", limits=LIMITS)
            solved = backend.answer(nesy.parse(text), semiring, LIMITS)
        except errors.NesyError:
            continue
        assert compiled.probabilities.keys() == solved.probabilities.keys(), path.name
        for atom, p in compiled.probabilities.items():
            assert solved.probabilities[atom] == pytest.approx(p, abs=1e-9), (path.name, atom)
        agree += 1
    assert agree >= 30


def test_sudoku_map_corrects_a_misread_given():
    from nesy.datasets.sudoku import is_valid, peers, solve
    from nesy.train.sudoku_task import map_solve, map_solve_cpsat

    puzzle = np.array([int(c) for c in "000000010400000000020000000000050407008000300001090000"
                       "300400200050100000000806000"])
    truth = solve(puzzle)[0]
    given = puzzle > 0
    log_probs = np.full((81, 9), np.log(0.01 / 8))
    for i in np.flatnonzero(given):
        log_probs[i, puzzle[i] - 1] = np.log(0.99)
    # misread: a given reads (with p 0.6) as the digit of a given peer, a clash the rules fix
    cell, peer = next((i, j) for i, j in peers(9) if given[i] and given[j])
    log_probs[cell] = np.log(0.3 / 7)
    log_probs[cell, puzzle[peer] - 1] = np.log(0.6)
    log_probs[cell, puzzle[cell] - 1] = np.log(0.1)
    board, seconds, how = map_solve(log_probs, given)
    assert how == "search"  # the argmax reading clashes
    assert is_valid(board) and (board == truth).all()
    assert (map_solve_cpsat(log_probs, given) == truth).all()


def test_sudoku_map_takes_a_solvable_argmax_reading():
    from nesy.datasets.sudoku import solve
    from nesy.train.sudoku_task import map_solve

    puzzle = np.array([int(c) for c in "000000010400000000020000000000050407008000300001090000"
                       "300400200050100000000806000"])
    log_probs = np.log(np.full((81, 9), 0.1 / 8))
    given = puzzle > 0
    log_probs[given, puzzle[given] - 1] = np.log(0.9)
    board, _, how = map_solve(log_probs, given)
    assert how == "argmax" and (board == solve(puzzle)[0]).all()


def test_sudoku_map_search_equals_cpsat_on_noisy_readings():
    """Best-first search over readings and CP-SAT reach the same optimum on random noisy
    readings of the givens (several of them wrong)."""
    from nesy.datasets.sudoku import is_valid, load_sudoku17
    from nesy.train.sudoku_task import LOG_SCALE, map_solve, map_solve_cpsat

    folder = Path("/work/shared/datasets/sudoku")
    if not folder.is_dir():
        pytest.skip("shared Sudoku folder not present")
    rs = np.random.RandomState(5)
    puzzles = load_sudoku17(folder)[:6]
    for puzzle in puzzles:
        given = puzzle > 0
        log_probs = np.log(rs.dirichlet(np.full(9, 0.3), size=81))
        for i in np.flatnonzero(given)[:12]:  # most givens read right, with some confidence
            log_probs[i] = np.log(np.full(9, 0.02))
            log_probs[i, puzzle[i] - 1] = np.log(0.84)

        def score(board, lp=log_probs, g=given):
            return sum(np.round(np.maximum(lp[i, board[i] - 1], -30) * LOG_SCALE)
                       for i in np.flatnonzero(g))

        board, _, how = map_solve(log_probs, given, max_readings=10_000)
        assert how != "cpsat" and is_valid(board)
        assert abs(score(board) - score(map_solve_cpsat(log_probs, given))) <= 17


@pytest.mark.parametrize("possibilistic", [False, True])
def test_sudoku_map_search_equals_brute_force_on_4x4(possibilistic):
    """Every reading of 6 givens of a 4×4 board tried: the search finds the best solvable one
    (the largest sum of log-probabilities; or the largest least possibility, then sum)."""
    import itertools

    from nesy.datasets.sudoku import is_valid, solve
    from nesy.train.sudoku_task import map_solve

    rs = np.random.RandomState(11)
    for _ in range(3):
        given = np.zeros(16, dtype=bool)
        given[rs.choice(16, 6, replace=False)] = True
        log_probs = np.log(rs.dirichlet(np.full(4, 0.5), size=16))
        cells = np.flatnonzero(given)

        def key(reading, lp=log_probs, cs=cells):
            values = [lp[c, d - 1] for c, d in zip(cs, reading, strict=True)]
            total = float(sum(values))
            least = min(v - lp[c].max() for c, v in zip(cs, values, strict=True))
            return (least, total) if possibilistic else (total,)

        best = None
        for reading in itertools.product(range(1, 5), repeat=len(cells)):
            puzzle = np.zeros(16, dtype=np.int64)
            puzzle[cells] = reading
            if solve(puzzle, 4) and (best is None or key(reading) > best):
                best = key(reading)
        board, _, how = map_solve(log_probs, given, n=4, max_readings=100_000,
                                  possibilistic=possibilistic)
        assert how != "cpsat" and is_valid(board)
        assert key(tuple(board[cells])) == pytest.approx(best)


def test_cpsat_missing_package_names_the_extra(monkeypatch):
    from nesy.solvers import SolverMissingError, get_backend

    monkeypatch.setattr(CpSat, "requires", (("nesy_no_such_module", "ortools"),))
    with pytest.raises(SolverMissingError, match=r"pip install nesy\[solvers\]"):
        get_backend("cpsat").answer(nesy.parse("0.5::a. query(a)."),
                                    get_semiring("mpe-maxsat"), LIMITS)


def test_sudoku_map_unique_rule_rejects_a_misreading_the_rules_allow():
    """A misread given that leaves a solvable puzzle with several solutions: all-different
    alone accepts it; with `unique` MAP moves on to the reading whose puzzle has one solution."""
    from nesy.datasets.sudoku import solve
    from nesy.train.sudoku_task import map_solve

    puzzle = np.array([int(c) for c in "000000010400000000020000000000050407008000300001090000"
                       "300400200050100000000806000"])
    truth = solve(puzzle)[0]
    given = puzzle > 0
    cell, wrong = next((i, d) for i in np.flatnonzero(given) for d in range(1, 10)
                       if d != puzzle[i] and len(solve(np.where(np.arange(81) == i, d, puzzle),
                                                       limit=2)) == 2)
    log_probs = np.log(np.full((81, 9), 0.01 / 8))
    log_probs[given, puzzle[given] - 1] = np.log(0.99)
    log_probs[cell] = np.log(0.1 / 7)
    log_probs[cell, wrong - 1], log_probs[cell, puzzle[cell] - 1] = np.log(0.6), np.log(0.3)
    board, _, how = map_solve(log_probs, given)
    assert how == "argmax" and board[cell] == wrong  # the rules alone let it through
    board, _, how = map_solve(log_probs, given, unique=True)
    assert how == "search" and (board == truth).all()
