"""Queries on a Program: ground → simplify → compile or evaluate directly → answers and proofs.

`run_query` reads top to bottom as the pipeline; each semantics picks its evaluation path:
exact probability and MPE on a compiled circuit, top-k on proof sets then a circuit, the others
directly on the ground program.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nesy.circuit.circuit import Circuit
from nesy.circuit.evaluate import CircuitPlan, best_assignment
from nesy.compile.direct import DirectEvaluator, TensorOps
from nesy.compile.ground2circuit import (
    CHAIN,
    EXACTLY_ONE,
    SddBuilder,
    check_evidence,
    compile_first,
    variable_orders,
)
from nesy.compile.topk import AllProofOps, ProofOps
from nesy.errors import InferenceError, LimitError
from nesy.front.program import Program
from nesy.ground.break_cycles import break_cycles
from nesy.ground.engine import ground_queries, program_queries
from nesy.ground.ground_program import Constraint, GroundProgram, NeuralRef, ParamRef, TensorRef
from nesy.ground.simplify import Simplified, simplify
from nesy.limits import Deadline, Limits, call_deep
from nesy.proofs import Proof, best_proof
from nesy.semiring import Semiring, TopKProofs, get_semiring
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

    @property
    def probabilities(self) -> dict[str, float]:
        # a deep answer term prints by recursion: on the large stack, never the caller's
        return call_deep(lambda: {query_name(atom): value
                                  for atom, value in self.answers.items()})

    def __getitem__(self, atom: str) -> float:
        return self.probabilities[atom]

    def explain(self, atom: str | Term) -> Proof:
        """The most probable proof of a query atom, as a tree of ground rules and facts."""
        key = atom if isinstance(atom, Term) else next(
            (a for a in self.answers if query_name(a) == atom.replace(" ", "")
             or query_name(a) == atom), None)
        if key is None:
            raise InferenceError(f"no query {atom}; the queries are: "
                                 + ", ".join(self.probabilities))
        root = next(lit for a, lit in self.simplified.queries if a == key)
        return best_proof(self.simplified, root, self.probabilities_of_choices, key,
                          self.answers[key], self.semantics)

    def text(self) -> str:
        return "\n".join(f"{atom}:\t{_format_probability(p)}" for atom, p in
                         self.probabilities.items())


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


def fixed_probabilities(ground: GroundProgram, program: Program) -> dict[int, float]:
    """Each choice's probability in a program without networks (learnables at their t(...))."""
    values = {}
    for node, choice in ground.choices.items():
        prob = choice.prob
        if isinstance(prob, float):
            values[node] = prob
        elif isinstance(prob, ParamRef):
            values[node] = float(program.params[prob.key].initial)
        elif isinstance(prob, NeuralRef):
            spec = program.neural[prob.net_id]
            raise InferenceError(
                f"the neural predicate {spec.head.functor}/{spec.head.arity} needs its network "
                f"'{spec.net}': query it through nesy.Module with the network bound", spec.span)
        elif isinstance(prob, Constraint):
            raise InferenceError("a constraint over random integers needs its networks")
        elif isinstance(prob, TensorRef):
            raise InferenceError(f"the probability {format_term(prob.term)} is a tensor: query "
                                 "it through nesy.Module, which computes it per example")
    return values


def run_query(program: Program, semantics: str | Semiring = "exact", k: int = 3,
              limits: Limits = Limits()) -> Result:
    limits = Deadline(limits).started()  # one timeout shared by every stage below
    semiring = get_semiring(semantics, k)
    ground = program_queries(
        program, limits, lambda goal, evidence: _subquery(program, goal, evidence, limits))
    simplified = simplify(ground, limits)
    probabilities = fixed_probabilities(ground, program)
    if simplified.evidence and not semiring.supports_evidence:
        raise InferenceError(f"the {semiring.name} semantics cannot condition on evidence; "
                             "use exact, topk or mpe, or remove the evidence")
    if semiring.selects_proofs:
        return _topk(simplified, probabilities, semiring, limits)
    if semiring.needs_circuit:
        return _compiled(break_cycles(simplified, limits), probabilities, semiring, limits)
    return _direct(simplified, probabilities, semiring, limits)


def _subquery(program: Program, goal, evidence, limits) -> float:
    """P(goal | evidence) by exact inference, for `subquery/2,3` inside a program."""
    ground = ground_queries(program, [goal], evidence, limits)
    simplified = break_cycles(simplify(ground, limits), limits)
    exact = get_semiring("exact", 1)
    result = _compiled(simplified, fixed_probabilities(ground, program), exact, limits)
    return result.probabilities[format_term(goal)] if result.probabilities else 0.0


def _roots(simplified: Simplified):
    return [lit for _, lit in simplified.queries] + [lit for _, lit, _ in simplified.evidence]


