"""Proofs: the most probable derivation of an atom, as a tree of ground rules and facts.

The best proof is found with Knuth's generalisation of Dijkstra's algorithm over the ground
program (proof weight = product of its facts' probabilities), so proofs are well founded even in
cyclic programs.
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass, field

from nesy.errors import InferenceError
from nesy.ground.ground_program import Choice
from nesy.ground.simplify import FALSE, TRUE, Simplified
from nesy.terms import Term, format_term


@dataclass
class ProofNode:
    """One step: an atom with the weight of its best proof, and the steps it rests on."""

    label: str
    weight: float
    kind: str  # "rule", "fact", "negation", "true"
    children: list[ProofNode] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"atom": self.label, "weight": self.weight, "kind": self.kind,
                "children": [c.to_dict() for c in self.children]}


@dataclass
class Proof:
    query: str
    value: float
    semantics: str
    root: ProofNode | None

    def to_text(self) -> str:
        lines = [f"{self.query}: {self.value:.6g} ({self.semantics})"]
        if self.root is None:
            lines.append("  no proof: the query cannot be derived")
            return "\n".join(lines)
        lines.append(f"  best proof, weight {self.root.weight:.6g}:")

        def walk(node: ProofNode, depth: int):
            mark = {"fact": "fact ", "negation": "not  ", "rule": "", "true": ""}[node.kind]
            lines.append(f"{'    ' * depth}  {mark}{node.label}  [{node.weight:.6g}]")
            for child in node.children:
                walk(child, depth + 1)

        walk(self.root, 1)
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"query": self.query, "value": self.value, "semantics": self.semantics,
                "proof": self.root.to_dict() if self.root else None}

    def to_dot(self) -> str:
        lines = ["digraph proof {", "  node [shape=box, fontname=Helvetica];"]
        counter = [0]

        def walk(node: ProofNode) -> str:
            name = f"n{counter[0]}"
            counter[0] += 1
            shape = "ellipse" if node.kind in ("fact", "negation") else "box"
            label = json.dumps(f"{node.label}\n{node.weight:.4g}")
            lines.append(f"  {name} [label={label}, shape={shape}];")
            for child in node.children:
                lines.append(f"  {name} -> {walk(child)};")
            return name

        if self.root is not None:
            walk(self.root)
        lines.append("}")
        return "\n".join(lines)


def best_proof(simplified: Simplified, root, probabilities: dict[int, float], atom: Term,
               value: float, semantics: str) -> Proof:
    query = format_term(atom)
    if root == FALSE:
        return Proof(query, value, semantics, None)
    if root == TRUE:
        return Proof(query, value, semantics, ProofNode(query, 1.0, "true"))
    ground = simplified.ground
    bodies = simplified.bodies
    best: dict[int, tuple[float, tuple]] = {}
    # Knuth: a body's weight is known once its positive derived children are final.
    waiting: dict[int, list[tuple[int, int]]] = {}
    missing: dict[tuple[int, int], int] = {}
    heap: list[tuple[float, int, int]] = []

    def leaf_weight(lit) -> float | None:
        node = abs(lit)
        if node in ground.choices:
            p = probabilities.get(node, 0.5)
            return p if lit > 0 else 1.0 - p
        if lit < 0:
            return 1.0  # a negated derived atom: a leaf of the proof
        return None

    def push(node: int, index: int):
        weight = 1.0
        for lit in bodies[node][index]:
            w = leaf_weight(lit)
            weight *= w if w is not None else best[lit][0]
        heapq.heappush(heap, (-weight, node, index))

    for node, node_bodies in bodies.items():
        for i, body in enumerate(node_bodies):
            derived = [lit for lit in body if lit > 0 and lit not in ground.choices]
            missing[(node, i)] = len(derived)
            for lit in derived:
                waiting.setdefault(lit, []).append((node, i))
            if not derived:
                push(node, i)
    while heap:
        negative_weight, node, index = heapq.heappop(heap)
        if node in best:
            continue
        best[node] = (-negative_weight, bodies[node][index])
        for parent in waiting.get(node, ()):
            missing[parent] -= 1
            if missing[parent] == 0 and parent[0] not in best:
                push(*parent)

    def build(lit, seen: frozenset) -> ProofNode:
        node = abs(lit)
        name = ground.names[node]
        if node in ground.choices:
            label = _choice_label(name, probabilities.get(node))
            return ProofNode(label if lit > 0 else f"\\+{label}", leaf_weight(lit) or 0.0,
                             "fact" if lit > 0 else "negation")
        label = _atom_label(name)
        if lit < 0:
            return ProofNode(f"\\+{label}", 1.0, "negation")
        if node not in best or node in seen:
            raise InferenceError(f"no proof of {label}")
        weight, body = best[node]
        return ProofNode(label, weight, "rule", [build(c, seen | {node}) for c in body])

    if isinstance(root, int) and root > 0 and root not in ground.choices and root not in best:
        return Proof(query, value, semantics, None)
    tree = build(root, frozenset())
    if tree.label != query:
        tree = ProofNode(query, tree.weight, "rule", [tree])
    return Proof(query, value, semantics, tree)


def _choice_label(choice: Choice, p) -> str:
    atom = format_term(choice.atom) if choice.atom is not None else f"choice{choice.group}"
    return f"{p:.6g}::{atom}" if p is not None else atom


def _atom_label(name) -> str:
    if isinstance(name, Term) and name.functor in ("$goal", "$not") and name.args:
        return format_term(name.args[0])
    return format_term(name)
