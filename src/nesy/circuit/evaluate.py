"""Batched circuit evaluation: a levelled plan built once, run on [B, ...] tensors.

Nodes of the same depth and kind form one step: a gather of their children as a
[B, nodes, width] block (padded with the kind's neutral element) and one reduction of the width
by the semiring (`add_all`, `mul_all`; `negate` for a NOT), so a circuit costs a few tensor ops
per level, never one per node or per example. One example with fixed weights (plain floats, no
torch) walks the circuit node by node instead, without building the plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nesy.circuit.circuit import AND, FALSE, GATES, LIT, NOT, OR, TRUE, Circuit
from nesy.semiring.base import Semiring

if TYPE_CHECKING:
    import torch


class CircuitPlan:
    """A circuit's evaluation plan. The levelled plan is built on the first
    batched (tensor) evaluation; one example's floats walk the circuit's nodes directly, so a
    one-off query does not pay for a plan it runs once."""

    def __init__(self, circuit: Circuit):
        self.circuit = circuit
        self._levelled = False
        self._indices: dict = {}  # device -> the steps, leaves and roots as index tensors

    def level(self) -> None:
        """Group the AND/OR/NOT nodes by depth and kind: each group is one step that gathers
        its nodes' children as a [B, nodes, width] block and reduces the width."""
        if self._levelled:
            return
        circuit = self.circuit
        num_vars = circuit.num_vars
        leaf_sources: list[int] = []
        position: dict[int, int] = {}  # node -> its column in the values; 0 zero, 1 one
        for node, (kind, data) in enumerate(zip(circuit.kinds, circuit.data, strict=False)):
            if kind in (FALSE, TRUE):
                position[node] = int(kind == TRUE)
            elif kind == LIT:
                position[node] = 2 + len(leaf_sources)
                leaf_sources.append(data if data > 0 else num_vars + 1 - data)
        depth = dict.fromkeys(position, 0)
        groups: dict[tuple[int, int], list[int]] = {}
        for node, (kind, data) in enumerate(zip(circuit.kinds, circuit.data, strict=False)):
            if kind in GATES:
                depth[node] = 1 + max(depth[c] for c in data)
                groups.setdefault((depth[node], kind), []).append(node)
        next_position = 2 + len(leaf_sources)
        #: per group of nodes of one depth and kind: (kind, their children's positions, n x
        #: width row-major, padded with the kind's neutral position, width), plain ints
        self.steps: list[tuple[int, list[int], int]] = []
        for (_, kind), members in sorted(groups.items()):
            for chunk in width_chunks(members, lambda n: len(circuit.data[n])):
                width = max(len(circuit.data[n]) for n in chunk)
                neutral = int(kind == AND)  # one pads an AND, zero an OR
                index = []
                for node in chunk:
                    children = [position[c] for c in circuit.data[node]]
                    index.extend(children + [neutral] * (width - len(children)))
                    position[node] = next_position
                    next_position += 1
                self.steps.append((kind, index, width))
        self.leaf_sources = leaf_sources
        self.reads_neg = any(source > num_vars for source in leaf_sources)
        self.roots = [position[r] for r in circuit.roots]
        self.size = next_position
        self._levelled = True

    def evaluate(self, pos: torch.Tensor | list[float], neg: torch.Tensor | list[float],
                 semiring: Semiring) -> torch.Tensor | list[float]:
        """Root values [B, n_roots] from literal weights `pos`, `neg` of shape [B, num_vars + 1];
        for lists of num_vars + 1 floats (one example), the n_roots root values as floats."""
        if isinstance(pos, list):
            return self.evaluate_floats(pos, neg, semiring)
        import torch

        self.level()
        steps, leaf_sources, roots = self._index_tensors(pos.device)
        # a circuit without negative literals (a derivation DAG) reads `pos` only
        weights = torch.cat([pos, neg], dim=1) if self.reads_neg else pos
        column = weights[:, :1]
        values = torch.cat([semiring.zero(column), semiring.one(column),
                            weights.index_select(1, leaf_sources)], dim=1)
        batch = values.shape[0]
        for kind, index, width in steps:
            if kind == NOT:
                out = semiring.negate(values.index_select(1, index))
            elif width == 2:  # two gathers and the binary op cost less than a reduction
                a, b = (values.index_select(1, i) for i in index)
                out = semiring.mul(a, b) if kind == AND else semiring.add(a, b)
            else:
                block = values.index_select(1, index).view(batch, -1, width)
                out = semiring.mul_all(block) if kind == AND else semiring.add_all(block)
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
            elif kind == NOT:
                append(semiring.negate(value[data[0]]))
            else:
                append(zero if kind == FALSE else one)
        return [value[r] for r in self.circuit.roots]

    def _index_tensors(self, device: torch.device) -> tuple:
        """The plan's positions as long tensors on `device`, built once per device."""
        if device not in self._indices:
            import torch

            def index(items):
                return torch.tensor(items, dtype=torch.long, device=device)

            self._indices[device] = ([(k, (index(i[0::2]), index(i[1::2]))
                                       if k != NOT and w == 2 else index(i), w)
                                      for k, i, w in self.steps],
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


def width_chunks(items: list[int], width) -> list[list[int]]:
    """`items` (one level's nodes of one kind) in groups padded to their widest, `width(item)`
    being an item's number of children: widest first, a group closed before padding would more
    than double its cells, so one wide node does not widen many narrow ones."""
    ordered = sorted(items, key=lambda item: -width(item))
    chunks: list[list[int]] = []
    cells = 0
    for item in ordered:
        size = width(item)
        if chunks and (len(chunks[-1]) + 1) * width(chunks[-1][0]) <= 2 * (cells + size) + 8:
            chunks[-1].append(item)
            cells += size
        else:
            chunks.append([item])
            cells = size
    return chunks
