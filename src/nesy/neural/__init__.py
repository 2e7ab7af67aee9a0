"""Binding networks to neural predicates: `nesy.Module` (bindings, the per-shape cache of query
plans from `nesy.query.compile_query`, network batching, the choice probabilities a plan reads),
the networks shipped with nesy, tensor builtins and random-integer arithmetic.

May import: the kernel and every earlier stage (`syntax`, `front`, `ground`, `semiring`,
`compile`, `circuit`, `proofs`, `query`); never `train`, `datasets` or `cli`.
"""
