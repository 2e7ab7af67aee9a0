"""Batched circuit evaluation: a levelled plan of binary ops built once, run on [B, ...] tensors.

Every AND/OR node is split into a balanced tree of binary ops; ops at the same depth and of the
same kind run as one gather-and-combine over the batch, so a circuit costs a few tensor ops per
level, never one per node or per example. One example with fixed weights (plain floats, no
torch) walks the circuit node by node instead, without building the plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nesy.circuit.circuit import AND, FALSE, LIT, OR, TRUE, Circuit
from nesy.semiring.base import Semiring

if TYPE_CHECKING:
    import torch


class CircuitPlan:
    """A circuit's evaluation plan. The levelled plan of binary ops is built on the first
    batched (tensor) evaluation; one example's floats walk the circuit's nodes directly, so a
    one-off query does not pay for a plan it runs once."""

    def __init__(self, circuit: Circuit):
        self.circuit = circuit
        self._levelled = False
        self._indices: dict = {}  # device -> the steps, leaves and roots as index tensors

    def _level(self) -> None:
        """Split every AND/OR node into a balanced tree of binary ops grouped by depth."""
        if self._levelled:
            return
        circuit = self.circuit
        num_vars = circuit.num_vars
        leaf_sources: list[int] = []
        vid_of: dict[int, int] = {}
        level: list[int] = [0, 0]  # virtual ids 0 (zero) and 1 (one)
        ops: list[tuple[int, int, int]] = []  # (kind, left vid, right vid); vid = 2 + leaves + i
        for node, (kind, data) in enumerate(zip(circuit.kinds, circuit.data, strict=False)):
            if kind == FALSE:
                vid_of[node] = 0
            elif kind == TRUE:
                vid_of[node] = 1
            elif kind == LIT:
                vid_of[node] = -(len(leaf_sources) + 1)  # patched below
                leaf_sources.append(data if data > 0 else num_vars + 1 - data)
        n_leaves = 2 + len(leaf_sources)
        level.extend([0] * len(leaf_sources))
        for node in vid_of:
            if vid_of[node] < 0:
                vid_of[node] = 1 - vid_of[node]
        for node, (kind, data) in enumerate(zip(circuit.kinds, circuit.data, strict=False)):
            if kind not in (AND, OR):
                continue
            items = [vid_of[c] for c in data]
            while len(items) > 1:
                paired = []
                for i in range(0, len(items) - 1, 2):
                    vid = n_leaves + len(ops)
                    ops.append((kind, items[i], items[i + 1]))
                    level.append(max(level[items[i]], level[items[i + 1]]) + 1)
                    paired.append(vid)
                if len(items) % 2:
                    paired.append(items[-1])
                items = paired
            vid_of[node] = items[0]
        groups: dict[tuple[int, int], list[int]] = {}
        for i, (kind, _, _) in enumerate(ops):
            groups.setdefault((level[n_leaves + i], kind), []).append(i)
        position = list(range(n_leaves)) + [0] * len(ops)
        next_position = n_leaves
        #: per level and kind: (kind, left positions, right positions), as plain int lists
        self.steps: list[tuple[int, list[int], list[int]]] = []
        for key in sorted(groups):
            members = groups[key]
            for i in members:
                position[n_leaves + i] = next_position
                next_position += 1
            left = [position[ops[i][1]] for i in members]
            right = [position[ops[i][2]] for i in members]
            self.steps.append((key[1], left, right))
        self.leaf_sources = leaf_sources
        self.roots = [position[vid_of[r]] for r in circuit.roots]
        self.size = next_position
        self._levelled = True

    def evaluate(self, pos: torch.Tensor | list[float], neg: torch.Tensor | list[float],
                 semiring: Semiring) -> torch.Tensor | list[float]:
        """Root values [B, n_roots] from literal weights `pos`, `neg` of shape [B, num_vars + 1];
        for lists of num_vars + 1 floats (one example), the n_roots root values as floats."""
        if isinstance(pos, list):
            return self.evaluate_floats(pos, neg, semiring)
        import torch

        self._level()
        steps, leaf_sources, roots = self._index_tensors(pos.device)
        weights = torch.cat([pos, neg], dim=1)
        column = weights[:, :1]
        values = torch.cat([semiring.zero(column), semiring.one(column),
                            weights.index_select(1, leaf_sources)], dim=1)
        for kind, left, right in steps:
            a = values.index_select(1, left)
            b = values.index_select(1, right)
            out = semiring.mul(a, b) if kind == AND else semiring.add(a, b)
            values = torch.cat([values, out], dim=1)
        return values.index_select(1, roots)

    def evaluate_floats(self, pos: list[float], neg: list[float],
                        semiring: Semiring) -> list[float]:
        """The circuit on one example's float weights, node by node (children come first)."""
        zero, one = semiring.zero(0.0), semiring.one(0.0)
        mul, add = semiring.mul, semiring.add
        value: list = []
        append = value.append
        for kind, data in zip(self.circuit.kinds, self.circuit.data, strict=True):
            if kind == LIT:
                append(pos[data] if data > 0 else neg[-data])
            elif kind == AND or kind == OR:
                combine = mul if kind == AND else add
                children = iter(data)
                total = value[next(children)]
                for child in children:
                    total = combine(total, value[child])
                append(total)
            else:
                append(zero if kind == FALSE else one)
        return [value[r] for r in self.circuit.roots]

    def _index_tensors(self, device: torch.device) -> tuple:
        """The plan's positions as long tensors on `device`, built once per device."""
        if device not in self._indices:
            import torch

            def index(items):
                return torch.tensor(items, dtype=torch.long, device=device)

            self._indices[device] = ([(k, index(a), index(b)) for k, a, b in self.steps],
                                     index(self.leaf_sources), index(self.roots))
        return self._indices[device]


def best_assignment(circuit: Circuit, root: int, pos: list[float], neg: list[float]) -> list[int]:
    """The literals of a maximum-weight model below `root` (max-product, for explanations)."""
    value: list[float] = []
    for kind, data in zip(circuit.kinds, circuit.data, strict=False):
        if kind == FALSE:
            value.append(0.0)
        elif kind == TRUE:
            value.append(1.0)
        elif kind == LIT:
            value.append(pos[data] if data > 0 else neg[-data])
        elif kind == AND:
            v = 1.0
            for c in data:
                v *= value[c]
            value.append(v)
        else:
            value.append(max(value[c] for c in data))
    chosen: list[int] = []
    stack = [root]
    while stack:
        node = stack.pop()
        kind, data = circuit.kinds[node], circuit.data[node]
        if kind == LIT:
            chosen.append(data)
        elif kind == AND:
            stack.extend(data)
        elif kind == OR:
            stack.append(max(data, key=lambda c: value[c]))
    return chosen
