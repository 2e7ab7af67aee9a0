"""`nesy.Module`: a program plus networks as one `torch.nn.Module`, evaluated in batches.

The query's inputs are bound to slots (`tensor(X)`, or `tensor(X,i)` for the items of a list
input), so every batch with the same input structure shares one *query shape*: it is grounded
and compiled once, cached, and evaluated on [B, ...] tensors of network outputs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
from torch import nn

from nesy.circuit.evaluate import CircuitPlan
from nesy.compile.direct import DirectEvaluator, TensorOps
from nesy.compile.ground2circuit import CHAIN, SddBuilder, choices_below
from nesy.errors import InferenceError, LimitError, NeuralError
from nesy.front.program import Program
from nesy.ground.arith import LinearExpr, NotLinear
from nesy.ground.engine import Grounder
from nesy.ground.ground_program import Constraint, NeuralRef, ParamRef
from nesy.ground.simplify import simplify
from nesy.limits import Limits
from nesy.neural.random_integers import constraint_probability, dense_distribution
from nesy.semiring import TopKProofs, get_semiring
from nesy.terms import Term, Var, format_term, make_list, recursion_limit


@dataclass
class CacheStats:
    shapes: int = 0
    hits: int = 0
    misses: int = 0
    compile_time_s: float = 0.0
    symbolic_shapes: int = 0

    def __str__(self) -> str:
        return (f"query shapes: {self.shapes} ({self.symbolic_shapes} with symbolic integers), "
                f"cache hits: {self.hits}, misses: {self.misses}, "
                f"grounding+compilation: {self.compile_time_s:.3f}s")


def slot(name: str, index: int | None = None) -> Term:
    return Term("tensor", (Term(name),) if index is None else (Term(name), index))


@dataclass
class _Answer:
    """One answer of a query shape: its output values and its root in the circuit."""

    values: tuple  # per output variable: a constant or a LinearExpr
    root: object  # a literal, TRUE or FALSE


@dataclass
class _Shape:
    """Everything symbolic about one query shape, computed once."""

    answers: list[_Answer]
    simplified: object
    plan: CircuitPlan | None
    semiring_is_circuit: bool
    layout: object
    symbolic: bool
    domains: dict = field(default_factory=dict)  # symbolic group -> domain values
    dtype: torch.dtype = torch.float32
    direct_roots: list | None = None  # choice nodes whose probabilities are the answers
    net_plan: list | None = None  # per network: input slots and where each output goes
    proofs: tuple | None = None  # top-k: (choice nodes, per answer a [P, L] literal index)

    def __post_init__(self):
        ground = self.simplified.ground
        wanted: dict = {}
        for choice in ground.choices.values():
            if isinstance(choice.prob, NeuralRef):
                wanted[(choice.prob.net_id, choice.prob.input)] = None
        for group in self.domains:
            wanted[(group[1], group[2])] = None
        self.wanted_inputs = list(wanted)
        # many random variables multiply to tiny probabilities: keep float64 there
        if len(self.wanted_inputs) > 12:
            self.dtype = torch.float64
        self.all_slots = bool(self.answers) and all(
            isinstance(v, Term) and v.functor == "$slot" for a in self.answers for v in a.values)
        roots = [a.root for a in self.answers]
        if self.semiring_is_circuit and all(
                isinstance(r, int) and r > 0 and r in ground.choices
                and len(ground.groups[ground.choices[r].group]) == 1 for r in roots):
            self.direct_roots = roots


class Module(nn.Module):
    """A logic program with neural predicates; `forward` gives answer distributions."""

    def __init__(self, program: Program | str, networks: dict[str, nn.Module], query: str,
                 semantics: str = "exact", *, k: int = 3, limits: Limits | None = None,
                 symbolic_integers: bool = True):
        super().__init__()
        import nesy

        self.program = nesy.parse(program) if isinstance(program, str) else program
        self.networks = nn.ModuleDict(networks)
        self.semiring = get_semiring(semantics, k)
        self.limits = limits or Limits()
        self.symbolic_integers = symbolic_integers
        self.query_term = _parse_query(query)
        self.output_vars = [v for v in _vars_in(self.query_term)]
        self.stats = CacheStats()
        self._shapes: dict = {}
        self._calls: dict = {}
        missing = sorted({s.net for s in self.program.neural.values()} - set(networks))
        if missing:
            raise NeuralError(f"no network bound for {', '.join(missing)}: pass "
                              f"networks={{'{missing[0]}': ...}}")
        self.params = nn.ParameterDict({
            f"t{cid}_{i}": nn.Parameter(torch.logit(torch.tensor(spec.initial, dtype=torch.float64)
                                                    .clamp(1e-6, 1 - 1e-6)))
            for (cid, i), spec in self.program.params.items()})

    # ------------------------------------------------------------------ shapes
    def _bind_inputs(self, inputs: dict) -> tuple[Term, dict[Term, torch.Tensor], int]:
        mapping = {}
        tensors: dict[Term, torch.Tensor] = {}
        batch = None
        for var in self.output_vars:
            if var.name not in inputs:
                continue
            value = inputs[var.name]
            if isinstance(value, torch.Tensor):
                mapping[var] = slot(var.name)
                tensors[mapping[var]] = value
                batch = value.shape[0]
            elif isinstance(value, (list, tuple)) and all(isinstance(v, torch.Tensor) for v in value):
                items = [slot(var.name, i) for i in range(len(value))]
                mapping[var] = make_list(items)
                for item, tensor in zip(items, value, strict=False):
                    tensors[item] = tensor
                    batch = tensor.shape[0]
            else:
                raise NeuralError(f"input {var.name} must be a tensor or a list of tensors")
        unknown = set(inputs) - {v.name for v in self.output_vars}
        if unknown:
            raise NeuralError(f"inputs {sorted(unknown)} do not appear in the query "
                              f"{format_term(self.query_term)}")
        if batch is None:
            raise NeuralError("no input tensors given")
        return _substitute(self.query_term, mapping), tensors, batch

    def _prepare(self, inputs: dict, target_names: tuple = ()):
        """(shape, tensors by slot, batch, target slots) for a call; the symbolic part is cached
        by the inputs' structure, so a repeated call costs a dictionary lookup."""
        structure = (tuple((name, len(v) if isinstance(v, (list, tuple)) else -1)
                           for name, v in inputs.items()), target_names)
        entry = self._calls.get(structure)
        if entry is None:
            with recursion_limit(20 * self.limits.max_depth + 1000):
                entry = self._prepare_structure(inputs, structure, target_names)
        else:
            self.stats.hits += 1
        shape, target_slots, slots = entry
        tensors = {}
        for name, terms in slots:
            value = inputs[name]
            if isinstance(terms, Term):
                tensors[terms] = value
            else:
                tensors.update(zip(terms, value, strict=True))
        batch = next(iter(tensors.values())).shape[0]
        return shape, tensors, batch, target_slots

    def _prepare_structure(self, inputs: dict, structure, target_names: tuple):
        """The slow path of `_prepare`: bind, ground and compile one input structure."""
        query, _, _ = self._bind_inputs(inputs)
        names = [v.name for v in _vars_in(query)]
        missing = [n for n in names if n not in target_names]
        if target_names and missing:
            raise NeuralError(f"no target for the output variable(s) {', '.join(missing)}")
        unknown = [n for n in target_names if n not in names]
        if unknown:
            raise NeuralError(f"targets {unknown} are not output variables of the query")
        target_slots = {v: Term("$slot", (Term(v.name),)) for v in _vars_in(query)
                        if v.name in target_names}
        shape = self._shape(query, target_slots)
        slots = [(name, slot(name) if isinstance(v, torch.Tensor)
                  else [slot(name, i) for i in range(len(v))]) for name, v in inputs.items()]
        entry = self._calls[structure] = (shape, target_slots, slots)
        return entry

    def _shape(self, query: Term, target_slots: dict) -> _Shape:
        key = (query, tuple(sorted(v.name for v in target_slots)), self.semiring)
        shape = self._shapes.get(key)
        if shape is not None:
            return shape
        self.stats.misses += 1
        start = time.perf_counter()
        shape = None
        # symbolic integers give exact probabilities: only the exact semantics may use them
        if self.symbolic_integers and self.semiring.name == "exact":
            try:
                shape = self._build_shape(query, target_slots, symbolic=True)
            except NotLinear:
                shape = None
        if shape is None:
            shape = self._build_shape(_substitute(query, {}), {}, symbolic=False)
        self.stats.compile_time_s += time.perf_counter() - start
        self.stats.shapes += 1
        self.stats.symbolic_shapes += shape.symbolic
        self._shapes[key] = shape
        return shape

    def _build_shape(self, query: Term, target_slots: dict, symbolic: bool) -> _Shape | None:
        goal = _substitute(query, target_slots) if symbolic else query
        grounder = Grounder(self.program, self.limits, symbolic=symbolic)
        outputs = [v for v in _vars_in(goal)]
        grouped: dict[tuple, list] = {}
        for answer, literals in grounder.answers(goal, Term("$o", tuple(outputs))):
            values = tuple(answer.args)
            grouped.setdefault(values, []).append(literals)
        ground = grounder.ground
        roots = {}
        for values, bodies in grouped.items():
            node = grounder.aux_node(Term("$answer", (Term("$o", values),)), bodies)
            ground.queries.append((Term("$answer", (Term("$o", values),)), node))
            roots[values] = node
        if symbolic and not _independent(ground, grounder.symbolic_groups, grouped):
            raise NotLinear()
        simplified = simplify(ground)
        answers = [_Answer(values, lit) for (_, lit), values in zip(simplified.queries, grouped, strict=False)]
        domains = {g: list(self.program.neural[g[1]].domain) for g in grounder.symbolic_groups}
        literal_roots = [a.root for a in answers]
        if isinstance(self.semiring, TopKProofs):
            return _Shape(answers, simplified, None, False, None, False, domains,
                          proofs=_all_proofs(simplified, literal_roots, self.limits))
        if self.semiring.needs_circuit:
            nodes = choices_below(simplified, literal_roots)
            builder = SddBuilder(simplified, nodes, CHAIN, self.limits)
            circuit = builder.to_circuit([builder.literal(r) for r in literal_roots])
            return _Shape(answers, simplified, CircuitPlan(circuit), True, builder.layout,
                          symbolic and bool(grounder.symbolic_groups), domains)
        return _Shape(answers, simplified, None, False, None,
                      symbolic and bool(grounder.symbolic_groups), domains)

    # ------------------------------------------------------------------ numbers
    def _network_outputs(self, shape: _Shape, tensors: dict, batch: int) -> dict:
        """Each (net id, input) pair's output [B, D], one forward pass per network."""
        if shape.net_plan is None:
            by_net: dict[str, list] = {}
            for net_id, item in shape.wanted_inputs:
                by_net.setdefault(self.program.neural[net_id].net, []).append((net_id, item))
            shape.net_plan = []
            for net, items in by_net.items():
                distinct = list(dict.fromkeys(item for _, item in items))
                slots = [_input_slot(item, tensors) for item in distinct]
                shape.net_plan.append((net, slots, [(key, distinct.index(key[1])) for key in items]))
        outputs = {}
        for net, slots, keys in shape.net_plan:
            stacked = torch.cat([tensors[s] for s in slots], dim=0) if len(slots) > 1 \
                else tensors[slots[0]]
            result = self.networks[net](stacked)
            if result.dim() == 1:
                result = result.unsqueeze(1)
            chunks = result.reshape(len(slots), batch, -1).unbind(0)
            for key, row in keys:
                outputs[key] = chunks[row]
        return outputs

    def _choice_probabilities(self, shape: _Shape, outputs: dict, like: torch.Tensor, targets):
        ground = shape.simplified.ground
        probs = {}
        for node, choice in ground.choices.items():
            prob = choice.prob
            if isinstance(prob, float):
                probs[node] = torch.full_like(like, prob)
            elif isinstance(prob, ParamRef):
                probs[node] = torch.sigmoid(self.params[f"t{prob.key[0]}_{prob.key[1]}"]).to(
                    like.dtype).expand_as(like)
            elif isinstance(prob, NeuralRef):
                out = outputs[(prob.net_id, prob.input)]
                probs[node] = out[:, max(prob.index, 0)].to(like.dtype)
            elif isinstance(prob, Constraint):
                probs[node] = self._constraint(shape, prob, outputs, like, targets)
        return probs

    def _constraint(self, shape: _Shape, prob: Constraint, outputs: dict, like: torch.Tensor,
                    targets: dict, log: bool = False) -> torch.Tensor:
        """P (or log P) of a constraint over random integers, from the networks' outputs."""
        value = targets[prob.value] if isinstance(prob.value, Term) else prob.value
        group_probs = {}
        for _, g in prob.expr.terms:
            out = outputs[(g[1], g[2])]
            group_probs[g] = out if out.dtype == like.dtype else out.to(like.dtype)
        return constraint_probability(prob.op, prob.expr, value, shape.domains, group_probs,
                                      like, self.limits, log=log)

    def _root_values(self, shape: _Shape, probs: dict, like: torch.Tensor) -> torch.Tensor:
        """[B, n_answers] values of the answers' roots under the semiring."""
        if shape.proofs is not None:
            return _topk_values(shape.proofs, probs, like, self.semiring.k)
        if shape.direct_roots is not None:
            if len(shape.direct_roots) == 1:
                return probs[shape.direct_roots[0]].unsqueeze(1)
            return torch.stack([probs[r] for r in shape.direct_roots], dim=1)
        if shape.plan is not None:
            pos, neg = shape.layout.weights(probs, like)
            return shape.plan.evaluate(pos, neg, self.semiring if self.semiring.needs_circuit
                                       else get_semiring("exact"))
        ops = TensorOps(self.semiring, like)

        def leaf(node, positive):
            value = self.semiring.from_probability(probs[node])
            return value if positive else self.semiring.negate(value)

        evaluator = DirectEvaluator(shape.simplified, ops, leaf, self.limits)
        return torch.stack([evaluator.literal(a.root) for a in shape.answers], dim=1)

    # ------------------------------------------------------------------ public
    def forward(self, inputs: dict) -> Distribution:
        """The distribution over the query's answers, per example: [B, n_answers]."""
        shape, tensors, batch, _ = self._prepare(inputs)
        outputs = self._network_outputs(shape, tensors, batch)
        like = torch.zeros(batch, dtype=_dtype(shape, outputs), device=_device(outputs))
        probs = self._choice_probabilities(shape, outputs, like, {})
        values = self._root_values(shape, probs, like)
        return self._expand(shape, values, outputs, like)

    def _expand(self, shape: _Shape, values: torch.Tensor, outputs, like) -> Distribution:
        answers: list = []
        columns = []
        for i, answer in enumerate(shape.answers):
            symbolic = [j for j, v in enumerate(answer.values) if isinstance(v, LinearExpr)]
            if not symbolic:
                answers.append(_plain(answer.values))
                columns.append(values[:, i:i + 1])
                continue
            if len(symbolic) > 1 or len(shape.answers) > 1:
                raise InferenceError("an answer with several symbolic integers; build the Module "
                                     "with symbolic_integers=False")
            expr = answer.values[symbolic[0]]
            group_probs = {g: outputs[(g[1], g[2])].to(like.dtype) for g in shape.domains}
            support, dist = dense_distribution(expr, shape.domains, group_probs, like, self.limits)
            for v in support:
                answers.append(_plain(tuple(v if j == symbolic[0] else x
                                            for j, x in enumerate(answer.values))))
            columns.append(dist * values[:, i:i + 1])
        probs = torch.cat(columns, dim=1) if columns else like.unsqueeze(1)[:, :0]
        return Distribution(answers, self.semiring.to_output(probs))

    def log_probability(self, inputs: dict, targets: dict) -> torch.Tensor:
        """log P(query with its outputs bound to `targets`), per example: [B]. Exact where the
        probability itself underflows (sums of hundreds of digits)."""
        shape, tensors, batch, target_slots = self._prepare(inputs, tuple(sorted(targets)))
        if not (shape.all_slots and shape.direct_roots is not None
                and len(shape.direct_roots) == 1 and self.semiring.name == "exact"):
            return self.probability(inputs, targets).clamp_min(1e-300).log()
        target_values = {term: targets[var.name] for var, term in target_slots.items()}
        outputs = self._network_outputs(shape, tensors, batch)
        like = torch.zeros(batch, dtype=_dtype(shape, outputs), device=_device(outputs))
        prob = shape.simplified.ground.choices[shape.direct_roots[0]].prob
        if not isinstance(prob, Constraint):
            return self.probability(inputs, targets).clamp_min(1e-300).log()
        return self._constraint(shape, prob, outputs, like, target_values, log=True)

    def probability(self, inputs: dict, targets: dict) -> torch.Tensor:
        """P(query with its output variables bound to `targets`), per example: [B].

        Targets are int64 tensors [B] or lists of Python ints (for numbers beyond 64 bits).
        """
        shape, tensors, batch, target_slots = self._prepare(inputs, tuple(sorted(targets)))
        target_values = {term: targets[var.name] for var, term in target_slots.items()}
        outputs = self._network_outputs(shape, tensors, batch)
        like = torch.zeros(batch, dtype=_dtype(shape, outputs), device=_device(outputs))
        probs = self._choice_probabilities(shape, outputs, like, target_values)
        if shape.all_slots and shape.direct_roots is not None and len(shape.direct_roots) == 1:
            return self.semiring.to_output(probs[shape.direct_roots[0]])
        values = self._root_values(shape, probs, like)
        if shape.all_slots:
            return self.semiring.to_output(values[:, 0] if values.shape[1] == 1 else values.sum(1))
        dist = self._expand(shape, values, outputs, like)
        return dist.gather([target_values[term] for term in target_slots.values()])

    def predict(self, inputs: dict) -> list:
        """The most probable answer per example (for answer spaces too large to enumerate: the
        answer of the most probable assignment of the networks' outputs)."""
        try:
            dist = self.forward(inputs)
            best = dist.probs.argmax(1).tolist()
            return [dist.answers[i] for i in best]
        except LimitError:
            return self._predict_mpe(inputs)

    def _predict_mpe(self, inputs: dict) -> list:
        shape, tensors, batch, _ = self._prepare(inputs)
        outputs = self._network_outputs(shape, tensors, batch)
        answer = shape.answers[0]
        result = []
        for b in range(batch):
            values = []
            for v in answer.values:
                if isinstance(v, LinearExpr):
                    total = v.const
                    for coef, group in v.terms:
                        domain = shape.domains[group]
                        total += coef * domain[int(outputs[(group[1], group[2])][b].argmax())]
                    values.append(total)
                else:
                    values.append(v)
            result.append(_plain(tuple(values)))
        return result

    def explain(self, inputs: dict, index: int = 0) -> str:
        """What each network read for example `index`, and the most probable proof."""
        from nesy.proofs import best_proof

        single = {k: ([t[index:index + 1] for t in v] if isinstance(v, (list, tuple))
                      else v[index:index + 1]) for k, v in inputs.items()}
        lines = []
        with torch.no_grad(), recursion_limit(20 * self.limits.max_depth + 1000):
            query, tensors, _ = self._bind_inputs(single)
            shape = self._build_shape(query, {}, symbolic=False)
            outputs = self._network_outputs(shape, tensors, 1)
            for (net_id, item), out in outputs.items():
                spec = self.program.neural[net_id]
                domain = spec.domain or (True,)
                best = int(out[0].argmax())
                lines.append(f"{spec.net}({format_term(item)}) = {format_term(domain[best])}  "
                             f"(p={float(out[0, best]):.4f})")
            like = torch.zeros(1, dtype=_dtype(shape, outputs), device=_device(outputs))
            probs = self._choice_probabilities(shape, outputs, like, {})
            values = self._root_values(shape, probs, like)[0]
            best_answer = int(values.argmax())
            answer = shape.answers[best_answer]
            floats = {n: float(p[0]) for n, p in probs.items()}
            atom = _substitute(query, dict(zip(_vars_in(query), answer.values, strict=False)))
            proof = best_proof(shape.simplified, answer.root, floats, atom,
                               float(values[best_answer]), self.semiring.name)
        return "\n".join(lines + [proof.to_text()])


