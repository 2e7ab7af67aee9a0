"""Test helpers and the pure-Python possible-worlds oracle every fast path is checked against.

The oracle enumerates every world of a ground program (each annotated disjunction picks one
alternative or none), computes the world's least model with stratified negation, and sums or
maximises world probabilities: no circuits, no semiring code shared with the engine.
"""

from __future__ import annotations

import itertools
import math

from nesy.errors import NesyError
from nesy.ground.engine import ground_queries, program_queries
from nesy.ground.ground_program import GroundProgram
from nesy.inference import fixed_probabilities
from nesy.terms import format_term

MAX_ORACLE_WORLDS = 1 << 16


def expect_answers(source: str, expected: dict[str, float], semantics: str = "exact",
                   tolerance: float = 1e-9, **options) -> None:
    import nesy

    result = nesy.query(source, semantics, **options).probabilities
    assert set(result) == set(expected), (sorted(result), sorted(expected))
    for atom, value in expected.items():
        assert abs(result[atom] - value) <= tolerance, (atom, result[atom], value)


def expect_error(source: str, kind: type = NesyError, contains: str = "", line: int | None = None,
                 column: int | None = None, semantics: str = "exact") -> NesyError:
    import nesy

    try:
        nesy.query(source, semantics)
    except kind as exc:
        assert contains in exc.render(), exc.render()
        if line is not None:
            spans = [e.span for e in getattr(exc, "errors", [exc])]
            assert any(s is not None and s.line == line and (column is None or s.column == column)
                       for s in spans), (exc.render(), line, column)
        return exc
    raise AssertionError(f"expected {kind.__name__} containing {contains!r}")


def worlds(ground: GroundProgram, probabilities: dict[int, float]):
    """Yield (probability, set of true choice nodes) for every world."""
    groups = []
    for members in ground.groups.values():
        nodes = [members[i] for i in sorted(members)]
        probs = [probabilities[n] for n in nodes]
        options = [(p, n) for p, n in zip(probs, nodes, strict=False)]
        rest = 1.0 - sum(probs)
        if len(nodes) == 1:
            options.append((1.0 - probs[0], None))
        elif rest > 1e-15:
            options.append((rest, None))
        groups.append(options)
    count = math.prod(len(g) for g in groups)
    if count > MAX_ORACLE_WORLDS:
        raise ValueError(f"too many worlds for the oracle: {count}")
    for combination in itertools.product(*groups):
        weight = 1.0
        true = set()
        for p, node in combination:
            weight *= p
            if node is not None:
                true.add(node)
        yield weight, true


def least_model(ground: GroundProgram, true_choices: set[int]) -> set[int]:
    """The well-founded least model of the ground rules in one world (stratified negation)."""
    model = set(true_choices)
    derived = list(ground.bodies)
    # negation is stratified: iterate, re-evaluating negations until nothing changes
    for _ in range(10_000):
        previous = set(model)
        frozen = set(model)
        changed = True
        current = {n for n in model if n in ground.choices}
        while changed:
            changed = False
            for node in derived:
                if node in current:
                    continue
                for body in ground.bodies[node]:
                    if all((lit in current) if lit > 0 else (-lit not in frozen) for lit in body):
                        current.add(node)
                        changed = True
                        break
        model = current
        if model == previous:
            return model
    raise ValueError("negation is not stratified: no stable model")


def oracle(source, semantics: str = "exact") -> dict[str, float]:
    """Query answers by enumerating worlds (exact, mpe, boolean)."""
    import nesy

    program = nesy.parse(source) if isinstance(source, str) else source
    ground = program_queries(program, subquery=lambda goal, evidence: conditional_probability(
        program, goal, evidence))
    return _enumerate(ground, program, semantics)


def conditional_probability(program, goal, evidence) -> float:
    """P(goal | evidence) by enumerating worlds, for subquery/2,3."""
    ground = ground_queries(program, [goal], evidence)
    return next(iter(_enumerate(ground, program, "exact").values()))


def _enumerate(ground, program, semantics: str) -> dict[str, float]:
    probabilities = fixed_probabilities(ground, program)
    queries = dict(ground.queries)  # an atom several queries answer counts once (the last)
    totals = {atom: 0.0 for atom in queries}
    evidence_total = 0.0
    for weight, true in worlds(ground, probabilities):
        model = least_model(ground, true)
        if not all((node in model) == value for _, node, value in ground.evidence):
            continue
        evidence_total += weight
        for atom, node in queries.items():
            if node and node in model:
                if semantics == "exact":
                    totals[atom] += weight
                elif semantics == "mpe":
                    totals[atom] = max(totals[atom], weight)
                elif semantics == "boolean" and weight > 0:
                    totals[atom] = 1.0
    if semantics == "exact":
        if evidence_total <= 0:
            raise ValueError("inconsistent evidence")
        return {format_term(a): v / evidence_total for a, v in totals.items()}
    return {format_term(a): v for a, v in totals.items()}
