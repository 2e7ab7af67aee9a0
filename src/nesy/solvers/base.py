"""The solver interface: a `Backend` (a name, the packages it needs, `answer` and optionally
`solve`), the weighted CNF that MaxSAT-shaped back ends exchange, and `require`, which imports
an optional solver package or says which extra installs it."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

from nesy.errors import InferenceError
from nesy.ground.ground_program import GroundProgram
from nesy.ground.simplify import Simplified
from nesy.inference import Result
from nesy.limits import Limits
from nesy.terms import Term

if TYPE_CHECKING:
    from nesy.front.program import Program
    from nesy.proofs import Proof
    from nesy.semiring.base import Semiring

#: the optional extra that installs every solver package
EXTRA = "solvers"


class SolverMissingError(InferenceError):
    """A semantics needs a solver package that is not installed."""


def require(module: str, package: str, semantics: str | None = None) -> ModuleType:
    """Import `module` (from PyPI's `package`), or raise SolverMissingError naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        who = f"the {semantics} semantics" if semantics else "this solver"
        raise SolverMissingError(
            f"{who} needs the '{package}' package, which is not installed",
            hint=f"pip install nesy[{EXTRA}]   (or: pip install {package})") from None


@dataclass(frozen=True)
class WeightedCNF:
    """Clauses over variables 1..num_vars (DIMACS literals: v true, -v false). Every hard
    clause must hold; a soft clause that does not hold costs its weight (> 0). The optimum is
    a model of the hard clauses with the least total cost. `names` labels variables for
    witness worlds and dumps."""

    num_vars: int
    hard: list[tuple[int, ...]] = field(default_factory=list)
    soft: list[tuple[tuple[int, ...], float]] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)

    def cost(self, model: frozenset[int]) -> float:
        """The total weight of the soft clauses `model` (its true variables) falsifies."""
        return sum(w for clause, w in self.soft
                   if not any((lit > 0) == (abs(lit) in model) for lit in clause))

    def satisfies(self, model: frozenset[int]) -> bool:
        return all(any((lit > 0) == (abs(lit) in model) for lit in clause)
                   for clause in self.hard)

    def validate(self) -> None:
        """Structural invariants (run at the stage boundary when `Limits.validate` is on)."""
        for clause in self.hard + [c for c, _ in self.soft]:
            assert all(lit != 0 and abs(lit) <= self.num_vars for lit in clause), clause
        for clause, weight in self.soft:
            assert clause and weight > 0 and weight == weight, (clause, weight)

    def pretty(self) -> str:
        """DIMACS-like text: `h` lines hard, weighted lines soft (for dumps and tests)."""
        lines = [f"p wcnf {self.num_vars} {len(self.hard) + len(self.soft)}"]
        lines += ["h " + " ".join(map(str, c)) + " 0" for c in self.hard]
        lines += [f"{w:.17g} " + " ".join(map(str, c)) + " 0" for c, w in self.soft]
        return "\n".join(lines)


@dataclass(frozen=True)
class Solution:
    """An optimal model: the set of true variables, and its cost."""

    model: frozenset[int]
    cost: float


class Backend:
    """One solver bridge. Subclasses set `name` and `requires`, and implement `answer`
    (and `solve` if they optimise weighted CNFs)."""

    #: canonical name: the registry key, the value of a semiring's `solver` capability
    name = "backend"
    #: (import name, PyPI name) of every package the back end needs
    requires: tuple[tuple[str, str], ...] = ()

    def load(self, semantics: str | None = None) -> list[ModuleType]:
        """Import the packages this back end needs, or raise SolverMissingError."""
        return [require(module, package, semantics) for module, package in self.requires]

    def answer(self, program: Program, semiring: Semiring, limits: Limits) -> Result:
        """The answers to the program's `query/1` atoms under `semiring`."""
        raise InferenceError(f"the {self.name} solver does not answer queries")

    def solve(self, wcnf: WeightedCNF, limits: Limits) -> Solution | None:
        """An optimal model of `wcnf`, or None when its hard clauses are unsatisfiable."""
        raise InferenceError(f"the {self.name} solver does not solve weighted CNFs")


@dataclass
class SolvedResult(Result):
    """Answers a back end found on its own translation of the program, not on a ground
    program: they have witness worlds where the semantics has them, but no proof tree."""

    def explain(self, atom: str | Term) -> Proof:
        raise InferenceError(
            f"the {self.semantics} semantics is answered by a solver on its own translation of "
            "the program, so it has no proof tree to explain",
            hint="the most probable world of each answer is printed where the semantics has "
                 "one; --semantics exact, mpe or mpe-maxsat explain with proofs")


def solved_result(semantics: str, answers: dict[Term, float],
                  worlds: dict[Term, list[str]] | None = None) -> SolvedResult:
    """A Result without a ground program behind it."""
    return SolvedResult(semantics, answers, Simplified(GroundProgram()), {}, None, worlds or {})