@dataclass
class Distribution:
    """Per example, a distribution over `answers` (one tuple of output values each)."""

    answers: list
    probs: torch.Tensor

    def index(self, answer) -> int:
        return self.answers.index(answer)

    def gather(self, targets: list) -> torch.Tensor:
        batch = self.probs.shape[0]
        lookup = {a: i for i, a in enumerate(self.answers)}
        columns = [t.tolist() if isinstance(t, torch.Tensor) else list(t) for t in targets]
        index = [lookup.get(_plain(tuple(col[b] for col in columns)), -1) for b in range(batch)]
        padded = torch.cat([self.probs, torch.zeros_like(self.probs[:, :1])], dim=1)
        idx = torch.tensor([i if i >= 0 else self.probs.shape[1] for i in index],
                           device=self.probs.device)
        return padded.gather(1, idx.unsqueeze(1)).squeeze(1)


def _plain(values: tuple):
    return values[0] if len(values) == 1 else values


def _all_proofs(simplified, roots, limits: Limits, max_proofs: int = 100_000):
    """Every proof of each root, once per shape, as literal indices; proofs must be exclusive."""
    from nesy.compile.topk import ProofOps

    ground = simplified.ground
    ops = ProofOps(ground, {n: 0.5 for n in ground.choices}, max_proofs)
    evaluator = DirectEvaluator(simplified, ops, ops.leaf, limits)
    nodes = sorted(ground.choices)
    column = {n: i for i, n in enumerate(nodes)}
    per_answer = []
    for root in roots:
        proofs = [sorted(p) for _, p in evaluator.literal(root)]
        if len(proofs) >= max_proofs:
            raise LimitError("too many proofs to rank per example", "max_ground_atoms", max_proofs)
        for i, first in enumerate(proofs):
            for second in proofs[i + 1:]:
                if not _exclusive(ground, first, second):
                    raise InferenceError("top-k in a Module needs mutually exclusive proofs "
                                         "(as annotated disjunctions give); use exact")
        width = max((len(p) for p in proofs), default=0)
        # literal l -> column of node |l| (positive) or of node + len(nodes) (negated);
        # padding points at a column of ones
        pad = 2 * len(nodes)
        index = [[column[abs(lit)] + (0 if lit > 0 else len(nodes)) for lit in p]
                 + [pad] * (width - len(p)) for p in proofs]
        per_answer.append(torch.tensor(index, dtype=torch.long).reshape(len(proofs), width))
    return nodes, per_answer


