"""MPE by MaxSAT: python-sat's RC2 on the ground program's weighted CNF (`ground2wcnf`).

The answer to each query is the probability of the most probable world where the query and the
evidence hold (the compiled `mpe` semantics' number, without compiling), with that world as its
witness. Suits ground programs too large to compile: the CNF is linear in the ground program.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from nesy.errors import InferenceError, LimitError
from nesy.front.program import Program
from nesy.ground.simplify import FALSE, TRUE, Simplified, simplify
from nesy.inference import Result, fixed_probabilities
from nesy.limits import Deadline, Limits
from nesy.query import Evaluation, ground_goal
from nesy.semiring.base import Semiring
from nesy.solvers.base import Backend, Outcomes, Solution, WeightedCNF, batch_values
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
        return best_model(self, encoding, roots, limits)

    def evaluation(self, program: Program, simplified: Simplified, roots: list,
                   limits: Limits) -> Evaluation:
        return MostProbableWorlds(self, simplified, roots, limits)


def best_model(backend: Backend, encoding: MpeEncoding, roots: list,
               limits: Limits) -> frozenset | None:
    """The most probable model with every root literal true (None: there is none), by the
    back end's `solve`."""
    if FALSE in roots:
        return None
    base = encoding.wcnf
    units = [(lit,) for lit in roots if lit != TRUE]
    wcnf = WeightedCNF(base.num_vars, base.hard + units, base.soft, base.names)
    Deadline(limits).check("MaxSAT solving")
    solution = backend.solve(wcnf, limits)
    return None if solution is None else solution.model


@dataclass
class MostProbableWorlds(Evaluation):
    """A Module's `mpe` by a solver: per example and root, the most probable world where the
    root holds (the back end's `solve` on the ground program's weighted CNF at that example's
    probabilities), valued as the product of its outcomes' probabilities taken from the leaf
    tensors. The forward value is the compiled `mpe`'s (a world assigns every choice the
    grounding reached); autograd gives the same max-product subgradient (d value / d p is the
    product of the world's other outcomes for the outcomes in it, 0 elsewhere), except that a
    tie goes to the solver's world rather than being split. One solver call per example and
    root: the symbolic work is not shared across a batch, as the optimum depends on the
    numbers."""

    backend: Backend
    simplified: Simplified
    roots: list
    limits: Limits
    outcomes: Outcomes | None = None

    def evaluate(self, semiring, leaves, answers=None):
        import torch

        ground = self.simplified.ground
        if self.outcomes is None:
            groups = {}
            for node, choice in ground.choices.items():
                groups.setdefault(choice.group, []).append(node)
            self.outcomes = Outcomes(
                [(sorted(nodes, key=lambda n: ground.choices[n].index), True)
                 for nodes in groups.values()])
        outcomes = self.outcomes
        # the plan's limits started when its shape was built: each batch gets its own time
        limits = Deadline(replace(self.limits, started_at=None)).started()
        values = outcomes.values(leaves)  # [B, K]
        numbers = values.detach().double().cpu()
        batch, width = values.shape[0], len(outcomes.outcome)
        picks = torch.zeros(batch, len(self.roots), width, dtype=torch.long)
        found = torch.zeros(batch, len(self.roots), dtype=torch.bool)
        for b in range(batch):
            row = numbers[b].tolist()
            probabilities = {node: row[i] for i, node in enumerate(outcomes.nodes)}
            encoding = ground2wcnf(self.simplified, probabilities)
            for r, root in enumerate(self.roots):
                model = best_model(self.backend, encoding, [encoding.root(root)], limits)
                if model is None:
                    continue
                found[b, r] = True
                picks[b, r] = torch.tensor(self._world(encoding, model))
        chosen = values.gather(1, picks.reshape(batch, -1).to(values.device))
        worlds = chosen.reshape(batch, len(self.roots), width).prod(-1)
        result = worlds * found.to(values.device, values.dtype)
        return batch_values(result, leaves.like, answers)

    def _world(self, encoding: MpeEncoding, model: frozenset) -> list[int]:
        """The model's outcome per group, as columns of `self.outcomes` (the encoding lists
        the groups in the ground program's order, members by index, as `outcomes` does)."""
        picks = []
        for (_, members), columns in zip(encoding.groups, self.outcomes.outcome, strict=True):
            if len(members) == 1:
                picks.append(columns[0] if members[0][1] in model else columns[1])
            else:
                picks.append(next(c for (_, var), c in zip(members, columns, strict=True)
                                  if var in model))
        return picks

    def pretty(self) -> str:
        return f"per example and answer, the most probable world by the {self.backend.name} solver"


def _negate(lit):
    if lit == TRUE:
        return FALSE
    if lit == FALSE:
        return TRUE
    return -lit
