"""Knowledge compilation: a simplified GroundProgram → Circuit (SDD, `ground2circuit`); every
proof of each answer as a table for batched top-k where its DAG search does not serve
(`proof_table`); for the semantics defined on
derivations, the ground program itself as a circuit (`ground2dag`, when acyclic) or its semiring
values node by node to a fixpoint (`direct`). Which of these a query uses is the plan's choice
(`nesy.query`).

May import: the kernel, `ground`, `semiring` and `circuit` (the IR it builds, top-k's table);
never `query`, `neural`, `inference` or later stages.
"""