def _exclusive(ground, first, second) -> bool:
    for a in first:
        for b in second:
            if a == -b:
                return True
            if a > 0 and b > 0 and a != b and \
                    ground.choices[a].group == ground.choices[b].group:
                return True
    return False


def _topk_values(proofs, probs: dict, like: torch.Tensor, k: int) -> torch.Tensor:
    """Per example, the sum of its k most probable (exclusive) proofs of each answer."""
    nodes, per_answer = proofs
    p = torch.stack([probs[n] for n in nodes], dim=1) if nodes else like.unsqueeze(1)[:, :0]
    table = torch.cat([p, 1.0 - p, torch.ones_like(like).unsqueeze(1)], dim=1)
    columns = []
    for index in per_answer:
        if index.shape[0] == 0:
            columns.append(torch.zeros_like(like))
            continue
        weights = table[:, index.reshape(-1).to(table.device)].reshape(-1, *index.shape).prod(-1)
        columns.append(weights.topk(min(k, index.shape[0]), dim=1).values.sum(1))
    return torch.stack(columns, dim=1)


def _device(outputs: dict) -> torch.device:
    return next(iter(outputs.values())).device if outputs else torch.device("cpu")


def _dtype(shape: _Shape, outputs: dict) -> torch.dtype:
    """float64 where the shape needs it or the networks compute in it, else float32."""
    if shape.dtype == torch.float64 or any(o.dtype == torch.float64 for o in outputs.values()):
        return torch.float64
    return shape.dtype


