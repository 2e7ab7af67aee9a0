"""The semiring protocol: `zero`, `one`, `add`, `mul`, `name`, with hooks that have safe defaults.

Values are torch tensors of shape [B] (one per example), so every evaluator is written once and
runs batched; autograd gives gradients through `add`/`mul`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from nesy.errors import InferenceError


@dataclass(frozen=True)
class Semiring:
    """Base: subclasses set `name` and override `add`, `mul` and, where defined, `negate`."""

    name = "semiring"
    #: needs a compiled (deterministic, decomposable) circuit rather than the ground program
    needs_circuit = False
    #: conditioning on evidence is defined (exact probability and its relatives)
    supports_evidence = False

    def zero(self, like: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(like)

    def one(self, like: torch.Tensor) -> torch.Tensor:
        return torch.ones_like(like)

    def add(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def mul(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def negate(self, a: torch.Tensor) -> torch.Tensor:
        raise InferenceError(f"the {self.name} semantics has no negation")

    def from_probability(self, p: torch.Tensor) -> torch.Tensor:
        """Input conversion: a fact's probability to the semiring's value."""
        return p

    def to_output(self, value: torch.Tensor) -> torch.Tensor:
        return value

    def converged(self, old: torch.Tensor, new: torch.Tensor) -> bool:
        """Fixpoint test for cyclic programs."""
        return bool(torch.equal(old, new)) or bool(torch.allclose(old, new, rtol=0, atol=1e-12))

    def __str__(self) -> str:
        return self.name
