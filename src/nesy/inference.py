"""`nesy.query`'s answers: one example with the program's fixed probabilities, through the plan.

`run_query` is: plan (`nesy.query.compile_query`) → evaluate on the fixed probabilities as plain
floats (a batch of one, no torch) → `Result`, with each answer's proof on demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nesy.circuit.circuit import Circuit
from nesy.errors import InferenceError
from nesy.front.program import Program
from nesy.ground.simplify import Simplified
from nesy.limits import Limits, call_deep
from nesy.proofs import Proof, best_proof
from nesy.query import MappedLeaves, compile_query, fixed_probabilities
from nesy.semiring import Semiring
from nesy.terms import Term, format_term


@dataclass
class Result:
    """The answers to a program's queries under one semantics."""

    semantics: str
    answers: dict[Term, float]
    simplified: Simplified = field(repr=False)
    probabilities_of_choices: dict[int, float] = field(repr=False, default_factory=dict)
    circuit: Circuit | None = field(repr=False, default=None)
    mpe_worlds: dict[Term, list[str]] = field(default_factory=dict)
    #: where the answers are Monte-Carlo estimates (a semantics that samples worlds): how many
    #: worlds and which seed; None for computed answers
    estimate: str | None = None

    @property
    def probabilities(self) -> dict[str, float]:
        # a deep answer term prints by recursion: on the large stack, never the caller's
        return call_deep(lambda: {query_name(atom): value
                                  for atom, value in self.answers.items()})

    def __getitem__(self, atom: str) -> float:
        return self.probabilities[atom]

    def explain(self, atom: str | Term) -> Proof:
        """The most probable proof of a query atom, as a tree of ground rules and facts."""
        key = answer_key(self.answers, atom)
        root = next(lit for a, lit in self.simplified.queries if a == key)
        return best_proof(self.simplified, root, self.probabilities_of_choices, key,
                          self.answers[key], self.semantics)

    def text(self) -> str:
        return "\n".join(f"{atom}:\t{_format_probability(p)}" for atom, p in
                         self.probabilities.items())


def answer_key(answers: dict, atom: str | Term) -> Term:
    """The answer `atom` names (a term, or its text as `query_name` prints it, spaces allowed);
    an error listing the queries if none."""
    key = atom if isinstance(atom, Term) else next(
        (a for a in answers if query_name(a) in (atom.replace(" ", ""), atom)), None)
    if key is None:
        raise InferenceError(f"no query {atom}; the queries are: "
                             + ", ".join(query_name(a) for a in answers))
    return key


def query_name(atom: Term) -> str:
    """A query answer as ProbLog prints it: `\\+p(1)` for a negated query, not `\\+(p(1))`;
    `s1:a` for a scoped one, not `:(s1,a)`."""
    if isinstance(atom, Term) and atom.functor == "\\+" and len(atom.args) == 1:
        return "\\+" + query_name(atom.args[0])
    if isinstance(atom, Term) and atom.functor == ":" and len(atom.args) == 2:  # scope:goal
        scope, goal = atom.args
        right = query_name(goal) if isinstance(goal, Term) and goal.functor == ":" else None
        return f"{format_term(scope, 599)}:{right or format_term(goal, 600)}"
    return format_term(atom)


def _format_probability(p: float) -> str:
    return f"{p:.10g}"


def run_query(program: Program, semantics: str | Semiring = "exact", k: int = 3,
              limits: Limits | None = None, validate: bool = False) -> Result:
    """The program's answers: its plan evaluated on its fixed probabilities, as floats."""
    plan = compile_query(program, None, semantics, limits, k=k, validate=validate)
    probabilities = fixed_probabilities(plan.ground, program)
    leaves = MappedLeaves(probabilities)
    values = plan.evaluate(leaves)
    semiring = plan.semiring
    answers = {atom: float(semiring.to_output(value))
               for atom, value in zip(plan.answers, values, strict=True)}
    worlds = dict(zip(plan.answers, plan.worlds(leaves), strict=False))
    estimate = (f"Monte-Carlo estimate over {semiring.samples} sampled worlds, seed "
                f"{semiring.seed}" if semiring.samples_worlds else None)
    return Result(semiring.name, answers, plan.simplified, probabilities, plan.circuit, worlds,
                  estimate)


__all__ = ["Result", "fixed_probabilities", "query_name", "run_query"]
