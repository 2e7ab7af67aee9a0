"""The semiring protocol: `zero`, `one`, `add`, `mul`, `name`, with hooks that have safe defaults.

Values are torch tensors of shape [B] (one per example), so every evaluator is written once and
runs batched; autograd gives gradients through `add`/`mul`. A query with fixed probabilities
runs the same operations on plain floats (see `values`), so it never needs torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nesy.errors import InferenceError
from nesy.semiring.values import Value, all_close, ones_like, zeros_like

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Semiring:
    """Base: subclasses set `name` and override `add`, `mul` and, where defined, `negate`."""

    name = "semiring"
    #: needs a compiled (deterministic, decomposable) circuit rather than the ground program
    needs_circuit = False
    #: conditioning on evidence is defined (exact probability and its relatives)
    supports_evidence = False
    #: an answer is the value of one best world (max over worlds): the circuit gets one variable
    #: per outcome of each choice the grounding reached (relevant or not), is smoothed so that
    #: every world assigns all of them, and the answer comes with its witness world
    needs_smoothing = False
    #: answers are divided by the weight of the evidence (a conditional probability)
    normalize = False
    #: integer arithmetic over neural outputs may stay symbolic (its closed forms are sums of
    #: probabilities of disjoint worlds, exact only for this semantics)
    exact_integers = False
    #: integer arithmetic over neural outputs may stay symbolic, sums convolved with this
    #: semiring's `mul` and `add_all` (`neural/random_integers.py`; the specialised sum-product
    #: code where `exact_integers`). Sound where `add` is idempotent and `mul` distributes over
    #: it (max-product, max-min): each sum's value is that of its best way to be reached, as on
    #: the ground program; not for fuzzy product or Łukasiewicz, whose value depends on the
    #: ground program's shape
    symbolic_integers = False
    #: answers are computed over a selected set of proofs rather than the whole program
    selects_proofs = False
    #: answers are Monte-Carlo estimates over worlds sampled per example (`circuit/sample.py`),
    #: each world's truth read under the boolean semiring
    samples_worlds = False
    #: answers come from the solver back end of this name (`nesy.solvers.REGISTRY`, an
    #: optional extra) instead of a circuit or the ground program's evaluation; a plain class
    #: attribute (str | None) like the capabilities above, not a dataclass field, so that a
    #: subclass's `solver = "..."` is what every instance reads
    solver = None

    def zero(self, like: Value) -> Value:
        return zeros_like(like)

    def one(self, like: Value) -> Value:
        return ones_like(like)

    def add(self, a: Value, b: Value) -> Value:
        raise NotImplementedError

    def mul(self, a: Value, b: Value) -> Value:
        raise NotImplementedError

    def add_all(self, x: torch.Tensor) -> torch.Tensor:
        """The sum over the last dimension of a tensor [..., n] (n >= 1): a balanced tree of
        `add`s by default; a semiring with a direct reduction overrides it."""
        return _tree(x, self.add, self.zero)

    def mul_all(self, x: torch.Tensor) -> torch.Tensor:
        """The product over the last dimension of a tensor [..., n] (n >= 1)."""
        return _tree(x, self.mul, self.one)

    def negate(self, a: Value) -> Value:
        raise InferenceError(f"the {self.name} semantics has no negation")

    def from_probability(self, p: Value) -> Value:
        """Input conversion: a fact's probability to the semiring's value."""
        return p

    def to_output(self, value: Value) -> Value:
        return value

    def converged(self, old: Value, new: Value) -> bool:
        """Fixpoint test for cyclic programs."""
        return all_close(old, new)

    def __str__(self) -> str:
        return self.name


def _tree(x: torch.Tensor, combine, neutral) -> torch.Tensor:
    """`combine` over the last dimension, halving it per step (odd widths padded with
    `neutral`, a function of a tensor like the padding)."""
    if x.shape[-1] == 2:
        return combine(x[..., 0], x[..., 1])
    while x.shape[-1] > 1:
        if x.shape[-1] % 2:
            import torch

            x = torch.cat([x, neutral(x[..., :1])], dim=-1)
        x = combine(x[..., 0::2], x[..., 1::2])
    return x[..., 0]
