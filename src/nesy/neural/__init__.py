"""Binding networks to neural predicates: `nesy.Module` (bindings, the per-shape cache, the
query plan), the networks shipped with nesy, tensor builtins and random-integer arithmetic.

May import: the kernel and every earlier stage (`syntax`, `front`, `ground`, `semiring`,
`compile`, `circuit`, `proofs`); never `train`, `datasets` or `cli`.
"""
