"""The solver interface (nesy.solvers): a missing package is a clean error naming the extra,
weighted CNFs price models as their docstring says, and the registry resolves names."""

from __future__ import annotations

import pytest

from nesy.errors import InferenceError, NesyError
from nesy.solvers import EXTRA, SolverMissingError, WeightedCNF, get_backend, require
from nesy.solvers.base import Backend


def test_missing_package_names_the_extra():
    with pytest.raises(SolverMissingError) as info:
        require("nesy_no_such_solver_package", "no-such-solver", "mpe-maxsat")
    error = info.value
    assert isinstance(error, NesyError)
    assert "mpe-maxsat" in error.message and "no-such-solver" in error.message
    assert f"pip install nesy[{EXTRA}]" in str(error)


def test_backend_load_reports_the_first_missing_package():
    class Missing(Backend):
        name = "missing"
        requires = (("nesy_no_such_solver_package", "no-such-solver"),)

    with pytest.raises(SolverMissingError, match="no-such-solver"):
        Missing().load()


def test_weighted_cnf_cost_and_hard_clauses():
    wcnf = WeightedCNF(2, hard=[(1, 2)], soft=[((-1,), 0.5), ((-2,), 2.0), ((1, 2), 4.0)])
    assert wcnf.satisfies(frozenset({1})) and not wcnf.satisfies(frozenset())
    assert wcnf.cost(frozenset({1})) == 0.5
    assert wcnf.cost(frozenset({1, 2})) == 2.5
    assert wcnf.cost(frozenset()) == 4.0
    assert wcnf.pretty().splitlines()[0] == "p wcnf 2 4"


def test_unknown_backend():
    with pytest.raises(InferenceError, match="unknown solver 'nope'"):
        get_backend("nope")


def test_solver_semantics_reach_their_back_end():
    """`solver` is a class-level capability every instance reads, naming a registered back
    end."""
    from nesy.semiring import REGISTRY, get_semiring
    from nesy.solvers import REGISTRY as BACKENDS

    solved = {name: cls.solver for name, cls in REGISTRY.items() if cls.solver}
    assert solved == {"mpe-maxsat": "maxsat", "asp": "asp", "mpe-smt": "smt"}
    for name, backend in solved.items():
        assert get_semiring(name).solver == backend and backend in BACKENDS
    assert get_semiring("mpe").solver is None


def test_missing_solver_package_through_nesy_query(monkeypatch):
    import nesy
    from nesy.solvers import REGISTRY as BACKENDS

    for name in ("maxsat", "asp", "smt"):
        monkeypatch.setattr(BACKENDS[name], "requires", (("nesy_no_such_module", "missing-pkg"),))
    for semantics in ("mpe-maxsat", "asp", "mpe-smt"):
        with pytest.raises(SolverMissingError, match=r"pip install nesy\[solvers\]"):
            nesy.query("0.5::a. query(a).", semantics)


def test_solved_answers_without_ground_program_refuse_to_explain():
    import nesy

    for semantics in ("asp", "mpe-smt"):
        result = nesy.query("0.3::a. 0.5::b. q :- a, b. query(q).", semantics)
        assert result.probabilities["q"] == pytest.approx(0.15)
        with pytest.raises(InferenceError, match="no proof tree"):
            result.explain("q")
    proof = nesy.query("0.3::a. 0.5::b. q :- a, b. query(q).", "mpe-maxsat").explain("q")
    assert proof.value == pytest.approx(0.15)


def test_module_refuses_solver_semantics():
    torch = pytest.importorskip("torch")
    import nesy

    class Table(torch.nn.Module):
        def forward(self, x):
            return torch.full((x.shape[0], 2), 0.5)

    text = "nn(net, [X], Y, [0, 1]) :: d(X, Y).\nq(X) :- d(X, 1).\n"
    for semantics in ("mpe-maxsat", "asp", "mpe-smt"):
        with pytest.raises(InferenceError, match="a nesy.Module cannot evaluate it yet"):
            model = nesy.Module(text, {"net": Table()}, "q(X)", semantics=semantics)
            model.probability({"X": torch.zeros(1, 1)}, {})


def test_asp_unsafe_rule_is_a_clear_error(capfd):
    import nesy

    with pytest.raises(InferenceError, match="unsafe") as info:
        nesy.query("0.5::a. p(X) :- a. query(p(1)).", "asp")
    assert "range-restricted" in str(info.value)
    assert "unsafe" not in capfd.readouterr().err  # clingo's message is in the error only
