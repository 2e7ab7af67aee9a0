"""Query-directed grounding with tabling: Program → GroundProgram, then its simplification.

Owns the grounder (`engine`), the builtin implementations (`builtins`, `library_*`; their names
are reserved in `nesy.reserved`), cycle breaking and the simplified ground program.
May import: the kernel (`terms`, `arith`, `reserved`, `errors`, `limits`), `extern`, `syntax`
and `front`; never `semiring`, `compile`, `circuit` or later stages.
"""
