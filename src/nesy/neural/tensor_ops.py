"""DeepProbLog's tensor builtins (`library/tensor.pl`) computed on batches.

A builtin's result is the term tensor('$op'(Op, Args)); the Module computes it when a network
reads it or a clause uses it as its probability. DeepProbLog applies each builtin to one
example's tensors; here every operand is a [B, ...] tensor (constants repeated B times), so
each operation acts on the dimensions after the batch dimension.
"""

from __future__ import annotations

import torch

from nesy.errors import NeuralError

TENSOR_OP = "$op"  # tensor('$op'(Op, Args)): a tensor builtin's deferred result


def _pair(name: str, args: list):
    x, y = args
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        raise NeuralError(f"{name}/3 needs two tensors")
    return x, y


def _items(name: str, args: list) -> list[torch.Tensor]:
    (items,) = args
    if not isinstance(items, list) or not items or \
            not all(isinstance(t, torch.Tensor) for t in items):
        raise NeuralError(f"{name}/2 needs a non-empty list of tensors")
    return items


def _flat(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(x.shape[0], -1)


def _constant(value, batch: int, like: torch.Tensor | None) -> torch.Tensor:
    tensor = torch.tensor(value, dtype=like.dtype if like is not None else torch.float32,
                          device=like.device if like is not None else None)
    return tensor.unsqueeze(0).expand(batch, *tensor.shape)


def apply_op(name: str, args: list, batch: int, like: torch.Tensor | None) -> torch.Tensor:
    """The batched result of tensor builtin `name` on evaluated arguments: [B, ...] tensors,
    numbers, or lists of these."""
    if name == "add":
        x, y = _pair(name, args)
        return x + y
    if name == "mul":
        x, y = _pair(name, args)
        return x * y
    if name == "dot":
        x, y = _pair(name, args)
        return (_flat(x) * _flat(y)).sum(1)
    if name == "rbf":
        x, y = _pair(name, args)
        return torch.exp(-torch.linalg.vector_norm(_flat(x - y), dim=1))
    if name == "sigmoid":
        return torch.sigmoid(args[0])
    if name == "max":
        return torch.stack(_items(name, args), 1).max(1).values
    if name == "mean":
        return torch.stack(_items(name, args), 1).mean(1)
    if name == "stack":
        return torch.stack(_items(name, args), 1)
    if name == "cat":
        return torch.cat(_items(name, args), 1)
    if name == "one_hot":
        index, size = args
        if not (isinstance(index, int) and isinstance(size, int) and 0 <= index < size):
            raise NeuralError(f"one_hot/3 needs an index in 0..N-1 and a size N, got "
                              f"{index!r} and {size!r}")
        row = [0.0] * size
        row[index] = 1.0
        return _constant(row, batch, like)
    if name == "list_to_tensor":
        (values,) = args
        if not isinstance(values, list) or not _numeric(values):
            raise NeuralError("list_to_tensor/2 needs a (nested) list of numbers")
        return _constant(values, batch, like)
    if name == "tensor_index":
        tensor, index = args
        if not (isinstance(index, list) and all(isinstance(i, int) for i in index)):
            raise NeuralError("tensor_index/3 needs a list of integer indices")
        return tensor[(slice(None), *index)]
    if name == "less_than":
        x, y = _pair(name, args)
        return (_flat(x) < _flat(y)).all(1).to(like.dtype if like is not None else x.dtype)
    raise NeuralError(f"unknown tensor builtin {name}")


def _numeric(values) -> bool:
    if isinstance(values, list):
        return all(_numeric(v) for v in values)
    return isinstance(values, (int, float)) and not isinstance(values, bool)
