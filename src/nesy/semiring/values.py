"""Element-wise operations on semiring values, which are plain Python floats or torch tensors.

A query with fixed probabilities evaluates one example on floats, so answering it never imports
torch (the CLI's cold start); a batch of network outputs evaluates on tensors of shape [B, ...].
The semirings and the circuit evaluator are written once against these few functions; each
takes the float path when every argument is a number and the tensor path otherwise (torch is
already loaded then, since a tensor exists).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    import torch

#: one example's value (float) or a batch of them (tensor)
Value: TypeAlias = "float | torch.Tensor"


def is_scalar(x: object) -> bool:
    """Whether `x` is a plain number (the unbatched float path)."""
    return isinstance(x, (int, float))


def zeros_like(like: Value) -> Value:
    if is_scalar(like):
        return 0.0
    import torch

    return torch.zeros_like(like)


def ones_like(like: Value) -> Value:
    if is_scalar(like):
        return 1.0
    import torch

    return torch.ones_like(like)


def maximum(a: Value, b: Value) -> Value:
    if is_scalar(a):
        return (a if a >= b else b) if is_scalar(b) else b.clamp(min=a)
    return a.clamp(min=b) if is_scalar(b) else a.maximum(b)


def minimum(a: Value, b: Value) -> Value:
    if is_scalar(a):
        return (a if a <= b else b) if is_scalar(b) else b.clamp(max=a)
    return a.clamp(max=b) if is_scalar(b) else a.minimum(b)


def clamp(x: Value, low: float | None = None, high: float | None = None) -> Value:
    """`x` limited to [low, high] (either bound may be None)."""
    if not is_scalar(x):
        return x.clamp(min=low, max=high)
    if low is not None and x < low:
        x = low
    if high is not None and x > high:
        x = high
    return float(x)


def where(condition, a: Value, b: Value) -> Value:
    """`a` where `condition` holds, else `b` (both already computed)."""
    if is_scalar(condition):  # a bool is an int
        return a if condition else b
    import torch

    return torch.where(condition, a, b)


def indicator(condition, like: Value) -> Value:
    """1.0 where `condition` holds, else 0.0, in `like`'s kind and dtype."""
    if is_scalar(condition):
        return 1.0 if condition else 0.0
    return condition.to(like.dtype)


def all_close(old: Value, new: Value, atol: float = 1e-12) -> bool:
    """Equal, or equal within `atol` everywhere (the fixpoint test of cyclic programs)."""
    if is_scalar(old) and is_scalar(new):
        return old == new or abs(old - new) <= atol
    import torch

    old, new = torch.as_tensor(old), torch.as_tensor(new)
    return bool(torch.equal(old, new)) or bool(torch.allclose(old, new, rtol=0, atol=atol))


def stack_columns(columns: list[Value]) -> Value | list[float]:
    """Values [B] as the columns of a [B, n] tensor; plain floats stay a list of n floats."""
    if all(is_scalar(c) for c in columns):
        return [float(c) for c in columns]
    import torch

    return torch.stack(columns, dim=1)
