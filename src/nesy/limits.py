"""Resource limits for grounding, compilation and evaluation (raised on LimitError)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Bounds that turn a runaway program into a LimitError naming the bound."""

    max_ground_atoms: int = 1_000_000
    max_depth: int = 2_000
    timeout_s: float = 600.0
    max_circuit_nodes: int = 5_000_000
    max_fixpoint_iterations: int = 10_000
    max_distribution_size: int = 1_000_000
