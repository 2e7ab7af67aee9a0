"""Variable orders for knowledge compilation: chains (an HMM with every output observed, a
layered Bayesian network) compile small, and the race between orders keeps the answers."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

import nesy
from nesy.compile.ground2circuit import FIRST_ROUND_NODES, compile_first
from nesy.errors import LimitError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from families import (  # noqa: E402
    HMM_EMISSIONS,
    HMM_STATES,
    HMM_TRANSITIONS,
    hidden_markov_model,
    hmm_outputs,
)


def hmm_posteriors(steps: int, observed: list[str]) -> dict[tuple[int, str], float]:
    """P(state(t) = s | every output) by summing over all state sequences."""
    start = dict(zip(HMM_STATES, (0.5, 0.3, 0.2), strict=True))
    joint: dict[tuple[int, str], float] = {}
    total = 0.0
    for path in itertools.product(HMM_STATES, repeat=steps):
        p = start[path[0]]
        for t, state in enumerate(path):
            p *= HMM_EMISSIONS[state]["ab".index(observed[t])] / 100
            if t + 1 < steps:
                p *= HMM_TRANSITIONS[state][HMM_STATES.index(path[t + 1])] / 100
        total += p
        for t, state in enumerate(path):
            joint[t, state] = joint.get((t, state), 0.0) + p
    return {key: value / total for key, value in joint.items()}


def test_hmm_compiles_small_and_matches_enumeration():
    steps = 8  # breadth-first from the queries and evidence needed > 5,000,000 SDD nodes here
    text = hidden_markov_model(steps)
    got = nesy.query(text, limits=nesy.Limits(max_circuit_nodes=100_000)).probabilities
    expected = hmm_posteriors(steps, hmm_outputs(steps))
    assert len(got) == 4
    for s in HMM_STATES:
        assert got[f"state({steps - 1},{s})"] == pytest.approx(expected[steps - 1, s], abs=1e-9)
    assert got[f"state({steps // 2},s2)"] == pytest.approx(expected[steps // 2, "s2"], abs=1e-9)


def _build_fitting(sizes: dict[str, int], calls: list):
    """A stand-in for compilation: order `name` needs `sizes[name]` nodes."""

    def build(order, limits):
        calls.append((order[0], limits.max_circuit_nodes))
        if sizes[order[0]] > limits.max_circuit_nodes:
            raise LimitError("too large", "max_circuit_nodes", limits.max_circuit_nodes)
        return order[0]

    return build


def test_compile_first_takes_the_first_order_to_fit_the_growing_budget():
    calls: list = []
    sizes = {"a": 10 * FIRST_ROUND_NODES, "b": 3 * FIRST_ROUND_NODES}
    got = compile_first([["a"], ["b"]], _build_fitting(sizes, calls), nesy.Limits())
    assert got == "b"
    assert calls == [("a", FIRST_ROUND_NODES), ("b", FIRST_ROUND_NODES),
                     ("a", 4 * FIRST_ROUND_NODES), ("b", 4 * FIRST_ROUND_NODES)]


def test_compile_first_reports_the_real_limit_when_no_order_fits():
    calls: list = []
    limits = nesy.Limits(max_circuit_nodes=2 * FIRST_ROUND_NODES)
    with pytest.raises(LimitError) as caught:
        compile_first([["a"], ["b"]], _build_fitting({"a": 10**9, "b": 10**9}, calls), limits)
    assert caught.value.limit_name == "max_circuit_nodes"
    assert "max_circuit_nodes=40000" in str(caught.value)
    assert calls[-2:] == [("a", 2 * FIRST_ROUND_NODES), ("b", 2 * FIRST_ROUND_NODES)]


def test_compile_first_passes_other_limits_through_at_once():
    def build(order, limits):
        raise LimitError("too slow", "timeout_s", 1.0)

    with pytest.raises(LimitError, match="timeout_s"):
        compile_first([["a"], ["b"]], build, nesy.Limits())