def _compiled(simplified, probabilities, semiring, limits) -> Result:
    encoding = EXACTLY_ONE if semiring.needs_smoothing else CHAIN
    # a most probable world assigns every choice the grounding reached, relevant or not
    orders = ([list(simplified.ground.choices)] if encoding == EXACTLY_ONE
              else variable_orders(simplified, _roots(simplified)))

    def build(nodes, trial_limits):
        builder = SddBuilder(simplified, nodes, encoding, trial_limits)
        evidence = builder.conjunction(
            builder.literal(lit) if value else builder._not(builder.literal(lit))
            for _, lit, value in simplified.evidence)
        evidence = builder.with_constraints(evidence)
        roots = [builder._and(builder.literal(lit), evidence) for _, lit in simplified.queries]
        return builder, builder.to_circuit(roots + [evidence])

    builder, circuit = compile_first(orders, build, limits)
    if semiring.needs_smoothing:
        circuit = circuit.smoothed()
    pos, neg = _literal_weights(builder, probabilities)
    pos = [semiring.from_probability(w) for w in pos]
    neg = [semiring.from_probability(w) for w in neg]
    values = CircuitPlan(circuit).evaluate(pos, neg, semiring)
    answers = {}
    worlds = {}
    z = values[-1]
    if simplified.evidence:
        check_evidence(z, [format_term(a) for a, _, _ in simplified.evidence])
    for i, (atom, _) in enumerate(simplified.queries):
        answers[atom] = values[i] / z if semiring.normalize else values[i]
        if semiring.needs_smoothing:
            worlds[atom] = _world_text(builder, circuit, circuit.roots[i], pos, neg)
    return Result(semiring.name, answers, simplified, probabilities, circuit, worlds)


def _literal_weights(builder, probabilities: dict[int, float]):
    """pos, neg literal weights (two lists of V+1 floats) of a builder's variables."""
    return builder.layout.weights(probabilities, 0.0)


def _world_text(builder, circuit, root, pos, neg) -> list[str]:
    chosen = set(best_assignment(circuit, root, pos, neg))
    ground = builder.ground
    named = [(node, var, len(members)) for _, members in builder.layout.groups
             for node, var in members if node is not None]
    counts: dict[str, int] = {}
    for node, _, _ in named:
        counts[ground.describe(node)] = counts.get(ground.describe(node), 0) + 1
    words = []
    for node, var, size in named:
        name = ground.describe(node)
        if counts[name] > 1:  # several probabilistic clauses make this atom: name the clause
            name += f"@clause{ground.choices[node].group[0] + 1}"
        if var in chosen:
            words.append(name)
        elif size == 1 and -var in chosen:
            words.append(f"\\+{name}")
    return words


def _direct(simplified, probabilities, semiring, limits) -> Result:
    ops = TensorOps(semiring, 0.0)  # plain floats: one example with fixed probabilities

    def leaf(node, positive):
        value = semiring.from_probability(probabilities[node])
        return value if positive else semiring.negate(value)

    evaluator = DirectEvaluator(simplified, ops, leaf, limits)
    answers = {atom: float(semiring.to_output(evaluator.literal(lit)))
               for atom, lit in simplified.queries}
    return Result(semiring.name, answers, simplified, probabilities)


#: proofs of one atom up to which top-k ranks every proof (exactly the k best, as a Module
#: does); past it, a search that keeps k per atom as it goes (it may miss a proof whose parts
#: ranked low, or conflicted with better ones)
EXACT_RANKING_PROOFS = 1_000


def _k_best_proofs(simplified, probabilities, k: int, limits):
    """The k best proofs of each (query and positive evidence), of the positive evidence, and
    of each negative evidence atom: ranked among all proofs where they are few enough."""
    ranking = ProofOps(simplified.ground, probabilities, k)
    every = AllProofOps(simplified.ground, min(limits.max_proofs, EXACT_RANKING_PROOFS))
    try:
        found = _proof_sets(simplified, every, limits)
    except LimitError as error:
        if error.limit_name != "max_proofs":
            raise
        return _proof_sets(simplified, ranking, limits)
    queries, positive, negative = found
    return ([ranking.ranked(p) for p in queries], ranking.ranked(positive),
            [ranking.ranked(p) for p in negative])


def _proof_sets(simplified, ops, limits):
    evaluator = DirectEvaluator(simplified, ops, ops.leaf, limits)
    positive = ops.one()
    negative = []
    for _, lit, value in simplified.evidence:
        if value:
            positive = ops.mul(positive, evaluator.literal(lit))
        else:
            negative.append(evaluator.literal(lit))
    queries = [ops.mul(evaluator.literal(lit), positive) for _, lit in simplified.queries]
    return queries, positive, negative


def _topk(simplified, probabilities, semiring: TopKProofs, limits) -> Result:
    # the k best proofs of (query and positive evidence), and of the positive evidence alone
    query_proofs, positive, negative = _k_best_proofs(simplified, probabilities, semiring.k,
                                                      limits)
    nodes = sorted({abs(lit) for proofs in query_proofs + [positive] + negative
                    for _, proof in proofs for lit in proof})
    builder = SddBuilder(simplified, nodes, CHAIN, limits)
    excluded = builder.conjunction(builder._not(builder.proofs(p for _, p in proofs))
                                   for proofs in negative)
    condition = builder._and(builder.proofs(p for _, p in positive), excluded)
    roots = [builder._and(builder.proofs(p for _, p in proofs), excluded)
             for proofs in query_proofs]
    circuit = builder.to_circuit(roots + [condition])
    pos, neg = _literal_weights(builder, probabilities)
    values = CircuitPlan(circuit).evaluate(pos, neg, get_semiring("exact"))
    z = values[-1]
    if simplified.evidence and z <= 0:
        raise InferenceError(f"the {semiring.k} best proofs of the evidence are inconsistent with "
                             "it (or the evidence is impossible): raise k")
    answers = {atom: values[i] / z for i, (atom, _) in enumerate(simplified.queries)}
    return Result(semiring.name, answers, simplified, probabilities, circuit)
