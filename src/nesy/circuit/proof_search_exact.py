"""When top-k's pruning search is exact: the one condition both of its forms obey (a batch's
`circuit.topk.ProofSearch`, one example's `semiring.topk.ProofOps` in `nesy.query`).

A search that keeps only the k best proofs of each node is exact when the k best proofs of
every AND are among the products of its parts' k best. That holds when the parts are `apart`:
they share no literal, and no group of choices in which either may pick a positive outcome, so
any proof of one and any proof of the other join into a distinct, consistent proof weighing
the product of theirs. An OR's k best are among its children's k best in any case. Elsewhere
(an AND whose parts' best proofs conflict or overlap) only ranking every proof is exact.

Plain Python (no torch): `nesy query` decides with it too.
"""

from __future__ import annotations

from nesy.circuit.circuit import AND, LIT, NOT, OR, Circuit
from nesy.errors import InferenceError

#: a node's bit masks: of its literal codes, of its groups, of its groups with a positive
#: outcome below it (code c: column c true, n + c: false)
Masks = tuple[int, int, int]


def apart(a: Masks, b: Masks) -> bool:
    """Whether any proof below `a` and any below `b` join into a distinct consistent proof
    weighing the product of theirs: they share no literal, and no group in which either may
    pick a positive outcome (negated outcomes of one group, say `\\+ red, \\+ blue`, join)."""
    return not (a[0] & b[0] or a[2] & b[1] or a[1] & b[2])


def joined(a: Masks, b: Masks) -> Masks:
    return (a[0] | b[0], a[1] | b[1], a[2] | b[2])


def leaf_masks(code: int, groups: list[int]) -> Masks:
    """The masks of one literal code over len(groups) columns (`groups`: each one's group)."""
    n = len(groups)
    group = 1 << groups[code % n]
    return (1 << code, group, group if code < n else 0)


def search_is_exact(circuit: Circuit, groups: list[int]) -> bool:
    """Whether every AND of `circuit` (a derivation DAG: variable i is column i - 1, `groups`
    each column's group of choices, numbered) has its parts pairwise `apart`. Refuses a negated
    derived atom (a NOT over a gate), as top-k does everywhere."""
    n = len(groups)
    masks: list[Masks] = []
    for kind, data in zip(circuit.kinds, circuit.data, strict=True):
        if kind == LIT or (kind == NOT and circuit.kinds[data[0]] == LIT):
            var = data if kind == LIT else -circuit.data[data[0]]
            column = abs(var) - 1
            masks.append(leaf_masks(column if var > 0 else n + column, groups))
        elif kind == AND or kind == OR:
            value = (0, 0, 0)
            for child in data:
                # apart(x | y, z) iff apart(x, z) and apart(y, z): pairwise, in any order
                if kind == AND and not apart(value, masks[child]):
                    return False
                value = joined(value, masks[child])
            masks.append(value)
        elif kind == NOT:
            raise InferenceError("top-k proofs cannot negate a derived atom; use the exact "
                                 "semantics for programs that negate derived atoms")
        else:  # a constant
            masks.append((0, 0, 0))
    return True
