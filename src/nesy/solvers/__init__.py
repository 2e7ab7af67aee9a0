"""Bridges to combinatorial solvers (MaxSAT, ASP, SMT, CP-SAT), each an optional extra.

Owns: the solver interface (`base.py`), one file per back end, and `REGISTRY`, the name-keyed
table the semantics switch reaches them through. May import: the kernel, every stage up to
`query`/`inference` (ground programs, Results), and a solver package only lazily, through
`base.require`, so `import nesy` never needs one and a missing one is a clean error naming
`pip install nesy[solvers]`.

How a back end plugs in (one file, one registry line, one semiring):

1. `solvers/<name>.py` defines a subclass of `base.Backend` with a canonical `name` and the
   packages it `requires` ((import name, PyPI name) pairs), and implements
   `answer(program, semiring, limits) -> nesy.inference.Result`: the answers to the program's
   queries, with witness worlds where the semantics has them. A back end that optimises a
   weighted CNF may also implement `solve(WeightedCNF, limits) -> Solution | None`; then any
   MaxSAT-shaped problem (`maxsat.ground2wcnf`) can be handed to it.
2. Add the class to `REGISTRY` below (explicitly; no import-time discovery).
3. A semiring class in `semiring/` (one file) sets the capability `solver = "<name>"` and is
   added to `semiring.REGISTRY` under its semantics name; `nesy.query`, `nesy query
   --semantics` reach the back end by that name through `answer_query`, and `nesy.Module`
   through `solver_plan` (the back end's `plan`, whose `evaluation` it implements).
"""

from __future__ import annotations

from nesy.solvers.asp import Asp
from nesy.solvers.base import (
    EXTRA,
    Backend,
    Solution,
    SolverMissingError,
    WeightedCNF,
    require,
)
from nesy.solvers.cpsat import CpSat
from nesy.solvers.maxsat import MaxSat
from nesy.solvers.smt import Smt

#: back ends by canonical name: the value of a semiring's `solver` capability
REGISTRY: dict[str, type[Backend]] = {cls.name: cls for cls in (MaxSat, Asp, Smt, CpSat)}


def get_backend(name: str) -> Backend:
    """The back end registered under `name`."""
    from nesy.errors import InferenceError

    cls = REGISTRY.get(name)
    if cls is None:
        raise InferenceError(f"unknown solver '{name}'; choose one of: {', '.join(REGISTRY)}")
    return cls()


def solver_plan(program, goal, semiring, limits=None, groundings=None):
    """The plan of a goal under a semiring whose `solver` capability names a back end:
    `compile_query`'s counterpart, which a `nesy.Module` builds once per query shape (the
    ground program's batches evaluated by the back end: `Backend.plan`)."""
    return get_backend(semiring.solver).plan(program, goal, semiring, limits, groundings)


def answer_query(program, semiring, limits):
    """The answers to `program`'s queries under a semiring whose `solver` capability names a
    back end: what `nesy.query` calls instead of the compile/evaluate path."""
    return get_backend(semiring.solver).answer(program, semiring, limits)


__all__ = ["EXTRA", "REGISTRY", "Backend", "Solution", "SolverMissingError", "WeightedCNF",
           "answer_query", "get_backend", "require", "solver_plan"]
