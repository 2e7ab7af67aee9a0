"""The derivation DAG (`compile.ground2dag`) evaluated by the levelled `CircuitPlan` gives what
the node-by-node `DirectEvaluator` gives, values and gradients, under every semiring that
evaluates derivations rather than a compiled circuit (the fuzzy t-norms, possibilistic).

Generated acyclic programs have annotated disjunctions, several bodies per atom, subgoals
shared between atoms, negated derived atoms and negated facts, and atoms with identical bodies
(whose circuit nodes coincide: a body `q, r` must still be q ⊗ r, not q, under the product).
Cyclic programs have no DAG: the Module keeps the fixpoint there.
"""

from __future__ import annotations

import random

import pytest
import torch
from neural_programs import Fixed

import nesy
from nesy.circuit.circuit import validate
from nesy.circuit.evaluate import CircuitPlan
from nesy.compile.direct import DirectEvaluator, TensorOps
from nesy.compile.ground2dag import ground2dag
from nesy.semiring import REGISTRY, get_semiring

DERIVATION_SEMIRINGS = sorted(name for name, cls in REGISTRY.items()
                              if not cls.needs_circuit and not cls.selects_proofs
                              and not cls.samples_worlds)


def test_the_derivation_semirings_are_the_fuzzy_and_possibilistic_ones():
    assert set(DERIVATION_SEMIRINGS) >= {"fuzzy-product", "fuzzy-godel", "fuzzy-lukasiewicz",
                                         "possibilistic"}


def _program(rng: random.Random) -> str:
    """Facts f0..f4 (f3, f4 an annotated disjunction), derived atoms a0..a6 over the facts and
    earlier atoms, every atom a query."""
    lines = [f"{rng.uniform(0.1, 0.9):.3f}::f{i}." for i in range(3)]
    lines.append("0.3::f3; 0.5::f4.")
    atoms = []
    for i in range(7):
        for _ in range(rng.randint(1, 3)):
            pool = [f"f{j}" for j in range(5)] + atoms
            body = rng.sample(pool, rng.randint(1, min(3, len(pool))))
            body = [f"\\+{b}" if rng.random() < 0.3 else b for b in body]
            lines.append(f"a{i} :- {', '.join(body)}.")
        atoms.append(f"a{i}")
    # identical bodies: twin atoms whose conjunction is not either of them
    lines += ["t0 :- f0, f1.", "t1 :- f0, f1.", "t2 :- t0, t1.", "t2 :- a6, \\+t0."]
    atoms += ["t0", "t1", "t2"]
    lines += [f"query({a})." for a in atoms]
    return "\n".join(lines) + "\n"


def _both(text: str, semantics: str, batch: int, seed: int):
    """(DirectEvaluator's roots, the plan's roots, the leaf probabilities), [B, n_queries]."""
    semiring = get_semiring(semantics)
    simplified = nesy.query(text, semantics).simplified
    roots = [lit for _, lit in simplified.queries]
    generator = torch.Generator().manual_seed(seed)
    probs = {node: torch.rand(batch, generator=generator, dtype=torch.float64) * 0.9 + 0.05
             for node in simplified.ground.choices}
    for p in probs.values():
        p.requires_grad_(True)
    like = torch.zeros(batch, dtype=torch.float64)

    def leaf(node, positive):
        value = semiring.from_probability(probs[node])
        return value if positive else semiring.negate(value)

    evaluator = DirectEvaluator(simplified, TensorOps(semiring, like), leaf)
    direct = torch.stack([evaluator.literal(r) for r in roots], dim=1)
    dag = ground2dag(simplified, roots)
    assert dag is not None
    validate(dag.circuit)
    weights = semiring.from_probability(dag.weights(probs, like))
    planned = CircuitPlan(dag.circuit).evaluate(weights, weights, semiring)
    return direct, planned, probs


@pytest.mark.parametrize("semantics", DERIVATION_SEMIRINGS)
@pytest.mark.parametrize("seed", range(15))
def test_plan_agrees_with_the_direct_evaluator(semantics, seed):
    text = _program(random.Random(seed))
    direct, planned, probs = _both(text, semantics, batch=6, seed=seed)
    assert planned.shape == direct.shape
    torch.testing.assert_close(planned, direct, rtol=0, atol=1e-12, msg=text)
    # the gradients too: of a random mix of the roots, w.r.t. every leaf probability
    mix = torch.rand(direct.shape, generator=torch.Generator().manual_seed(seed),
                     dtype=torch.float64)
    leaves = list(probs.values())
    direct_grads = torch.autograd.grad((direct * mix).sum(), leaves, allow_unused=True)
    planned_grads = torch.autograd.grad((planned * mix).sum(), leaves, allow_unused=True)
    for d, p in zip(direct_grads, planned_grads, strict=True):
        torch.testing.assert_close(torch.zeros(6, dtype=torch.float64) if p is None else p,
                                   torch.zeros(6, dtype=torch.float64) if d is None else d,
                                   rtol=0, atol=1e-10, msg=text)


