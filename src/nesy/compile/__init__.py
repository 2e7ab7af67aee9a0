"""Knowledge compilation: a simplified GroundProgram → Circuit (SDD, top-k proofs); for the
semantics defined on derivations, the ground program itself as a circuit (`ground2dag`, when
acyclic) or its semiring values node by node to a fixpoint (`direct`).

May import: the kernel, `ground`, `semiring` and the circuit IR (`circuit.circuit`) it builds;
never `neural`, `inference` or later stages.
"""
