"""The solver interface (nesy.solvers): a missing package is a clean error naming the extra,
weighted CNFs price models as their docstring says, and the registry resolves names."""

from __future__ import annotations

import math

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


def test_solved_answers_explain_with_their_witness_world():
    """asp and mpe-smt answer on their own translation of the program: no proof tree, but each
    answer's witness world (the most probable stable model where it holds; the most probable
    world), in the Result and as `explain`'s proof."""
    import nesy

    text = "0.3::a. 0.5::b. 0.4::c. q :- a, b. r :- \\+ c. query(q). query(r).\n"
    for semantics in ("asp", "mpe-smt"):
        result = nesy.query(text, semantics)
        assert result.probabilities["q"] == pytest.approx(0.15 if semantics == "asp" else
                                                          0.15 * 0.6)
        proof = result.explain("q")
        assert proof.value == result.probabilities["q"]
        facts = {c.label: (c.weight, c.kind) for c in proof.root.children}
        assert facts["0.3::a"] == (pytest.approx(0.3), "fact")
        assert facts["0.5::b"] == (pytest.approx(0.5), "fact")
        # the witness decides every choice its translation reads: c is false in the best one
        assert facts.get("c", (0.6, "negation")) == (pytest.approx(0.6), "negation")
        assert proof.root.weight == pytest.approx(math.prod(w for w, _ in facts.values()))
        world = next(w for a, w in result.mpe_worlds.items() if str(a) == "q")
        assert {"a", "b"} <= set(world)
        r = result.explain("r")
        assert [(c.label, c.kind) for c in r.root.children if c.label.endswith("c")] == \
            [("c", "negation")]
    proof = nesy.query(text, "mpe-maxsat").explain("q")
    assert proof.value == pytest.approx(0.15 * 0.6)


def test_witness_of_an_answer_in_no_stable_model_is_no_proof():
    import nesy

    result = nesy.query("0.3::a. b :- a. inconsistent :- b. query(b).", "asp")
    assert result.probabilities["b"] == 0.0
    assert result.explain("b").root is None
    assert "cannot be derived" in result.explain("b").to_text()


def test_nesy_query_explain_prints_the_witness(tmp_path, capsys):
    import json

    from nesy.cli import main

    program = tmp_path / "w.pl"
    program.write_text("0.4::coin. 0.3::d(1); 0.5::d(2).\nchoose([x, y]) :- coin.\n"
                       "inconsistent :- x, y.\nwin :- x, d(N), N > 1.\nwin :- \\+ coin.\n"
                       "query(win). query(x).\n")
    assert main(["query", str(program), "--semantics", "asp", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "% most probable world for x: coin, d(2)" in out
    assert "x  (witness world)  [0.0666667]" in out  # 0.4 * 0.5 over the choice's 3 models
    assert "fact 0.4::coin  [0.4]" in out
    assert main(["query", str(program), "--semantics", "asp", "--explain", "--format",
                 "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    children = payload["proofs"]["win"]["proof"]["children"]
    assert {c["atom"] for c in children} == {"coin", "0.5::d(2)"}


def test_module_reaches_solver_semantics():
    """The same switch as every semantics: asp is exact probability here, the MPE back ends
    the compiled mpe (tests/test_solvers_module.py compares them on generated programs);
    compile_query itself points to the solver's plan."""
    torch = pytest.importorskip("torch")
    import nesy
    from nesy.query import compile_query

    class Table(torch.nn.Module):
        def forward(self, x):
            return torch.tensor([[0.2, 0.8]]).repeat(x.shape[0], 1)

    text = "nn(net, [X], Y, [0, 1]) :: d(X, Y).\n0.5::e.\nq(X) :- d(X, 1), e.\n"
    for semantics in ("asp", "mpe-maxsat", "mpe-smt"):
        model = nesy.Module(text, {"net": Table()}, "q(X)", semantics=semantics)
        got = model.probability({"X": torch.zeros(2, 1)}, {})
        assert got.tolist() == pytest.approx([0.4, 0.4])
    with pytest.raises(InferenceError, match="solver_plan"):
        compile_query(nesy.parse(text + "query(q(1)).\n"), None, "asp")


def test_asp_unsafe_rule_is_a_clear_error(capfd):
    import nesy

    with pytest.raises(InferenceError, match="unsafe") as info:
        nesy.query("0.5::a. p(X) :- a. query(p(1)).", "asp")
    assert "range-restricted" in str(info.value)
    assert "unsafe" not in capfd.readouterr().err  # clingo's message is in the error only