def test_twin_atoms_are_multiplied_not_merged():
    text = "0.5::f0. 0.8::f1.\nt0 :- f0, f1.\nt1 :- f0, f1.\nt2 :- t0, t1.\nquery(t2).\n"
    direct, planned, _ = _both(text, "fuzzy-product", batch=3, seed=0)
    torch.testing.assert_close(planned, direct)
    assert nesy.query(text, "fuzzy-product")["t2"] == pytest.approx(0.4 * 0.4)


@pytest.mark.parametrize("semantics", ["fuzzy-product", "fuzzy-lukasiewicz"])
def test_gradcheck(semantics):
    semiring = get_semiring(semantics)
    text = _program(random.Random(3))
    simplified = nesy.query(text, semantics).simplified
    roots = [lit for _, lit in simplified.queries]
    dag = ground2dag(simplified, roots)
    plan = CircuitPlan(dag.circuit)
    generator = torch.Generator().manual_seed(1)
    weights = (torch.rand(4, dag.circuit.num_vars + 1, generator=generator,
                          dtype=torch.float64) * 0.8 + 0.1).requires_grad_(True)

    def run(w):
        return plan.evaluate(w, w, semiring)

    assert torch.autograd.gradcheck(run, (weights,))


CYCLIC = """
0.6::f0. 0.3::f1.
a :- f0.
a :- b, f1.
b :- a.
query(a). query(b).
"""


def test_a_cycle_has_no_dag():
    simplified = nesy.query(CYCLIC, "fuzzy-product").simplified
    assert ground2dag(simplified, [lit for _, lit in simplified.queries]) is None


NEURAL = """
nn(net, [X], Y, [0, 1, 2]) :: d(X, Y).
0.4::g.
s(X) :- d(X, 1).
s(X) :- r(X), d(X, 2).
r(X) :- s(X), g.
q(X) :- s(X), \\+ r(X).
q(X) :- d(X, 0), \\+ g.
"""


@pytest.mark.parametrize("semantics", DERIVATION_SEMIRINGS)
def test_module_keeps_the_fixpoint_for_a_cycle_and_the_plan_otherwise(semantics):
    row = [0.2, 0.5, 0.3]
    plain = NEURAL.split("\n", 2)[2] + "; ".join(
        f"{p}::d(a, {v})" for v, p in enumerate(row)) + ".\nquery(q(a)).\n"
    expected = nesy.query(plain, semantics)["q(a)"]
    model = nesy.Module(NEURAL, {"net": Fixed(torch.tensor([row], dtype=torch.float64))},
                        "q(X)", semantics=semantics)
    with torch.no_grad():
        got = model.probability({"X": torch.tensor([[0]])}, {})
    assert float(got[0]) == pytest.approx(expected, abs=1e-12)
    assert not any(shape.plan.how.levelled for shape in model._shapes.values())  # the cycle
    acyclic = NEURAL.replace("s(X) :- r(X), d(X, 2).", "s(X) :- d(X, 2), g.")
    model = nesy.Module(acyclic, {"net": Fixed(torch.tensor([row], dtype=torch.float64))},
                        "q(X)", semantics=semantics)
    with torch.no_grad():
        got = model.probability({"X": torch.tensor([[0]])}, {})
    plain = acyclic.split("\n", 2)[2] + "; ".join(
        f"{p}::d(a, {v})" for v, p in enumerate(row)) + ".\nquery(q(a)).\n"
    assert float(got[0]) == pytest.approx(nesy.query(plain, semantics)["q(a)"], abs=1e-12)
    assert all(shape.plan.how.levelled for shape in model._shapes.values())


@pytest.mark.parametrize("semantics", sorted(name for name, cls in REGISTRY.items()
                                             if not cls.selects_proofs))
@pytest.mark.parametrize("seed", range(5))
def test_levelled_plan_matches_the_node_walk_on_wide_gates(semantics, seed):
    """The batched plan (n-ary gates reduced by `add_all`/`mul_all`, binary ones by `add`/`mul`,
    NOT by `negate`) equals the one-example float walk, example by example."""
    from nesy.circuit.circuit import AND, LIT, NOT, OR, Circuit

    semiring = get_semiring(semantics)
    rng = random.Random(seed)
    circuit = Circuit(6, idempotent=False)
    nodes = [circuit.add(LIT, v) for v in range(1, 7)] + [circuit.add(LIT, -3)]
    for _ in range(30):
        kind = rng.choice([AND, OR, NOT])
        if kind == NOT:
            nodes.append(circuit.add(NOT, (rng.choice(nodes),)))
        else:
            nodes.append(circuit.add(kind, tuple(rng.choice(nodes)
                                                 for _ in range(rng.randint(2, 7)))))
    circuit.roots = nodes[-5:]
    validate(circuit)
    generator = torch.Generator().manual_seed(seed)
    pos = torch.rand(4, 7, generator=generator, dtype=torch.float64)
    neg = 1.0 - pos
    batched = CircuitPlan(circuit).evaluate(pos, neg, semiring)
    for b in range(4):
        walked = CircuitPlan(circuit).evaluate(pos[b].tolist(), neg[b].tolist(), semiring)
        torch.testing.assert_close(batched[b], torch.tensor(walked, dtype=torch.float64),
                                   rtol=1e-12, atol=1e-12)
