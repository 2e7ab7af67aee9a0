"""The Circuit IR: an AND/OR DAG over literals of circuit variables 1..num_vars.

Nodes are numbered children-first. Kinds: FALSE, TRUE, LIT (a signed variable), AND, OR, NOT.
A compiled circuit is deterministic and decomposable, so sum-product on it is model counting;
it has no NOT. A ground program's derivations as a circuit (`compile.ground2dag`, for the
semantics that need no compilation) is neither, and negates derived atoms with NOT.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FALSE, TRUE, LIT, AND, OR, NOT = range(6)
KIND_NAMES = {FALSE: "false", TRUE: "true", LIT: "lit", AND: "and", OR: "or", NOT: "not"}
GATES = (AND, OR, NOT)  # the kinds whose data is a tuple of child ids (NOT: one child)


@dataclass
class Circuit:
    num_vars: int
    kinds: list[int] = field(default_factory=list)
    data: list = field(default_factory=list)  # LIT: signed var; gates: tuple of child ids
    roots: list[int] = field(default_factory=list)
    #: a repeated child of an AND/OR is dropped (a ∧ a = a): true of a logical formula, not of
    #: derivations evaluated where a ⊗ a ≠ a (the fuzzy product, Łukasiewicz)
    idempotent: bool = True
    _memo: dict = field(default_factory=dict, repr=False)

    def add(self, kind: int, data=None) -> int:
        """Add a node (hash-consed), folding constants and single children."""
        if kind == NOT:
            ckind = self.kinds[data[0]]
            if ckind in (TRUE, FALSE):
                return self.constant(ckind == FALSE)
        if kind in (AND, OR):
            absorbing, neutral = (FALSE, TRUE) if kind == AND else (TRUE, FALSE)
            children = []
            for child in data:
                ckind = self.kinds[child]
                if ckind == absorbing:
                    return self.constant(absorbing == TRUE)
                if ckind != neutral:
                    children.append(child)
            children = tuple(dict.fromkeys(children)) if self.idempotent else tuple(children)
            if not children:
                return self.constant(neutral == TRUE)
            if len(children) == 1:
                return children[0]
            data = children
        key = (kind, data)
        node = self._memo.get(key)
        if node is None:
            node = self._memo[key] = len(self.kinds)
            self.kinds.append(kind)
            self.data.append(data)
        return node

    def constant(self, value: bool) -> int:
        return self.add(TRUE if value else FALSE)

    def literal(self, lit: int) -> int:
        return self.add(LIT, lit)

    @property
    def size(self) -> int:
        return len(self.kinds)

    def edges(self) -> int:
        return sum(len(d) for k, d in zip(self.kinds, self.data, strict=False) if k in GATES)

    def pretty(self) -> str:
        lines = [f"circuit: {self.size} nodes, {self.edges()} edges, {self.num_vars} variables"]
        for node, (kind, data) in enumerate(zip(self.kinds, self.data, strict=False)):
            if kind in GATES:
                lines.append(f"{node}: {KIND_NAMES[kind]} {' '.join(map(str, data))}")
            elif kind == LIT:
                lines.append(f"{node}: {'-' if data < 0 else ''}x{abs(data)}")
            else:
                lines.append(f"{node}: {KIND_NAMES[kind]}")
        lines.append(f"roots: {self.roots}")
        return "\n".join(lines)

    def validate(self) -> None:
        """Structural invariants (see `validate`)."""
        validate(self)

    def var_sets(self) -> list[int]:
        """Per node, the set of variables below it, as a bit mask."""
        masks = []
        for kind, data in zip(self.kinds, self.data, strict=False):
            if kind == LIT:
                masks.append(1 << abs(data))
            elif kind in GATES:
                mask = 0
                for child in data:
                    mask |= masks[child]
                masks.append(mask)
            else:
                masks.append(0)
        return masks

    def smoothed(self) -> Circuit:
        """An equivalent circuit whose OR children (and roots) mention the same variables.

        Needed by semirings where `x ⊕ ¬x` is not one (max-product). Compiled circuits only
        (no NOT).
        """
        assert NOT not in self.kinds, "only a compiled circuit (no NOT) is smoothed"
        masks = self.var_sets()
        out = Circuit(self.num_vars)
        mapping: dict[int, int] = {}
        gadgets: dict[int, int] = {}

        def gadget(var: int) -> int:
            if var not in gadgets:
                gadgets[var] = out.add(OR, (out.literal(var), out.literal(-var)))
            return gadgets[var]

        def pad(node: int, have: int, want: int) -> int:
            missing = want & ~have
            if not missing:
                return node
            extra = [gadget(v) for v in range(1, self.num_vars + 1) if missing >> v & 1]
            return out.add(AND, (node, *extra))

        for node, (kind, data) in enumerate(zip(self.kinds, self.data, strict=False)):
            if kind == LIT:
                mapping[node] = out.literal(data)
            elif kind in (TRUE, FALSE):
                mapping[node] = out.constant(kind == TRUE)
            elif kind == AND:
                mapping[node] = out.add(AND, tuple(mapping[c] for c in data))
            else:
                mapping[node] = out.add(OR, tuple(pad(mapping[c], masks[c], masks[node])
                                                  for c in data))
        everything = (1 << (self.num_vars + 1)) - 2
        out.roots = [pad(mapping[r], masks[r], everything) for r in self.roots]
        return out


def validate(circuit: Circuit) -> None:
    """Children before parents, literals within range, one child per NOT, roots present."""
    for node, (kind, data) in enumerate(zip(circuit.kinds, circuit.data, strict=False)):
        if kind in GATES:
            assert all(0 <= c < node for c in data), node
            assert kind != NOT or len(data) == 1, node
        elif kind == LIT:
            assert 1 <= abs(data) <= circuit.num_vars, node
    assert all(0 <= r < circuit.size for r in circuit.roots)
