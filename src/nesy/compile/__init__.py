"""Knowledge compilation: a simplified GroundProgram → Circuit (SDD, top-k proofs), or direct
semiring values for the semantics defined on derivations (`direct`).

May import: the kernel, `ground`, `semiring` and the circuit IR (`circuit.circuit`) it builds;
never `neural`, `inference` or later stages.
"""
