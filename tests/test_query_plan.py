"""The one query plan (`nesy.query.compile_query`): how it evaluates follows the semiring's
capabilities, `nesy.query` and a Module read the same plan, its validators run at stage
boundaries (on in this suite), and `nesy dump` shows what it evaluates."""

from __future__ import annotations

import importlib

import pytest

import nesy
from nesy.cli import main
from nesy.errors import InferenceError
from nesy.ground.simplify import Simplified
from nesy.limits import Limits
from nesy.query import (
    ChoiceRoots,
    CompiledCircuit,
    Derivations,
    MappedLeaves,
    SelectedProofs,
    compile_query,
    fixed_probabilities,
)
from nesy.semiring import REGISTRY, get_semiring

SOURCE = """0.3::a. 0.5::b. 0.2::c; 0.3::d.
q :- a, b. q :- \\+a, c. r :- q, d.
query(q). query(r).
"""
ORIGINAL = ("exact", "topk", "fuzzy-product", "fuzzy-godel", "fuzzy-lukasiewicz",
            "possibilistic", "mpe", "boolean")


def _expected_kind(semiring):
    if semiring.selects_proofs:
        return SelectedProofs
    if semiring.needs_circuit:
        return CompiledCircuit
    return Derivations


@pytest.mark.parametrize("semantics", [s for s in ORIGINAL if s in REGISTRY])
def test_the_plan_follows_capabilities_and_gives_nesy_query_answers(semantics):
    program = nesy.parse(SOURCE)
    plan = compile_query(program, None, semantics)
    assert isinstance(plan.how, _expected_kind(get_semiring(semantics)))
    values = plan.evaluate(MappedLeaves(fixed_probabilities(plan.ground, program)))
    result = nesy.query(program, semantics)
    assert dict(zip(map(str, plan.answers), values, strict=True)) == pytest.approx(
        {atom: result[atom] for atom in ("q", "r")}, abs=1e-12)


def test_an_answer_that_is_one_choice_needs_no_circuit_unless_a_best_world_is_asked():
    program = nesy.parse("0.3::a. 0.4::b. query(a). query(b).")
    exact = compile_query(program, None, "exact")
    assert isinstance(exact.how, ChoiceRoots)
    assert exact.evaluate(MappedLeaves(fixed_probabilities(exact.ground, program))) == \
        pytest.approx([0.3, 0.4])
    mpe = compile_query(program, None, "mpe")  # a's best world assigns b too
    assert isinstance(mpe.how, CompiledCircuit)
    leaves = MappedLeaves(fixed_probabilities(mpe.ground, program))
    assert mpe.evaluate(leaves) == pytest.approx([0.3 * 0.6, 0.4 * 0.7])


def test_evidence_is_refused_where_the_semiring_cannot_condition():
    program = nesy.parse("0.3::a. 0.4::b. q :- a. query(q). evidence(b).")
    with pytest.raises(InferenceError, match="cannot condition on evidence"):
        compile_query(program, None, "fuzzy-product")
    plan = compile_query(program, None, "exact")
    assert plan.evaluate(MappedLeaves(fixed_probabilities(plan.ground, program))) == \
        pytest.approx([0.3])


def test_the_suite_runs_the_validators_and_they_catch_a_broken_ir(monkeypatch):
    assert Limits().validate  # tests/conftest.py
    program = nesy.parse(SOURCE)
    plan_module = importlib.import_module("nesy.query")  # nesy.query is the function

    real = plan_module.simplify

    def broken(ground, limits=None):
        simplified = real(ground, limits)
        node = next(iter(simplified.bodies))
        simplified.bodies[node] = [(len(ground.names) + 5,)]  # a literal naming no node
        return simplified

    monkeypatch.setattr(plan_module, "simplify", broken)
    with pytest.raises(AssertionError):
        compile_query(program, None, "exact")
    compile_query(program, None, "exact", Limits(validate=False))  # not checked: no error


def test_simplified_pretty_shows_what_the_roots_reach():
    program = nesy.parse(SOURCE + "unused :- b.\n")
    text = compile_query(program, None, "exact").simplified.pretty()
    assert "q :- a, b ; \\+a, c" in text and "query(r) ->" in text
    assert "unused" not in text
    Simplified.validate(compile_query(program, None, "exact").simplified)


def test_a_module_shape_gets_its_plan_from_compile_query():
    import torch

    source = "nn(net, [X], Y, [0, 1]) :: bit(X, Y).\nboth(X, Z) :- bit(X, A), bit(X, B), Z is A+B.\n"

    class Net(torch.nn.Module):
        def forward(self, x):
            return torch.tensor([[0.25, 0.75]]).expand(x.shape[0], 2)

    for semantics, kind in (("fuzzy-product", Derivations), ("topk", SelectedProofs)):
        model = nesy.Module(source, {"net": Net()}, "both(X, Z)", semantics=semantics)
        dist = model({"X": torch.zeros(2, 1)})
        assert dist.probs.shape == (2, len(dist.answers))
        (shape,) = model._shapes.values()
        assert isinstance(shape.plan.how, kind)


@pytest.mark.parametrize("semantics", ["exact", "fuzzy-product", "topk", "mpe"])
def test_dump_shows_the_plan_of_a_semantics(tmp_path, capsys, semantics):
    path = tmp_path / "p.pl"
    path.write_text(SOURCE)
    assert main(["dump", str(path), "--stage", "simplified", "--semantics", semantics]) == 0
    simplified = capsys.readouterr().out
    assert "q :- a, b ; \\+a, c" in simplified and "query(q) ->" in simplified
    assert main(["dump", str(path), "--stage", "circuit", "--semantics", semantics]) == 0
    circuit = capsys.readouterr().out
    kind = _expected_kind(get_semiring(semantics)).__name__
    assert f"plan: {kind} under {semantics}" in circuit
    assert "circuit:" in circuit  # a compiled circuit, the derivation DAG or top-k's
