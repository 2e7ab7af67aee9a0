"""The solver interface: a `Backend` (a name, the packages it needs, `answer` and optionally
`solve`), the weighted CNF that MaxSAT-shaped back ends exchange, and `require`, which imports
an optional solver package or says which extra installs it."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

from nesy.errors import InferenceError
from nesy.ground.ground_program import GroundProgram, NeuralRef
from nesy.ground.simplify import Simplified, simplify
from nesy.inference import Result
from nesy.limits import Deadline, Limits
from nesy.query import Evaluation, Grounded, Grounding, QueryPlan, ground_first, ground_goal
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

    # ------------------------------------------------------------------ a Module's plans
    def plan(self, program: Program, goal: object, semiring: Semiring, limits: Limits,
             groundings: list[Grounding] | None = None) -> QueryPlan:
        """`compile_query`'s counterpart (what a `nesy.Module` builds once per query shape):
        the goal grounded with every network output enumerated (no symbolic integers: the
        solver reads ground choices), simplified, and evaluated on batches by `evaluation`."""
        self.load(semiring.name)
        limits = Deadline(limits or Limits()).started()
        ways = [g for g in groundings or [Grounding(ground_goal)] if not g.symbolic]
        grounded = self.ground(program, goal, semiring, limits, ways)
        if limits.validate:
            grounded.ground.validate()
        simplified = simplify(grounded.ground, limits)
        if limits.validate:
            simplified.validate()
        roots = [lit for _, lit in simplified.queries][grounded.evaluated]
        return QueryPlan(semiring, simplified, roots,
                         self.evaluation(program, simplified, roots, limits), grounded.extra)

    def ground(self, program: Program, goal: object, semiring: Semiring, limits: Limits,
               ways: list[Grounding]) -> Grounded:
        """The ground program a plan evaluates (a back end may ground more than the goal)."""
        return ground_first(program, goal, semiring, limits, ways)

    def evaluation(self, program: Program, simplified: Simplified, roots: list,
                   limits: Limits) -> Evaluation:
        """How a plan of this back end evaluates its roots on a batch of probabilities."""
        raise InferenceError(f"the {self.name} solver cannot evaluate a nesy.Module's batches")


class Outcomes:
    """The outcomes of some choice groups as the columns of one [B, K] tensor, so that a world
    (one outcome per group) is a row of column indices and its probability a product of
    columns, differentiable in the leaves: each member's probability, then a lone choice's
    complement 1 - p, then a group's "none" (1 - the sum of its members, at least 0).

    `groups`: per group its members (choice nodes) in order, and whether it has a "none"
    outcome; `outcome[g]` lists the columns of group g's outcomes (a lone choice: true, false;
    else each member, then none if it has one)."""

    def __init__(self, groups: list[tuple[list[int], bool]]):
        self.nodes = [n for members, _ in groups for n in members]
        position = {n: i for i, n in enumerate(self.nodes)}
        self.extra: list[tuple[str, list[int]]] = []  # ("not" | "none", member columns)
        self.outcome: list[list[int]] = []
        for members, has_none in groups:
            columns = [position[n] for n in members]
            if len(members) == 1:
                self.outcome.append(columns + [len(self.nodes) + len(self.extra)])
                self.extra.append(("not", columns))
            elif has_none:
                self.outcome.append(columns + [len(self.nodes) + len(self.extra)])
                self.extra.append(("none", columns))
            else:
                self.outcome.append(columns)
        self.groups = groups

    def values(self, leaves):
        """[B, K] outcome probabilities from a plan's leaf values (one example's floats: a
        float64 tensor [1, K])."""
        import torch

        columns = leaves.columns(self.nodes)
        if isinstance(columns, list):
            columns = torch.tensor([columns], dtype=torch.float64).reshape(1, len(self.nodes))
        extra = [1.0 - columns[:, c[0]] if kind == "not"
                 else (1.0 - columns[:, c].sum(1)).clamp_min(0.0) for kind, c in self.extra]
        if not extra:
            return columns
        return torch.cat([columns, torch.stack(extra, dim=1)], dim=1)


def batch_values(values, like, answers=None):
    """A plan's answer: [B, R] values as `like` holds them (one example: a list of floats);
    `answers` (per example an answer index, -1 none): only each example's own, [B, 1]."""
    import torch

    if answers is not None:
        padded = torch.cat([values, torch.zeros_like(values[:, :1])], dim=1)
        index = torch.tensor([a if a >= 0 else values.shape[1] for a in answers],
                             device=values.device)
        values = padded.gather(1, index.unsqueeze(1))
    if isinstance(like, float):
        return values[0].tolist()
    return values.to(like.dtype)


def full_domain(program: Program, ground: GroundProgram, members: list[int]) -> bool:
    """The members are every value of one network output: their probabilities sum to 1, so
    the group has no "none" outcome (a softmax's rounding would otherwise weigh one)."""
    refs = [ground.choices[n].prob for n in members]
    if not all(isinstance(r, NeuralRef) for r in refs):
        return False
    keys = {(r.net_id, r.input) for r in refs}
    domain = program.neural[refs[0].net_id].domain
    return len(keys) == 1 and domain is not None and len({r.index for r in refs}) == len(domain)


#: a witness world's choice: (its text, the probability of its outcome, True where the
#: choice holds, False for a probabilistic fact that does not: `\\+a`)
WitnessFact = tuple[str, float, bool]


@dataclass
class SolvedResult(Result):
    """Answers a back end found on its own translation of the program, not on a ground
    program: no proof tree, but each answer's witness world (`witnesses`): the most probable
    world where it holds (mpe-smt), the most probable stable model where it holds (asp)."""

    witnesses: dict[Term, tuple[float, list[WitnessFact]]] = field(default_factory=dict)

    def explain(self, atom: str | Term) -> Proof:
        """The answer's witness as a proof: the atom resting on the witness world's choices
        (the world's probability as its weight)."""
        from nesy.inference import answer_key, query_name
        from nesy.proofs import Proof, ProofNode

        key = answer_key(self.answers, atom)
        witness = self.witnesses.get(key)
        if witness is None:  # the answer holds in no world
            return Proof(query_name(key), self.answers[key], self.semantics, None)
        weight, facts = witness
        children = [ProofNode(f"{p:.6g}::{text}" if holds else text, p,
                              "fact" if holds else "negation") for text, p, holds in facts]
        return Proof(query_name(key), self.answers[key], self.semantics,
                     ProofNode(f"{query_name(key)}  (witness world)", weight, "rule", children))


def solved_result(semantics: str, answers: dict[Term, float],
                  witnesses: dict[Term, tuple[float, list[WitnessFact]]] | None = None,
                  ) -> SolvedResult:
    """A Result without a ground program behind it; its `mpe_worlds` are the witnesses' text."""
    witnesses = witnesses or {}
    worlds = {atom: [text if holds else "\\+" + text for text, _, holds in facts]
              for atom, (_, facts) in witnesses.items()}
    return SolvedResult(semantics, answers, Simplified(GroundProgram()), {}, None, worlds,
                        witnesses=witnesses)