def _input_slot(item: Term, tensors: dict) -> Term:
    """The one input slot of a neural predicate call (DeepProbLog writes inputs as `[X]`)."""
    from nesy.terms import list_items

    items = list_items(item) or [item]
    if len(items) != 1 or items[0] not in tensors:
        raise NeuralError(f"the input {format_term(item)} of a neural predicate is not one of "
                          "the query's input tensors")
    return items[0]


def _independent(ground, symbolic_groups, grouped) -> bool:
    """Symbolic integers are exact only if each occurs in one constraint or answer, nowhere else."""
    uses: dict = {}
    for choice in ground.choices.values():
        if isinstance(choice.prob, Constraint):
            for group in choice.prob.expr.groups():
                uses[group] = uses.get(group, 0) + 1
        elif choice.group in symbolic_groups:
            return False
    for values in grouped:
        for v in values:
            if isinstance(v, LinearExpr):
                for group in v.groups():
                    uses[group] = uses.get(group, 0) + 1
    return all(count <= 1 for count in uses.values())


def _parse_query(query: str) -> Term:
    import nesy

    program = nesy.parse(f"nesy_query__ :- {query}.", "<query>")
    body = program.rules[("nesy_query__", 0)][0].body
    return body


def _vars_in(term) -> list[Var]:
    from nesy.terms import term_vars

    return term_vars(term)


def _substitute(term, mapping: dict):
    if isinstance(term, Var):
        return mapping.get(term, term)
    if isinstance(term, Term) and term.args:
        return Term(term.functor, tuple(_substitute(a, mapping) for a in term.args), term.span)
    return term


__all__ = ["Module", "Distribution", "CacheStats"]
