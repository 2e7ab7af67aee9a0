"""MPE by MaxSAT: python-sat's RC2 on the ground program's weighted CNF (`ground2wcnf`).

The answer to each query is the probability of the most probable world where the query and the
evidence hold (the compiled `mpe` semantics' number, without compiling), with that world as its
witness. Suits ground programs too large to compile: the CNF is linear in the ground program.
"""

from __future__ import annotations

import threading
import time

from nesy.errors import InferenceError, LimitError
from nesy.front.program import Program
from nesy.ground.simplify import FALSE, TRUE, simplify
from nesy.inference import Result, fixed_probabilities
from nesy.limits import Deadline, Limits
from nesy.query import ground_goal
from nesy.semiring.base import Semiring
from nesy.solvers.base import Backend, Solution, WeightedCNF
from nesy.solvers.ground2wcnf import MpeEncoding, ground2wcnf
from nesy.terms import format_term


class MaxSat(Backend):
    name = "maxsat"
    requires = (("pysat", "python-sat"),)

    def solve(self, wcnf: WeightedCNF, limits: Limits) -> Solution | None:
        self.load()
        from pysat.examples.rc2 import RC2
        from pysat.formula import WCNF

        formula = WCNF()
        for clause in wcnf.hard:
            formula.append(list(clause))
        for clause, weight in wcnf.soft:
            formula.append(list(clause), weight=weight)
        if wcnf.num_vars:
            formula.nv = max(formula.nv, wcnf.num_vars)
        with RC2(formula) as rc2:
            # RC2 runs in C: a timer interrupts it when the run's time is up
            remaining = Deadline(limits).end - time.monotonic()
            timer = threading.Timer(max(0.0, remaining), rc2.interrupt)
            timer.start()
            try:
                model = rc2.compute(expect_interrupt=True)
            finally:
                timer.cancel()
            if getattr(rc2, "interrupted", False) or (model is None and remaining <= 0):
                raise LimitError("MaxSAT solving took too long", "timeout_s", limits.timeout_s)
            if model is None:
                return None
            return Solution(frozenset(v for v in model if v > 0), rc2.cost)

    def answer(self, program: Program, semiring: Semiring, limits: Limits) -> Result:
        self.load(semiring.name)
        limits = Deadline(limits).started()
        ground = ground_goal(program, None, limits).ground  # subquery/2,3 by exact inference
        simplified = simplify(ground, limits)  # cycles are ranked in the CNF, not unrolled
        probabilities = fixed_probabilities(ground, program)
        encoding = ground2wcnf(simplified, probabilities)
        if limits.validate:
            encoding.wcnf.validate()
        evidence = [encoding.root(lit) if value else _negate(encoding.root(lit))
                    for _, lit, value in simplified.evidence]
        if simplified.evidence and self._best(encoding, evidence, limits) is None:
            names = ", ".join(format_term(a) for a, _, _ in simplified.evidence)
            raise InferenceError(f"inconsistent evidence: {names} has probability 0")
        answers = {}
        worlds = {}
        for atom, lit in simplified.queries:
            model = self._best(encoding, evidence + [encoding.root(lit)], limits)
            answers[atom] = 0.0 if model is None else encoding.probability(model)
            worlds[atom] = [] if model is None else encoding.world(model)
        return Result(semiring.name, answers, simplified, probabilities, None, worlds)

    def _best(self, encoding: MpeEncoding, roots: list, limits: Limits) -> frozenset | None:
        """The most probable model with every root literal true (None: there is none)."""
        if FALSE in roots:
            return None
        base = encoding.wcnf
        units = [(lit,) for lit in roots if lit != TRUE]
        wcnf = WeightedCNF(base.num_vars, base.hard + units, base.soft, base.names)
        Deadline(limits).check("MaxSAT solving")
        solution = self.solve(wcnf, limits)
        return None if solution is None else solution.model


def _negate(lit):
    if lit == TRUE:
        return FALSE
    if lit == FALSE:
        return TRUE
    return -lit
