"""MPE / MaxSAT by OR-Tools CP-SAT: the same weighted CNF as `maxsat`, solved by CP-SAT.

CP-SAT optimises integer objectives, so each soft clause's weight (a -log probability) is
scaled by `scale` and rounded; the model it returns is optimal for the rounded weights, and the
answer's probability is recomputed from the model's exact weights (as MaxSAT's is). Two worlds
whose costs differ by less than about (number of soft clauses) / scale may come out in either
order.
"""

from __future__ import annotations

import time

from nesy.limits import Deadline, Limits
from nesy.solvers.base import Solution, WeightedCNF
from nesy.solvers.maxsat import MaxSat

DEFAULT_SCALE = 1_000_000


class CpSat(MaxSat):
    """`answer` as MaxSat's (the ground program's MPE encoding), `solve` by CP-SAT."""

    name = "cpsat"
    requires = (("ortools.sat.python.cp_model", "ortools"),)

    def __init__(self, scale: int = DEFAULT_SCALE, workers: int = 1):
        self.scale = scale
        self.workers = workers

    def solve(self, wcnf: WeightedCNF, limits: Limits) -> Solution | None:
        (cp_model,) = self.load()
        model = cp_model.CpModel()
        variables = [model.NewBoolVar(f"v{v}") for v in range(wcnf.num_vars + 1)]

        def literal(lit: int):
            return variables[lit] if lit > 0 else variables[-lit].Not()

        for clause in wcnf.hard:
            if not clause:
                return None
            model.AddBoolOr([literal(lit) for lit in clause])
        costs, terms = [], []
        for clause, weight in wcnf.soft:
            if len(clause) == 1:  # violated exactly when its literal is false
                violated = literal(-clause[0])
            else:
                violated = model.NewBoolVar("")
                # violated <=> no literal of the clause holds
                model.AddBoolOr([literal(lit) for lit in clause] + [violated])
                for lit in clause:
                    model.AddImplication(violated, literal(-lit))
            terms.append(violated)
            costs.append(int(round(weight * self.scale)))
        model.Minimize(cp_model.LinearExpr.WeightedSum(terms, costs) if terms else 0)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = self.workers
        deadline = Deadline(limits)
        solver.parameters.max_time_in_seconds = max(0.0, deadline.end - time.monotonic())
        status = solver.Solve(model)
        if status == cp_model.INFEASIBLE:
            return None
        if status != cp_model.OPTIMAL:
            from nesy.errors import LimitError

            raise LimitError("CP-SAT did not prove an optimum in time", "timeout_s",
                             limits.timeout_s)
        true = frozenset(v for v in range(1, wcnf.num_vars + 1)
                         if solver.BooleanValue(variables[v]))
        return Solution(true, wcnf.cost(true))
