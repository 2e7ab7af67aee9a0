"""`compile_query`: the one orchestrator of the pipeline, and the `QueryPlan` it returns.

    ground → simplify → pick the evaluation the semiring's capabilities ask for → compile it

`nesy.query` (inference.py) evaluates a plan on one example's fixed probabilities as plain
floats; `nesy.Module` (neural/) on [B, ...] tensors of network outputs, one plan per query
shape. Both hand the plan their leaf values through one object (`LeafValues`): the plan asks
for the probabilities of the choices it reads, converts them once (`from_probability`) and
returns every answer's value. No semantics is tested by name here: only its capabilities
(`selects_proofs`, `needs_circuit`, `needs_smoothing`, `normalize`, `supports_evidence`,
`symbolic_integers`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from nesy.arith import NotLinear
from nesy.circuit.circuit import AND, Circuit
from nesy.circuit.evaluate import CircuitPlan, best_assignment
from nesy.circuit.proof_search_exact import search_is_exact
from nesy.circuit.sample import SampledWorlds
from nesy.compile.direct import DirectEvaluator, TensorOps
from nesy.compile.ground2circuit import (
    CHAIN,
    EXACTLY_ONE,
    SddBuilder,
    check_evidence,
    compile_first,
    variable_orders,
)
from nesy.compile.ground2dag import DerivationDag, ground2dag
from nesy.errors import EvaluationError, InferenceError, LimitError
from nesy.front.program import Program
from nesy.ground.break_cycles import break_cycles
from nesy.ground.engine import ground_queries, program_queries
from nesy.ground.ground_program import (
    Constraint,
    GroundProgram,
    NeuralRef,
    ParamRef,
    TensorRef,
)
from nesy.ground.simplify import Simplified, simplify
from nesy.limits import Deadline, Limits
from nesy.semiring import Semiring, get_semiring
from nesy.semiring.topk import AllProofOps, ProofOps
from nesy.semiring.values import Value
from nesy.terms import Term, format_term

# ----------------------------------------------------------------------------- leaf values


class ChoiceSource(Protocol):
    """Where the probabilities of a ground program's choices come from, one method per kind of
    probability a choice can carry (see `choice_probability`)."""

    def fixed(self, p: float) -> Value: ...
    def param(self, ref: ParamRef) -> Value: ...
    def neural(self, ref: NeuralRef) -> Value: ...
    def tensor(self, ref: TensorRef) -> Value: ...
    def constraint(self, ref: Constraint) -> Value: ...
    def other(self, prob: object) -> Value: ...


def choice_probability(prob: object, source: ChoiceSource) -> Value:
    """The one dispatch on what a choice's probability is: a number, a learnable parameter, a
    network output, a tensor term, a constraint over random integers (or a caller's own kind)."""
    if isinstance(prob, float):
        return source.fixed(prob)
    if isinstance(prob, ParamRef):
        return source.param(prob)
    if isinstance(prob, NeuralRef):
        return source.neural(prob)
    if isinstance(prob, TensorRef):
        return source.tensor(prob)
    if isinstance(prob, Constraint):
        return source.constraint(prob)
    return source.other(prob)


@dataclass(frozen=True)
class FixedSource:
    """A program's choices without networks: numbers, and learnables at their `t(...)`."""

    program: Program

    def fixed(self, p: float) -> float:
        return p

    def param(self, ref: ParamRef) -> float:
        return float(self.program.params[ref.key].initial)

    def neural(self, ref: NeuralRef) -> float:
        spec = self.program.neural[ref.net_id]
        raise InferenceError(
            f"the neural predicate {spec.head.functor}/{spec.head.arity} needs its network "
            f"'{spec.net}': query it through nesy.Module with the network bound", spec.span)

    def tensor(self, ref: TensorRef) -> float:
        raise InferenceError(f"the probability {format_term(ref.term)} is a tensor: query "
                             "it through nesy.Module, which computes it per example")

    def constraint(self, ref: Constraint) -> float:
        raise InferenceError("a constraint over random integers needs its networks")

    def other(self, prob: object) -> float:
        raise InferenceError(f"no fixed probability for {prob!r}")


def fixed_probabilities(ground: GroundProgram, program: Program) -> dict[int, float]:
    """Each choice's probability in a program without networks (learnables at their t(...))."""
    source = FixedSource(program)
    return {node: choice_probability(choice.prob, source)
            for node, choice in ground.choices.items()}


class LeafValues(Protocol):
    """What a plan evaluates: the probabilities of the choices it names, per example.

    `like` is a [B] tensor (a batch) or the float 0.0 (one example, no torch); `columns(nodes)`
    gives [B, len(nodes)] (or a list of floats) in the order of `nodes`, which a plan asks for
    with the same list every time."""

    like: Value

    def columns(self, nodes: list[int]) -> Value: ...


@dataclass
class MappedLeaves:
    """Leaf values from a mapping choice node → probability (a float or a [B] tensor)."""

    probabilities: dict
    like: Value = 0.0

    def columns(self, nodes: list[int]):
        if isinstance(self.like, float):
            return [self.probabilities[n] for n in nodes]
        import torch

        if not nodes:
            return self.like.unsqueeze(1)[:, :0]
        return torch.stack([self.probabilities[n] for n in nodes], dim=1)


def converted(semiring: Semiring, values):
    """The one input conversion: probabilities (floats, or a tensor) to the semiring's values."""
    if isinstance(values, list):
        return [semiring.from_probability(v) for v in values]
    return semiring.from_probability(values)


def _by_node(nodes: list[int], columns) -> dict:
    """{node: its probability} from `columns` over `nodes` (floats or [B, N])."""
    if isinstance(columns, list):
        return dict(zip(nodes, columns, strict=True))
    return dict(zip(nodes, columns.unbind(1), strict=True))


# ----------------------------------------------------------------------------- grounding


@dataclass
class Grounded:
    """A ground program ready to simplify: its `queries` are the plan's answers (those in
    `evaluated` are evaluated; the rest are kept for explanations), its evidence conditions
    them. `order_last`: choices placed last in a circuit's variable order. `extra`: what the
    grounding way wants back (a Module's answer values)."""

    ground: GroundProgram
    evaluated: slice = field(default_factory=lambda: slice(None))
    order_last: frozenset = frozenset()
    extra: object = None


@dataclass(frozen=True)
class Grounding:
    """One way to ground a goal: `run(program, goal, limits) -> Grounded`. A way that keeps
    integers over network outputs symbolic (`symbolic`) is tried only for a semiring with
    `symbolic_integers` (exact probability, max-product, max-min); the plan moves on to the
    next way when it raises NotLinear (or an evaluation error a plain grounding may not meet)."""

    run: Callable[[Program, object, Limits], Grounded]
    symbolic: bool = False


def ground_goal(program: Program, goal: object, limits: Limits) -> Grounded:
    """`goal` None: the program's own `query/1` and `evidence/1,2`, as ProbLog grounds them
    (`subquery/2,3` answered by exact inference); else a list of ground atoms to query."""
    if goal is None:
        return Grounded(program_queries(
            program, limits, lambda atom, evidence: subquery(program, atom, evidence, limits)))
    return Grounded(ground_queries(program, list(goal), [], limits))


def subquery(program: Program, goal: Term, evidence, limits: Limits) -> float:
    """P(goal | evidence) by exact inference, for `subquery/2,3` inside a program."""
    plan = compile_query(program, None, "exact", limits, groundings=[Grounding(
        lambda p, _, lim: Grounded(ground_queries(p, [goal], evidence, lim)))])
    values = plan.evaluate(MappedLeaves(fixed_probabilities(plan.ground, program)))
    return values[0] if values else 0.0


# ----------------------------------------------------------------------------- the plan


def compile_query(program: Program, goal: object = None, semiring: str | Semiring = "exact",
                  limits: Limits | None = None, *, k: int = 3,
                  groundings: Sequence[Grounding] | None = None,
                  validate: bool = False) -> QueryPlan:
    """The plan that answers `goal` in `program` under `semiring`, stage by stage; `validate`
    (or `limits.validate`, on in the test suite) checks each IR at its stage boundary."""
    semiring = get_semiring(semiring, k)
    if semiring.solver:  # a solver back end answers it (nesy.solvers), not a plan
        raise InferenceError(
            f"the {semiring.name} semantics is answered by the {semiring.solver} solver: its "
            "plan comes from nesy.solvers.solver_plan (as a nesy.Module builds it), its "
            "answers from nesy.query", hint="call nesy.solvers.solver_plan for a plan")
    # one timeout shared by every stage below (a default made now, not at import: the test
    # suite's defaults validate)
    limits = Deadline(limits or Limits()).started()
    validate = validate or limits.validate
    if validate:
        program.validate()
    grounded = ground_first(program, goal, semiring, limits,
                            groundings or [Grounding(ground_goal)])
    if validate:
        grounded.ground.validate()
    simplified = simplify(grounded.ground, limits)
    if validate:
        simplified.validate()
    return plan_simplified(simplified, semiring, limits, grounded, validate)


def ground_first(program: Program, goal: object, semiring: Semiring, limits: Limits,
                 groundings: Sequence[Grounding]) -> Grounded:
    """The first way to ground that applies: symbolic ways only where the semiring's integers
    may stay symbolic, each giving up (NotLinear) on what it cannot answer exactly."""
    ways = [g for g in groundings if semiring.symbolic_integers or not g.symbolic]
    for way in ways[:-1]:
        try:
            grounded = way.run(program, goal, limits)
        except (NotLinear, EvaluationError):
            # an evaluation error here (a builtin given a random integer) may not happen with
            # the outputs enumerated; the last way reports it if it does
            continue
        if semiring.exact_integers or _best_way_sound(grounded.ground, semiring):
            return grounded
    return ways[-1].run(program, goal, limits)


def _best_way_sound(ground: GroundProgram, semiring: Semiring) -> bool:
    """Constraints valued by their best way (max-product, max-min) give the ground program's
    value when they are read only positively (a failed constraint's value is not 1 - its
    value) and are the only choices; a smoothed world (mpe) holds at most one of them."""
    return all(isinstance(c.prob, Constraint) and len(ground.groups[c.group]) == 1
               for c in ground.choices.values()) \
        and all(lit > 0 for bodies in ground.bodies.values() for body in bodies for lit in body) \
        and (not semiring.needs_smoothing or len(ground.choices) <= 1)


def plan_simplified(simplified: Simplified, semiring: Semiring, limits: Limits,
                    grounded: Grounded | None = None, validate: bool = False) -> QueryPlan:
    """The evaluation a semiring's capabilities ask for, compiled once for the evaluated
    queries' literals (the roots)."""
    grounded = grounded or Grounded(simplified.ground)
    if simplified.evidence and not semiring.supports_evidence:
        raise InferenceError(f"the {semiring.name} semantics cannot condition on evidence; "
                             "use exact, topk or mpe, or remove the evidence")
    if semiring.needs_circuit:  # compiled without cycles, as ProbLog compiles
        simplified = break_cycles(simplified, limits)
    roots = [lit for _, lit in simplified.queries][grounded.evaluated]
    if semiring.selects_proofs:
        how: Evaluation = SelectedProofs(simplified, roots, semiring, limits)
    elif semiring.samples_worlds:  # Monte-Carlo over sampled worlds (circuit/sample.py)
        how = SampledWorlds(simplified, roots, semiring, lambda: ground2dag(simplified, roots))
    elif semiring.needs_circuit and not simplified.evidence and roots \
            and all(_lone_choice(simplified.ground, r) for r in roots) \
            and (not semiring.needs_smoothing or _one_constraint(simplified.ground)):
        how = ChoiceRoots(roots)  # each answer is one choice: its probability, no circuit
    elif semiring.needs_circuit:
        how = compile_circuit(simplified, roots, semiring, limits, grounded.order_last)
    else:
        how = Derivations(simplified, roots, limits)
    if validate:
        how.validate()
    return QueryPlan(semiring, simplified, roots, how, grounded.extra)


def _one_constraint(ground: GroundProgram) -> bool:
    """The only choice is a constraint over random integers (valued by its best way under
    mpe): a smoothed world is that choice alone, so its value is the answer's, no circuit."""
    return len(ground.choices) == 1 and \
        isinstance(next(iter(ground.choices.values())).prob, Constraint)


def _lone_choice(ground: GroundProgram, root) -> bool:
    return isinstance(root, int) and root > 0 and root in ground.choices \
        and len(ground.groups[ground.choices[root].group]) == 1


@dataclass
class QueryPlan:
    """What one query (shape) evaluates, built once: `evaluate(leaf_values)` gives every
    answer's value, [B, n_answers] for a batch, a list of floats for one example."""

    semiring: Semiring
    simplified: Simplified
    roots: list
    how: Evaluation
    extra: object = None

    @property
    def ground(self) -> GroundProgram:
        return self.simplified.ground

    @property
    def answers(self) -> list[Term]:
        return [atom for atom, _ in self.simplified.queries]

    @property
    def choice_roots(self) -> list[int] | None:
        """The answers' choice nodes where each answer is one choice, else None."""
        return self.how.roots if isinstance(self.how, ChoiceRoots) else None

    @property
    def circuit(self) -> Circuit | None:
        return getattr(self.how, "circuit", None)

    def batched(self) -> QueryPlan:
        """Do the symbolic work of evaluating batches now (a Module calls it per shape, on
        its large-stack worker), rather than on the first batch."""
        self.how.batched()
        return self

    def evaluate(self, leaves: LeafValues, answers: list[int] | None = None):
        """Each answer's value; `answers` (per example an answer's index, -1 for none): only
        each example's own answer, [B, 1] (top-k ranks its proofs only)."""
        return self.how.evaluate(self.semiring, leaves, answers)

    def worlds(self, leaves: LeafValues) -> list[list[str]]:
        """Per answer, its most probable world's choices as text (semantics with a smoothed
        circuit: `needs_smoothing`), for one example's floats."""
        if not self.semiring.needs_smoothing or not isinstance(self.how, CompiledCircuit):
            return []
        return self.how.worlds(leaves)

    def pretty(self) -> str:
        """What the plan evaluates: its kind, its answers' roots and its circuit (if any)."""
        lines = [f"plan: {type(self.how).__name__} under {self.semiring.name}"]
        for atom, lit in self.simplified.queries:
            lines.append(f"answer {format_term(atom)} -> {lit}")
        lines.append(self.how.pretty())
        return "\n".join(line for line in lines if line)


class Evaluation:
    """One way a plan evaluates its roots."""

    def batched(self) -> None:
        pass

    def evaluate(self, semiring: Semiring, leaves: LeafValues, answers=None):
        raise NotImplementedError

    def validate(self) -> None:
        pass

    def pretty(self) -> str:
        return ""


def _only(values, answers, like):
    """[B, 1]: each example's own answer's column of [B, A] (-1: zero)."""
    import torch

    padded = torch.cat([values, torch.zeros_like(values[:, :1])], dim=1)
    index = torch.tensor([a if a >= 0 else values.shape[1] for a in answers],
                         device=values.device)
    return padded.gather(1, index.unsqueeze(1))


@dataclass
class ChoiceRoots(Evaluation):
    """Every answer is one choice (a constraint over random integers, say): its probability."""

    roots: list[int]

    def evaluate(self, semiring, leaves, answers=None):
        values = converted(semiring, leaves.columns(self.roots))
        return values if answers is None else _only(values, answers, leaves.like)

    def pretty(self) -> str:
        return "each answer is one choice: " + ", ".join(map(str, self.roots))


@dataclass
class CompiledCircuit(Evaluation):
    """A knowledge-compiled circuit: the roots and, last, the evidence; answers divided by
    the evidence's weight where the semiring normalises."""

    builder: SddBuilder
    circuit: Circuit
    plan: CircuitPlan
    n_roots: int
    evidence_names: list[str]
    normalize: bool
    nodes: list[int] = field(default_factory=list)

    def batched(self) -> None:
        self.plan.level()

    def weights(self, semiring, leaves):
        probs = _by_node(self.nodes, leaves.columns(self.nodes)) if self.nodes else {}
        pos, neg = self.builder.layout.weights(probs, leaves.like)
        return converted(semiring, pos), converted(semiring, neg)

    def evaluate(self, semiring, leaves, answers=None):
        pos, neg = self.weights(semiring, leaves)
        values = self.plan.evaluate(pos, neg, semiring)
        if not self.evidence_names:  # no evidence root: the answers are the values
            return values if answers is None else _only(values, answers, leaves.like)
        if not isinstance(values, list):
            raise InferenceError("evidence in a batch is not supported")
        z = values[-1]
        check_evidence(z, self.evidence_names)
        return [v / z if self.normalize else v for v in values[:self.n_roots]]

    def worlds(self, leaves) -> list[list[str]]:
        pos, neg = self.builder.layout.weights(_by_node(self.nodes, leaves.columns(self.nodes)),
                                               0.0)
        return [self._world_text(self.circuit.roots[i], pos, neg) for i in range(self.n_roots)]

    def _world_text(self, root, pos, neg) -> list[str]:
        chosen = set(best_assignment(self.circuit, root, pos, neg))
        return self.builder.ground.describe_world(
            self.builder.layout.groups,
            lambda var: True if var in chosen else False if -var in chosen else None)

    def validate(self) -> None:
        self.circuit.validate()

    def pretty(self) -> str:
        ground = self.builder.ground
        legend = [f"x{var} = {ground.describe(node) if node is not None else 'none of ' + str(group)}"
                  for group, members in self.builder.layout.groups for node, var in members]
        return "\n".join(legend + [self.circuit.pretty()])


def compile_circuit(simplified: Simplified, roots: list, semiring: Semiring, limits: Limits,
                    order_last: frozenset = frozenset()) -> CompiledCircuit:
    """Knowledge compilation of the roots (each conditioned on the evidence) and the evidence:
    a best world (`needs_smoothing`) assigns every choice the grounding reached, relevant or
    not, one indicator per outcome, in a smoothed circuit."""
    encoding = EXACTLY_ONE if semiring.needs_smoothing else CHAIN
    all_roots = list(roots) + [lit for _, lit, _ in simplified.evidence]
    orders = ([list(simplified.ground.choices)] if semiring.needs_smoothing
              else variable_orders(simplified, all_roots))
    if order_last:
        orders = [sorted(order, key=lambda n: n in order_last) for order in orders]
    evidence = simplified.evidence

    def build(nodes, trial_limits):
        builder = SddBuilder(simplified, nodes, encoding, trial_limits)
        condition = builder.with_constraints(builder.conjunction(
            builder.literal(lit) if value else builder.negation(builder.literal(lit))
            for _, lit, value in evidence))
        tops = [builder.conjoin(builder.literal(lit), condition) for lit in roots]
        if evidence:
            tops.append(condition)
        return builder, builder.to_circuit(tops)

    builder, circuit = compile_first(orders, build, limits)
    if semiring.needs_smoothing:
        circuit = circuit.smoothed()
    nodes = [node for _, members in builder.layout.groups for node, _ in members
             if node is not None]
    return CompiledCircuit(builder, circuit, CircuitPlan(circuit), len(roots),
                           [format_term(a) for a, _, _ in evidence] if evidence else [],
                           semiring.normalize, nodes)


@dataclass
class Derivations(Evaluation):
    """The semantics defined on derivations (fuzzy, possibilistic): each atom the semiring sum
    over its bodies of the product of their literals. One example's floats: node by node,
    cycles iterated to their fixpoint; a batch: one levelled pass over the derivation DAG where
    the program is acyclic."""

    simplified: Simplified
    roots: list
    limits: Limits
    dag: DerivationDag | None = None
    plan: CircuitPlan | None = None
    built: bool = False

    @property
    def levelled(self) -> bool:
        """A batch takes one levelled pass (acyclic), not the node-by-node fixpoint."""
        self.batched()
        return self.plan is not None

    def batched(self) -> None:
        if not self.built:
            self.dag = ground2dag(self.simplified, self.roots)
            self.plan = CircuitPlan(self.dag.circuit) if self.dag is not None else None
            if self.plan is not None:
                self.plan.level()
            self.built = True

    def evaluate(self, semiring, leaves, answers=None):
        like = leaves.like
        if not isinstance(like, float):
            self.batched()
        if self.plan is not None and not isinstance(like, float):
            import torch

            columns = leaves.columns(self.dag.choices)
            weights = converted(semiring, torch.cat(
                [torch.ones_like(like).unsqueeze(1), columns.to(like.dtype)], dim=1))
            # negations are the DAG's NOT nodes: no negative literal's weight is read
            values = self.plan.evaluate(weights, weights, semiring)
        else:
            values = self._fixpoint(semiring, leaves)
        return values if answers is None else _only(values, answers, like)

    def _fixpoint(self, semiring, leaves):
        nodes = list(self.simplified.ground.choices)
        probs = _by_node(nodes, leaves.columns(nodes))

        def leaf(node, positive):
            value = semiring.from_probability(probs[node])
            return value if positive else semiring.negate(value)

        evaluator = DirectEvaluator(self.simplified, TensorOps(semiring, leaves.like), leaf,
                                    self.limits)
        values = [evaluator.literal(r) for r in self.roots]
        if isinstance(leaves.like, float):
            return values
        import torch

        return torch.stack(values, dim=1) if values else leaves.like.unsqueeze(1)[:, :0]

    def validate(self) -> None:
        self.batched()
        if self.dag is not None:
            self.dag.circuit.validate()

    def pretty(self) -> str:
        self.batched()
        return self.dag.circuit.pretty() if self.dag is not None else \
            "cyclic: evaluated node by node to a fixpoint"


#: proofs of one atom up to which one example's top-k ranks every proof; past it, a search
#: that keeps k per atom as it goes where that is exact (`proof_search_exact`, as a batch's
#: DAG search), else every proof ranked up to `Limits.max_proofs`
EXACT_RANKING_PROOFS = 1_000


@dataclass
class SelectedProofs(Evaluation):
    """Top-k: the k most probable proofs of each answer, then the exact probability of their
    disjunction (conditioned on the evidence's k best proofs). A batch: a k-best search over
    the derivation DAG, levelled once per shape and run on tensors (`circuit.topk.ProofSearch`);
    where proofs are few (cheaper to rank them all) or that search would not be exact (a cycle,
    an AND whose parts share a group of choices), every proof enumerated once (`proof_table`)
    and ranked per example. One example:
    ranked among all proofs where they are few, else a pruning search where it is exact (the
    condition of the DAG search, `proof_search_exact`), else ranked among all proofs up to
    `max_proofs` (past it, a LimitError), then weighted model counting. It stays in plain
    Python (`nesy query` loads no torch), hence its own selection of the same proofs."""

    simplified: Simplified
    roots: list
    semiring: Semiring
    limits: Limits
    table: object = None  # a batch's: a ProofSearch, or a ProofTable
    circuit: Circuit | None = None  # one example's: over its selected proofs
    searchable: bool | None = None  # one example's: whether its pruning search is exact

    def batched(self) -> None:
        if self.table is None:
            if self.simplified.evidence:
                raise InferenceError("top-k on a batch does not condition on evidence")
            from nesy.circuit.topk import ProofSearch, worth_searching

            dag = ground2dag(self.simplified, self.roots)
            choices = self.simplified.ground.choices
            if dag is not None and worth_searching(dag.circuit):
                self.table = ProofSearch.from_dag(
                    dag.circuit, dag.choices, {n: choices[n].group for n in dag.choices})
            if self.table is None:
                from nesy.compile.proof_table import build_proof_table

                self.table = build_proof_table(self.simplified, self.roots, self.limits)

    def evaluate(self, semiring, leaves, answers=None):
        if isinstance(leaves.like, float):
            return self._one_example(leaves)
        self.batched()
        columns = leaves.columns(self.table.nodes)
        return self.table.union(columns, leaves.like, semiring.k, answers)

    def _one_example(self, leaves) -> list[float]:
        simplified = self.simplified
        nodes = list(simplified.ground.choices)
        probabilities = _by_node(nodes, leaves.columns(nodes))
        query_proofs, positive, negative = self._k_best(probabilities)
        nodes = sorted({abs(lit) for proofs in query_proofs + [positive] + negative
                        for _, proof in proofs for lit in proof})
        builder = SddBuilder(simplified, nodes, CHAIN, self.limits)
        excluded = builder.conjunction(builder.negation(builder.proofs(p for _, p in proofs))
                                       for proofs in negative)
        condition = builder.conjoin(builder.proofs(p for _, p in positive), excluded)
        tops = [builder.conjoin(builder.proofs(p for _, p in proofs), excluded)
                for proofs in query_proofs]
        circuit = builder.to_circuit(tops + [condition])
        pos, neg = builder.layout.weights(probabilities, 0.0)
        values = CircuitPlan(circuit).evaluate(pos, neg, get_semiring("exact"))
        z = values[-1]
        if simplified.evidence and z <= 0:
            raise InferenceError(f"the {self.semiring.k} best proofs of the evidence are "
                                 "inconsistent with it (or the evidence is impossible): raise k")
        self.circuit = circuit
        return [v / z for v in values[:len(self.roots)]]

    def _k_best(self, probabilities):
        """The k best proofs of each (query and positive evidence), of the positive evidence,
        and of each negative evidence atom: ranked among all proofs where they are few, else
        searched where the search is exact, else ranked among up to `max_proofs` proofs."""
        ground, most = self.simplified.ground, self.limits.max_proofs
        ranking = ProofOps(ground, probabilities, self.semiring.k)
        try:
            found = self._proof_sets(AllProofOps(ground, min(most, EXACT_RANKING_PROOFS)))
        except LimitError as error:
            if error.limit_name != "max_proofs":
                raise
            if self._search_exact():
                return self._proof_sets(ranking)
            if most <= EXACT_RANKING_PROOFS:
                raise self._too_many() from error
            try:
                found = self._proof_sets(AllProofOps(ground, most))
            except LimitError as again:
                if again.limit_name != "max_proofs":
                    raise
                raise self._too_many() from again
        queries, positive, negative = found
        return ([ranking.ranked(p) for p in queries], ranking.ranked(positive),
                [ranking.ranked(p) for p in negative])

    def _too_many(self) -> LimitError:
        error = LimitError("top-k ranks every proof where its k-best search is not exact (an "
                           "AND whose parts' proofs share a literal or a group of choices, or "
                           "a cycle), and an atom here has more proofs", "max_proofs",
                           self.limits.max_proofs)
        error.hint += ", or choose another semantics (exact needs no proofs ranked)"
        return error

    def _search_exact(self) -> bool:
        """Whether the pruning search (`ProofOps`) finds exactly the k best proofs: the batch
        search's condition (`search_is_exact`) on the derivations of the queries, each joined
        with the positive evidence, of the positive evidence and of each negative evidence."""
        if self.searchable is None:
            evidence = self.simplified.evidence
            positive = [lit for _, lit, value in evidence if value]
            negative = [lit for _, lit, value in evidence if not value]
            dag = ground2dag(self.simplified, list(self.roots) + positive + negative)
            self.searchable = dag is not None  # a cycle: no DAG, no exact search
            if dag is not None:
                circuit, n = dag.circuit, len(self.roots)
                condition = circuit.roots[n:n + len(positive)]
                circuit.add(AND, tuple(condition))
                for root in circuit.roots[:n]:
                    circuit.add(AND, (root, *condition))
                choices, numbered = self.simplified.ground.choices, {}
                groups = [numbered.setdefault(choices[node].group, len(numbered))
                          for node in dag.choices]
                self.searchable = search_is_exact(circuit, groups)
        return self.searchable

    def _proof_sets(self, ops):
        evaluator = DirectEvaluator(self.simplified, ops, ops.leaf, self.limits)
        positive = ops.one()
        negative = []
        for _, lit, value in self.simplified.evidence:
            if value:
                positive = ops.mul(positive, evaluator.literal(lit))
            else:
                negative.append(evaluator.literal(lit))
        queries = [ops.mul(evaluator.literal(lit), positive) for lit in self.roots]
        return queries, positive, negative

    def pretty(self) -> str:
        text = f"the {self.semiring.k} best proofs of each answer, then their exact probability"
        return text if self.circuit is None else text + "\n" + self.circuit.pretty()
