"""`nesy.Module`: a program plus networks as one `torch.nn.Module`, evaluated in batches.

The query's inputs are bound to slots (`tensor(X)`, or `tensor(X,i)` for the items of a list
input), so every batch with the same input structure shares one *query shape*: it is grounded
and compiled once, cached, and evaluated on [B, ...] tensors of network outputs.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import torch
from torch import nn

from nesy.arith import COMPARISONS, LinearExpr
from nesy.errors import LimitError, NeuralError
from nesy.front.desugar_neural import TENSOR_OUTPUT
from nesy.front.program import Program
from nesy.ground.ground_program import Constraint, NeuralRef, ParamRef, TensorRef
from nesy.limits import Limits, call_deep
from nesy.neural.answers import TARGET, answer_grounding
from nesy.neural.random_integers import (
    constraint_probability,
    dense_distribution,
    semiring_constraint,
    semiring_distribution,
)
from nesy.neural.tensor_ops import TENSOR_OP, apply_op
from nesy.query import (
    Grounding,
    MappedLeaves,
    QueryPlan,
    choice_probability,
    compile_query,
)
from nesy.semiring import get_semiring
from nesy.terms import (
    Term,
    Var,
    format_term,
    is_ground,
    list_items,
    make_list,
    recursion_limit,
    substitute,
)


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


def slot(name: str, *path: int) -> Term:
    """`tensor(X)` for a tensor input, `tensor(X, i)` (`tensor(X, i, j)`, ...) for an item of
    a (nested) list input."""
    return Term("tensor", (Term(name), *path))


@dataclass
class _Answer:
    """One answer of a query shape: its output values and its root in the circuit."""

    values: tuple  # per output variable: a constant or a LinearExpr
    root: object  # a literal, TRUE or FALSE


@dataclass
class _Shape:
    """Everything symbolic about one query shape, computed once: its answers and the plan
    (`nesy.query.compile_query`) that evaluates them on a batch's choice probabilities."""

    answers: list[_Answer]
    plan: QueryPlan
    symbolic: bool
    domains: dict = field(default_factory=dict)  # symbolic group -> domain values
    dtype: torch.dtype = torch.float32
    net_plan: list | None = None  # per network: input slots and where each output goes
    # per list of choices the plan reads: where each one's probability is among the network
    # outputs (`_choice_columns`)
    choice_columns: dict = field(default_factory=dict)
    unchecked_nets: set = field(default_factory=set)  # networks whose outputs await a check
    # per (net id, input): (which network call, its row in that call's output)
    output_rows: dict = field(default_factory=dict)
    # per tuple of symbolic groups: (network call, row index tensor) to stack their outputs in
    # one index_select (`_GroupOutputs.stack`), or (None, None) where they span calls
    stack_index: dict = field(default_factory=dict)
    mode: str = "plain"  # "target", "free" or "plain": see `Module._shape`
    match: bool = False  # one root: OR over answers of (answer holds AND its values match)

    @property
    def simplified(self):
        return self.plan.simplified

    def __post_init__(self):
        ground = self.simplified.ground
        wanted: dict = {}
        for choice in ground.choices.values():
            if isinstance(choice.prob, NeuralRef):
                wanted[(choice.prob.net_id, choice.prob.input)] = None
        for group in self.domains:
            wanted[(group[1], group[2])] = None
        self.wanted_inputs = list(wanted)
        # probabilities given as tensor terms (DeepProbLog's tensor builtins)
        self.tensor_probs = list(dict.fromkeys(c.prob.term for c in ground.choices.values()
                                               if isinstance(c.prob, TensorRef)))
        # many random variables multiply to tiny probabilities: keep float64 there
        if len(self.wanted_inputs) > 12:
            self.dtype = torch.float64
        # several answers whose values are random integers; answers hold their values
        self.symbolic_answers = any(isinstance(v, LinearExpr) for a in self.answers
                                    for v in a.values)


class Module(nn.Module):
    """A logic program with neural predicates; `forward` gives answer distributions."""

    def __init__(self, program: Program | str, networks: dict[str, nn.Module], query: str,
                 semantics: str = "exact", *, k: int = 3, limits: Limits | None = None,
                 symbolic_integers: bool = True, logits: bool | Iterable[str] = False,
                 embed: Callable[[Term], torch.Tensor] | None = None,
                 allow_python: bool = False):
        """`logits`: True, or the names of the networks that return unnormalised scores; the
        Module applies the softmax (a categorical predicate) or the sigmoid (a single
        probability) itself. Every other network must return probabilities.

        `embed`: the tensor a network receives for a constant input (`swap(3, 4, Z)`), given
        the constant as a term; by default a number n becomes `tensor([n])` and any other
        constant is an error. `allow_python`: let the program load Python modules
        (`:- use_module('lib.py')`)."""
        super().__init__()
        self.program = parse_program(program, allow_python=allow_python) \
            if isinstance(program, str) else program
        self.embed = embed
        self.networks = nn.ModuleDict(networks)
        self.logits = frozenset(networks) if logits is True else frozenset(logits or ())
        unknown_logits = sorted(self.logits - set(networks))
        if unknown_logits:
            raise NeuralError(f"logits names {', '.join(unknown_logits)}, which no network is "
                              f"bound to (networks: {', '.join(sorted(networks))})")
        self.semiring = get_semiring(semantics, k)
        self.limits = limits or Limits()
        self.symbolic_integers = symbolic_integers
        self.query_term = _parse_query(query)
        _check_query_is_not_a_tensor(self.program, self.query_term)
        _check_no_evidence(self.program)
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
            mapping[var] = _bind_value(var.name, value, (), tensors)
            for tensor in tensors.values():
                batch = tensor.shape[0]
        unknown = set(inputs) - {v.name for v in self.output_vars}
        if unknown:
            raise NeuralError(f"inputs {sorted(unknown)} do not appear in the query "
                              f"{format_term(self.query_term)}")
        if batch is None:
            batch = 1  # a query whose networks read constants only
        return substitute(self.query_term, mapping), tensors, batch

    def _prepare(self, inputs: dict, target_names: tuple = (), integer_targets: bool = True):
        """(shape, tensors by slot, batch, target slots) for a call; the symbolic part is cached
        by the inputs' structure, so a repeated call costs a dictionary lookup."""
        structure = (tuple((name, _structure(v)) for name, v in inputs.items()), target_names,
                     integer_targets)
        entry = self._calls.get(structure)
        if entry is None:
            # grounding and compiling recurse as deeply as the program: on a large-stack worker,
            # as the CLI runs them, so a deep program ends in a LimitError, never a crash
            entry = call_deep(self._prepare_structure, inputs, structure, target_names,
                              integer_targets, limits=self.limits)
        else:
            self.stats.hits += 1
        shape, target_slots, slots = entry
        tensors = {}
        for name, terms in slots:
            tensors.update(zip(terms, _leaves(inputs[name]), strict=True))
        batch = next(iter(tensors.values())).shape[0] if tensors else 1
        return shape, tensors, batch, target_slots

    def _prepare_structure(self, inputs: dict, structure, target_names: tuple,
                           integer_targets: bool = True):
        """The slow path of `_prepare`: bind, ground and compile one input structure."""
        query, tensors, _ = self._bind_inputs(inputs)
        names = [v.name for v in _vars_in(query)]
        missing = [n for n in names if n not in target_names]
        if target_names and missing:
            raise NeuralError(f"no target for the output variable(s) {', '.join(missing)}")
        unknown = [n for n in target_names if n not in names]
        if unknown:
            raise NeuralError(f"targets {unknown} are not output variables of the query")
        target_vars = [v for v in _vars_in(query) if v.name in target_names]
        shape = self._shape(query, target_vars, integer_targets)
        slots = []
        for name, v in inputs.items():
            named: dict = {}
            _bind_value(name, v, (), named)
            slots.append((name, list(named)))  # in the order `_leaves` gives the tensors
        entry = self._calls[structure] = (shape, target_vars, slots)
        return entry

    def _shape(self, query: Term, target_vars: list, integer_targets: bool = True) -> _Shape:
        """The cached shape of a query; the first of these ways to evaluate it that is exact:

        - "target": each target is one unknown integer per example, a random integer that only
          arithmetic may read (a probability for any target from one circuit);
        - "free": the outputs unbound, answers whose values are sums of random integers;
        - "plain": every network output enumerated, as in the possible-worlds semantics.

        The symbolic ways give up (NotLinear) on whatever they cannot answer exactly: a
        random integer unified with a constant, used twice, or as a fact's argument.
        """
        key = (query, tuple(v.name for v in target_vars), self.semiring, integer_targets)
        shape = self._shapes.get(key)
        if shape is not None:
            return shape
        self.stats.misses += 1
        start = time.perf_counter()
        # symbolic ways first; the plan tries them only where its semiring's integers may stay
        # symbolic (exact probabilities)
        modes = []
        if self.symbolic_integers:
            modes = ["target", "free"] if target_vars and integer_targets else ["free"]
        groundings = [Grounding(answer_grounding(target_vars, mode), symbolic=True)
                      for mode in modes] + [Grounding(answer_grounding(target_vars, "plain"))]
        build = compile_query
        if self.semiring.solver:  # a solver back end's plan (nesy.solvers, an optional extra)
            from nesy.solvers import solver_plan as build
        plan = build(self.program, query, self.semiring, self.limits,
                     groundings=groundings).batched()
        shape = self._shape_of(plan)
        self.stats.compile_time_s += time.perf_counter() - start
        self.stats.shapes += 1
        self.stats.symbolic_shapes += shape.symbolic
        self._shapes[key] = shape
        return shape

    def _shape_of(self, plan: QueryPlan) -> _Shape:
        mode, grouped, domains, match, uses_symbolic = plan.extra
        answers = [_Answer(values, lit) for (_, lit), values
                   in zip(plan.simplified.queries, grouped, strict=not match)]
        return _Shape(answers, plan, uses_symbolic, domains, mode=mode, match=match)

    # ------------------------------------------------------------------ numbers
    def _network_outputs(self, shape: _Shape, tensors: dict, batch: int,
                         lazy: bool = False) -> dict:
        """Each (net id, input) pair's output [B, D], one forward pass per network; `lazy`:
        each one read off its call's output when first asked for (a view per input costs an
        autograd node each: hundreds for an N-digit sum that stacks them in one op)."""
        if shape.net_plan is None:
            by_net: dict[str, list] = {}
            for net_id, item in shape.wanted_inputs:
                by_net.setdefault(self.program.neural[net_id].net, []).append((net_id, item))
            shape.net_plan = []
            for net, items in by_net.items():
                # one call per number of arguments: each argument position is stacked
                by_arity: dict[int, list] = {}
                for key in items:
                    by_arity.setdefault(len(_input_args(key[1])), []).append(key)
                for keys in by_arity.values():
                    distinct = list(dict.fromkeys(item for _, item in keys))
                    # the call's own slot terms: a dict lookup by the same object skips __eq__
                    own = {term: term for term in tensors}
                    args = [[own.get(a, a) for a in _input_args(item)] for item in distinct]
                    rows = [(key, distinct.index(key[1])) for key in keys]
                    shape.output_rows.update((key, (len(shape.net_plan), row))
                                             for key, row in rows)
                    # every argument one of the query's input tensors: stacked as they are
                    direct = all(a in tensors for call in args for a in call)
                    shape.net_plan.append((net, args, rows, direct))
            shape.unchecked_nets = {net for net, _, _, _ in shape.net_plan}
        outputs = _Outputs()
        outputs.rows = shape.output_rows  # read only where `lazy` leaves a key unread
        computed: dict = {}  # tensor-valued networks' outputs in this call
        for net, args, keys, direct in shape.net_plan:
            if direct:
                columns = [[tensors[a] for a in call] for call in args]
            else:
                columns = [_spread([self._input_tensor(a, tensors, batch, computed)
                                    for a in call]) for call in args]
            stacked = [torch.cat(position, dim=0) if len(position) > 1 else position[0]
                       for position in zip(*columns, strict=True)]
            slots = args
            result = self.networks[net](*stacked)
            if not isinstance(result, torch.Tensor):
                raise NeuralError(f"network '{net}' returned {type(result).__name__}, not a "
                                  "tensor of probabilities")
            if net in shape.unchecked_nets:  # checked once per shape
                specs = {self.program.neural[net_id] for (net_id, _), _ in keys}
                _check_size(net, specs, result, len(slots) * batch)
            if result.dim() == 1:
                result = result.unsqueeze(1)
            if net in self.logits:
                result = torch.softmax(result, -1) if result.shape[-1] > 1 \
                    else torch.sigmoid(result)
            if net in shape.unchecked_nets:
                _check_probabilities(net, specs, result)
                shape.unchecked_nets.discard(net)
            whole = result.reshape(len(slots), batch, -1)
            outputs.calls.append(whole)
            if lazy:
                continue
            chunks = whole.unbind(0)
            for key, row in keys:
                outputs[key] = chunks[row]
        for term in shape.tensor_probs:
            outputs[(TENSOR_OP, term)] = self._tensor_probability(term, tensors, batch, computed)
        return outputs

    def _tensor_probability(self, term, tensors: dict, batch: int, computed: dict):
        """[B]: a probability given as a tensor term, one value in [0, 1] per example."""
        value = self._input_tensor(term, tensors, batch, computed)
        if not isinstance(value, torch.Tensor) or value.dim() == 0 or \
                value.shape[0] != batch or value[0].numel() != 1:
            got = list(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise NeuralError(f"the probability {format_term(term)} is {got}, not one value per "
                              f"example ([{batch}])")
        value = value.reshape(batch)
        low, high = float(value.detach().min()), float(value.detach().max())
        if not (0.0 <= low and high <= 1.0):
            raise NeuralError(f"the probability {format_term(term)} takes values in "
                              f"[{low:.4g}, {high:.4g}], not in [0, 1]")
        return value

    def _input_tensor(self, term, tensors: dict, batch: int, computed: dict) -> torch.Tensor:
        """The [B, ...] tensor a network receives for one input argument: a query's input, the
        output of a tensor-valued network, or a constant's embedding repeated B times."""
        if isinstance(term, Term) and term in tensors:
            return tensors[term]
        if isinstance(term, Term) and term.functor == "tensor" and len(term.args) == 1 and \
                isinstance(term.args[0], Term) and term.args[0].functor == TENSOR_OUTPUT:
            value = computed.get(term)
            if value is None:
                net_term, inputs = term.args[0].args
                net = net_term.functor
                args = [self._input_tensor(a, tensors, batch, computed)
                        for a in _input_args(inputs)]
                value = self.networks[net](*_spread(args))
                if isinstance(value, list):
                    value = tuple(value)
                parts = value if isinstance(value, tuple) else (value,)
                if not parts or not all(isinstance(v, torch.Tensor) and v.dim() > 0
                                        and v.shape[0] == batch for v in parts):
                    got = [list(v.shape) if isinstance(v, torch.Tensor) else type(v).__name__
                           for v in parts]
                    raise NeuralError(f"network '{net}' returned {got[0] if len(got) == 1 else got}"
                                      f" for {batch} inputs; a tensor-valued network returns one "
                                      f"row per input, [{batch}, ...], or a tuple of such tensors")
                computed[term] = value
            return value
        if isinstance(term, Term) and term.functor == "tensor" and len(term.args) == 1 and \
                isinstance(term.args[0], Term) and term.args[0].functor == TENSOR_OP:
            value = computed.get(term)
            if value is None:
                op, args = term.args[0].args
                if op == Term("embed"):
                    value = self._input_tensor(list_items(args)[0], tensors, batch, computed)
                else:
                    values = [self._op_argument(a, tensors, batch, computed)
                              for a in list_items(args)]
                    like = next(iter(tensors.values()), None)
                    value = apply_op(op.functor, values, batch, like)
                computed[term] = value
            return value
        if not is_ground(term) or _mentions_slot(term):
            raise NeuralError(f"the input {format_term(term)} of a neural predicate is neither "
                              "one of the query's input tensors nor a constant",
                              hint="bind it to an input of the query, or to a constant")
        value = computed.get(("$embed", term))
        if value is None:
            value = self._embed_constant(term, tensors)
            computed[("$embed", term)] = value
        return value.unsqueeze(0).expand(batch, *value.shape)

    def _op_argument(self, term, tensors: dict, batch: int, computed: dict):
        """A tensor builtin's argument: a [B, ...] tensor, a number, or a list of these."""
        items = list_items(term)
        if items is not None:
            return [self._op_argument(t, tensors, batch, computed) for t in items]
        if isinstance(term, (int, float)) and not isinstance(term, bool):
            return term
        if isinstance(term, Term) and term.functor == "tensor":
            return self._input_tensor(term, tensors, batch, computed)
        raise NeuralError(f"a tensor builtin received {format_term(term)}, which is neither a "
                          "tensor, a number nor a list of them",
                          hint="embed a constant first: embed(Constant, Tensor)")

    def _embed_constant(self, term, tensors: dict) -> torch.Tensor:
        device = next(iter(tensors.values())).device if tensors else torch.device("cpu")
        if self.embed is not None:
            value = self.embed(term)
            if not isinstance(value, torch.Tensor):
                raise NeuralError(f"embed returned {type(value).__name__} for "
                                  f"{format_term(term)}, not a tensor")
            return value.to(device)
        if isinstance(term, (int, float)) and not isinstance(term, bool):
            return torch.tensor([float(term)], device=device)
        raise NeuralError(f"a network receives the constant {format_term(term)}, which has no "
                          "tensor", hint="build the Module with embed=... (a function from a "
                          "term to a tensor, e.g. nesy.neural.OneHot(...)); numbers become "
                          "tensor([n]) by default")

    def _leaves(self, shape: _Shape, outputs: dict, like: torch.Tensor, targets=None,
                matches: list | None = None) -> _NetworkLeaves:
        return _NetworkLeaves(self, shape, outputs, like, targets or {}, matches)

    def _choice_probabilities(self, shape: _Shape, outputs: dict, like: torch.Tensor, targets,
                              matches: list | None = None) -> dict:
        """{choice node: its probability [B]} for every choice of the shape."""
        leaves = self._leaves(shape, outputs, like, targets, matches)
        return {node: leaves.probability(node) for node in shape.simplified.ground.choices}

    def _choice_columns(self, leaves: _NetworkLeaves, nodes: list[int]) -> torch.Tensor:
        """[B, N]: the probabilities of the N choices `nodes` (the same list every time a plan
        asks), in one slice per network input rather than one per choice (and its backward)."""
        shape, outputs, like = leaves.shape, leaves.outputs, leaves.like
        ground = shape.simplified.ground
        key = tuple(nodes)
        layout = shape.choice_columns.get(key)
        if layout is None:
            by_input: dict = {}
            others = []
            for i, node in enumerate(nodes):
                prob = ground.choices[node].prob
                if isinstance(prob, NeuralRef):
                    by_input.setdefault((prob.net_id, prob.input), []).append(
                        (i, max(prob.index, 0)))
                else:
                    others.append(i)
            order = [i for items in by_input.values() for i, _ in items] + others
            inverse = torch.argsort(torch.tensor(order, dtype=torch.long))
            whole = {key: len(self.program.neural[key[0]].domain or (0,)) for key in by_input}
            layout = shape.choice_columns[key] = (
                [(key, None if [c for _, c in items] == list(range(whole[key]))
                  else torch.tensor([c for _, c in items])) for key, items in by_input.items()],
                [nodes[i] for i in others],
                None if order == sorted(order) else inverse)
        sliced, other_nodes, inverse = layout
        parts = [(outputs[key] if columns is None  # every column, in order
                  else outputs[key].index_select(1, columns.to(like.device))).to(like.dtype)
                 for key, columns in sliced]
        parts += [leaves.probability(n).unsqueeze(1) for n in other_nodes]
        if not parts:
            return like.unsqueeze(1)[:, :0]
        joined = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]
        return joined if inverse is None else joined.index_select(1, inverse.to(like.device))

    def _constraint(self, shape: _Shape, prob: Constraint, outputs: dict, like: torch.Tensor,
                    targets: dict, log: bool = False) -> torch.Tensor:
        """P (or log P) of a constraint over random integers, from the networks' outputs; the
        targets' terms move to the right-hand side: `expr + c*T op v` is `expr op v - c*t`."""
        expr, target_terms = _split_targets(prob.expr)
        value = prob.value
        if target_terms:
            value = _shifted(value, target_terms, targets, like.shape[0], like.device)
        if not expr.terms:  # a test of the targets alone
            held = _holds(prob.op, expr.const, value, like)
            return held.log() if log else held
        # the networks' outputs as they are: the evaluation converts them to like's dtype once
        group_probs = _GroupOutputs(shape, outputs, expr)
        if not self.semiring.exact_integers:  # max-product, max-min: each sum's best way
            group_probs = {g: p.to(like.dtype) for g, p in group_probs.items()}
            held = semiring_constraint(self.semiring, prob.op, expr, value, shape.domains,
                                       group_probs, like, self.limits)
            return held.clamp_min(torch.finfo(held.dtype).tiny).log() if log else held
        return constraint_probability(prob.op, expr, value, shape.domains, group_probs,
                                      like, self.limits, log=log)

    def _distribution(self, expr: LinearExpr, shape: _Shape, group_probs: dict, like):
        """(values, [B, S]) of a sum of random integers under the Module's semiring."""
        if not self.semiring.exact_integers:
            return semiring_distribution(self.semiring, expr, shape.domains, group_probs, like,
                                         self.limits)
        return dense_distribution(expr, shape.domains, group_probs, like, self.limits)

    def _plain_values(self, shape: _Shape, outputs: dict, like: torch.Tensor) -> torch.Tensor:
        """[B, n_answers]: the answers' values, every choice's probability read from the
        network outputs (no targets, no wanted values)."""
        return shape.plan.evaluate(self._leaves(shape, outputs, like))

    def _matched(self, shape: _Shape, outputs: dict, like: torch.Tensor,
                 matches: list[torch.Tensor]) -> torch.Tensor:
        """[B, W]: P(some answer holds with the wanted values), `matches[i]` [B, W] being
        P(answer i's random integers take the w-th wanted values)."""
        width = matches[0].shape[1]
        if not shape.match:  # one answer: its condition and its values are independent
            return self.semiring.mul(self._plain_values(shape, outputs, like)[:, :1],
                                     matches[0])
        batch = like.shape[0]
        wide = like.repeat_interleave(width)
        wide_outputs = {k: v.repeat_interleave(width, 0) for k, v in outputs.items()}
        leaves = self._leaves(shape, wide_outputs, wide, {}, [m.reshape(-1) for m in matches])
        return shape.plan.evaluate(leaves)[:, 0].reshape(batch, width)

    # ------------------------------------------------------------------ public
    def forward(self, inputs: dict) -> Distribution:
        """The distribution over the query's answers, per example: [B, n_answers]."""
        shape, tensors, batch, _ = self._prepare(inputs)
        outputs = self._network_outputs(shape, tensors, batch)
        like = torch.zeros(batch, dtype=_dtype(shape, outputs), device=_device(outputs))
        if not shape.symbolic_answers:
            values = self._plain_values(shape, outputs, like)
            return Distribution([_plain(a.values) for a in shape.answers],
                                self.semiring.to_output(values))
        candidates, matches = self._candidate_matches(shape, outputs, like)
        values = self._matched(shape, outputs, like, matches)
        return Distribution([_plain(c) for c in candidates], self.semiring.to_output(values))

    def _candidate_matches(self, shape: _Shape, outputs: dict, like: torch.Tensor):
        """Every value tuple some answer can take, and per answer [B, V]: P(its values are
        the v-th tuple)."""
        per_answer = []  # per answer, per output: (values, [B, S] or None)
        for answer in shape.answers:
            columns = []
            for v in answer.values:
                if isinstance(v, LinearExpr):
                    group_probs = {g: outputs[(g[1], g[2])].to(like.dtype) for g in v.groups()}
                    support, dist = self._distribution(v, shape, group_probs, like)
                    columns.append((support, dist))
                else:
                    columns.append(([v], None))
            per_answer.append(columns)
        seen: dict = {}
        for columns in per_answer:
            count = 1
            for support, _ in columns:
                count *= len(support)
            if len(seen) + count > self.limits.max_distribution_size:
                raise LimitError(f"the answers of {format_term(self.query_term)} take more "
                                 "values than the distribution may hold",
                                 "max_distribution_size", self.limits.max_distribution_size)
            for combination in itertools.product(*(support for support, _ in columns)):
                seen.setdefault(combination, None)
        candidates = list(seen)
        try:
            candidates.sort()
        except TypeError:
            pass
        matches = []
        for columns in per_answer:
            weight = torch.ones(like.shape[0], len(candidates), dtype=like.dtype,
                                device=like.device)
            for j, (support, dist) in enumerate(columns):
                wanted = [c[j] for c in candidates]
                if dist is None:
                    hit = torch.tensor([_same(w, support[0]) for w in wanted], dtype=like.dtype,
                                       device=like.device)
                    weight = self.semiring.mul(weight, hit)
                else:
                    low = support[0]
                    index = torch.tensor([w - low if _is_int(w) and 0 <= w - low < len(support)
                                          else len(support) for w in wanted],
                                         device=like.device)
                    padded = torch.cat([dist, torch.zeros_like(dist[:, :1])], dim=1)
                    weight = self.semiring.mul(weight, padded[:, index])
            matches.append(weight)
        return candidates, matches

    def _target_matches(self, shape: _Shape, outputs: dict, like: torch.Tensor,
                        targets: list) -> list[torch.Tensor]:
        """Per answer [B, 1]: P(its values equal the targets), from constraints on its sums."""
        batch = like.shape[0]
        matches = []
        for answer in shape.answers:
            weight = torch.ones(batch, dtype=like.dtype, device=like.device)
            for v, target in zip(answer.values, targets, strict=True):
                if isinstance(v, LinearExpr):
                    weight = self.semiring.mul(weight, self._constraint(
                        shape, Constraint("=:=", v, target), outputs, like, {}))
                else:
                    values = target.tolist() if isinstance(target, torch.Tensor) else target
                    weight = self.semiring.mul(weight, torch.tensor(
                        [_same(v, t) for t in values], dtype=like.dtype, device=like.device))
            matches.append(weight.unsqueeze(1))
        return matches

    def log_probability(self, inputs: dict, targets: dict, floor: float | None = None
                        ) -> torch.Tensor:
        """log P(query with its outputs bound to `targets`), per example: [B]. Exact where the
        probability itself underflows (sums of hundreds of digits); -inf where it is 0.

        `floor`: a training loss's lower bound on the probability, applied before the log so
        that an answer valued exactly 0 (Łukasiewicz's bounded t-norm saturates) has a finite
        loss and a zero gradient rather than a NaN one."""
        prepared = self._prepare(inputs, tuple(sorted(targets)), _integer_targets(targets))
        shape, tensors, batch, target_vars = prepared
        roots = shape.plan.choice_roots
        if not (shape.mode == "target" and roots is not None and len(roots) == 1) or \
                not isinstance(shape.simplified.ground.choices[roots[0]].prob, Constraint):
            value = self._probability(prepared, targets)
            return (value if floor is None else value.clamp_min(floor)).log()
        target_values = _target_values(target_vars, targets, batch)
        outputs = self._network_outputs(shape, tensors, batch, lazy=True)
        like = torch.zeros(batch, dtype=_dtype(shape, outputs), device=_device(outputs))
        prob = shape.simplified.ground.choices[roots[0]].prob
        log_value = self._constraint(shape, prob, outputs, like, target_values, log=True)
        return log_value if floor is None else log_value.clamp_min(math.log(floor))

    def probability(self, inputs: dict, targets: dict) -> torch.Tensor:
        """P(query with its output variables bound to `targets`), per example: [B].

        Targets are int64 tensors [B], or lists of Python ints (for numbers beyond 64 bits),
        of atoms or terms as strings (`["win", "loss"]`) or of `Term`s.
        """
        return self._probability(self._prepare(inputs, tuple(sorted(targets)),
                                               _integer_targets(targets)), targets)

    def _probability(self, prepared: tuple, targets: dict) -> torch.Tensor:
        shape, tensors, batch, target_vars = prepared
        target_values = _target_values(target_vars, targets, batch)
        outputs = self._network_outputs(shape, tensors, batch)
        like = torch.zeros(batch, dtype=_dtype(shape, outputs), device=_device(outputs))
        if shape.mode == "target":
            leaves = self._leaves(shape, outputs, like, target_values)
            roots = shape.plan.choice_roots
            if roots is not None and len(roots) == 1:  # the answer is one choice (a constraint)
                return self.semiring.to_output(
                    self.semiring.from_probability(leaves.probability(roots[0])))
            values = shape.plan.evaluate(leaves)
            return self.semiring.to_output(values.sum(1) if values.shape[1] else
                                           torch.zeros_like(like))
        columns = [target_values[(TARGET, v.name)] for v in target_vars]
        if shape.symbolic_answers:
            matches = self._target_matches(shape, outputs, like, columns)
            return self.semiring.to_output(self._matched(shape, outputs, like, matches)[:, 0])
        answers = [_plain(a.values) for a in shape.answers]
        if self.semiring.selects_proofs:  # top-k: only each example's own answer is ranked
            values = shape.plan.evaluate(self._leaves(shape, outputs, like),
                                         _answer_indices(answers, columns, batch))
            return self.semiring.to_output(values[:, 0])
        values = self._plain_values(shape, outputs, like)
        return Distribution(answers, self.semiring.to_output(values)).gather(columns)

    def predict(self, inputs: dict) -> list:
        """The most probable answer per example (for answer spaces too large to enumerate: the
        answer of the most probable assignment of the networks' outputs); None for a query
        without answers."""
        try:
            dist = self.forward(inputs)
            if not dist.answers:
                return [None] * dist.probs.shape[0]
            best = dist.probs.argmax(1).tolist()
            return [dist.answers[i] for i in best]
        except LimitError:
            return self._predict_mpe(inputs)

    @torch.no_grad()
    def _predict_mpe(self, inputs: dict) -> list:
        shape, tensors, batch, _ = self._prepare(inputs)
        outputs = self._network_outputs(shape, tensors, batch)
        if len(shape.answers) == 1 or not shape.symbolic_answers:
            return [_plain(_read(shape, shape.answers[0], outputs, b)[0]) for b in range(batch)]
        # several answers: per example, the best one of the most probable reading
        like = torch.zeros(batch, dtype=_dtype(shape, outputs), device=_device(outputs))
        probs = self._choice_probabilities(shape, outputs, like, {},
                                           [torch.ones_like(like)] * len(shape.answers))
        query = self.query_term
        result = []
        for b in range(batch):
            best = self._best_reading(shape, query, outputs, probs, b)
            result.append(_plain(best[1]) if best else None)
        return result

    def explain(self, inputs: dict, index: int = 0) -> str:
        """What each network read for example `index`, and the most probable proof.

        Uses the Module's own (cached) shape: with symbolic integers, the proof is the one of
        the most probable reading of the networks, never an enumeration of digit worlds.
        """
        single = {k: ([t[index:index + 1] for t in v] if isinstance(v, (list, tuple))
                      else v[index:index + 1]) for k, v in inputs.items()}
        lines = []
        with torch.no_grad(), recursion_limit(20 * self.limits.max_depth + 1000):
            query, _, _ = self._bind_inputs(single)
            shape, tensors, _, _ = self._prepare(single)
            outputs = self._network_outputs(shape, tensors, 1)
            for (net_id, item), out in sorted(outputs.items(), key=_reading_order):
                spec = self.program.neural[net_id]
                domain = spec.domain or (True,)
                best = int(out[0].argmax())
                lines.append(f"{spec.net}({format_term(item)}) = {format_term(domain[best])}  "
                             f"(p={float(out[0, best]):.4f})")
            like = torch.zeros(1, dtype=_dtype(shape, outputs), device=_device(outputs))
            if shape.symbolic_answers:
                lines.append("the answer of these readings, its probability and its proof:")
                proof = self._explain_symbolic(shape, query, outputs, like)
            else:
                proof = self._explain_answers(shape, query, outputs, like)
        return "\n".join(lines + [proof.to_text()])

    def _explain_answers(self, shape: _Shape, query: Term, outputs: dict, like):
        from nesy.proofs import Proof, best_proof

        if not shape.answers:  # nothing derives the query: probability 0, no proof
            return Proof(format_term(query), 0.0, self.semiring.name, None)
        probs = self._choice_probabilities(shape, outputs, like, {})
        values = shape.plan.evaluate(MappedLeaves(probs, like))[0]
        best_answer = int(values.argmax())
        answer = shape.answers[best_answer]
        floats = {n: float(p[0]) for n, p in probs.items()}
        atom = substitute(query, dict(zip(_vars_in(query), answer.values, strict=False)))
        return best_proof(shape.simplified, answer.root, floats, atom,
                          float(values[best_answer]), self.semiring.name)

    def _explain_symbolic(self, shape: _Shape, query: Term, outputs: dict, like):
        """The answer of the most probable reading of the networks whose random integers
        feed the answers, with its probability and proof: the proof of the answer's condition
        plus the networks' readings as facts."""
        from nesy.proofs import Proof, ProofNode

        probs = self._choice_probabilities(shape, outputs, like, {},
                                           [torch.ones_like(like)] * len(shape.answers))
        best = self._best_reading(shape, query, outputs, probs, 0)
        atom_values = best[1] if best else ()
        atom = substitute(query, dict(zip(_vars_in(query), atom_values, strict=False)))
        if best is None:
            return Proof(format_term(atom), 0.0, self.semiring.name, None)
        targets = {(TARGET, v.name): [x] for v, x in zip(_vars_in(query), atom_values,
                                                          strict=False)}
        probability = float(self._probability_of(shape, outputs, like, targets, query))
        children = ([] if best[3] is None or best[3].kind == "true"
                    else best[3].children if best[3].label == format_term(query) else [best[3]])
        root = ProofNode(format_term(atom), best[0], "rule", children + best[2])
        return Proof(format_term(atom), probability, self.semiring.name, root)

    def _best_reading(self, shape: _Shape, query: Term, outputs: dict, probs: dict, b: int):
        """(weight, values, reading facts, proof of the condition) of the answer whose best
        proof with the networks' most probable reading weighs most, for example `b`."""
        from nesy.proofs import best_proof

        floats = {n: float(p[b]) for n, p in probs.items()}
        best = None
        for answer in shape.answers:
            values, facts, weight = _read(shape, answer, outputs, b, self.program)
            condition = best_proof(shape.simplified, answer.root, floats, query, 0.0,
                                   self.semiring.name)
            if condition.root is None:
                continue
            total = weight * condition.root.weight
            if best is None or total > best[0]:
                best = (total, values, facts, condition.root)
        return best

    def _probability_of(self, shape: _Shape, outputs: dict, like, targets: dict, query: Term):
        columns = [targets[(TARGET, v.name)] for v in _vars_in(query)]
        matches = self._target_matches(shape, outputs, like, columns)
        return self._matched(shape, outputs, like, matches)[0, 0]


class _Outputs(dict):
    """(net id, input) -> that input's network output [B, D], and each network call's whole
    output [inputs, B, D] (`calls`), from which many inputs' outputs stack in one op."""

    def __init__(self):
        super().__init__()
        self.calls: list[torch.Tensor] = []
        self.rows: dict = {}  # (net id, input) -> (call, row), for keys read lazily

    def __missing__(self, key) -> torch.Tensor:
        call, row = self.rows[key]
        value = self[key] = self.calls[call][row]
        return value


class _GroupOutputs(Mapping):
    """Symbolic group -> its network output [B, D], as `nesy.neural.random_integers` reads
    the distributions of random integers; `stack(groups)` gives [B, n, D] by one index_select
    of the network call's output where all come from one call (one autograd node, not one
    view per input)."""

    def __init__(self, shape: _Shape, outputs: dict, expr: LinearExpr):
        self.shape = shape
        self.outputs = outputs
        self.expr = expr  # its groups are the keys

    def __getitem__(self, group) -> torch.Tensor:
        return self.outputs[(group[1], group[2])]

    def __iter__(self):
        return (group for _, group in self.expr.terms)

    def __len__(self) -> int:
        return len(self.expr.terms)

    def stack(self, groups: tuple) -> torch.Tensor:
        cached = self.shape.stack_index.get(groups)
        if cached is None:
            rows = [self.shape.output_rows.get((g[1], g[2])) for g in groups]
            calls = {r[0] for r in rows if r is not None}
            cached = (calls.pop(), torch.tensor([r[1] for r in rows])) \
                if None not in rows and len(calls) == 1 else (None, None)
            self.shape.stack_index[groups] = cached
        call, index = cached
        whole = getattr(self.outputs, "calls", None)
        if call is None or not whole:
            return torch.stack([self[g] for g in groups], dim=1)
        return whole[call].index_select(0, index.to(whole[call].device)).transpose(0, 1)


class _NetworkLeaves:
    """A batch's choice probabilities, read from its network outputs, parameters, targets and
    wanted values: the leaf values a shape's plan evaluates (`nesy.query.LeafValues`), and the
    source `nesy.query.choice_probability` dispatches to for each kind of choice."""

    def __init__(self, module: Module, shape: _Shape, outputs: dict, like: torch.Tensor,
                 targets: dict, matches: list | None):
        self.module = module
        self.shape = shape
        self.outputs = outputs
        self.like = like
        self.targets = targets
        self.matches = matches

    def columns(self, nodes: list[int]) -> torch.Tensor:
        return self.module._choice_columns(self, nodes)

    def probability(self, node: int) -> torch.Tensor:
        """[B]: one choice's probability per example."""
        return choice_probability(self.shape.simplified.ground.choices[node].prob, self)

    def fixed(self, p: float) -> torch.Tensor:
        return torch.full_like(self.like, p)

    def param(self, ref: ParamRef) -> torch.Tensor:
        return torch.sigmoid(self.module.params[f"t{ref.key[0]}_{ref.key[1]}"]).to(
            self.like.dtype).expand_as(self.like)

    def neural(self, ref: NeuralRef) -> torch.Tensor:
        return self.outputs[(ref.net_id, ref.input)][:, max(ref.index, 0)].to(self.like.dtype)

    def tensor(self, ref: TensorRef) -> torch.Tensor:
        return self.outputs[(TENSOR_OP, ref.term)].to(self.like.dtype)

    def constraint(self, ref: Constraint) -> torch.Tensor:
        return self.module._constraint(self.shape, ref, self.outputs, self.like, self.targets)

    def other(self, prob) -> torch.Tensor:  # a Match: the answer's values are the wanted ones
        return self.matches[prob.index].to(self.like.dtype)


@dataclass
class Distribution:
    """Per example, a distribution over `answers` (one tuple of output values each)."""

    answers: list
    probs: torch.Tensor

    def index(self, answer) -> int:
        return self.answers.index(answer)

    def gather(self, targets: list) -> torch.Tensor:
        batch = self.probs.shape[0]
        index = _answer_indices(self.answers, targets, batch)
        padded = torch.cat([self.probs, self.probs.new_zeros(batch, 1)], dim=1)
        idx = torch.tensor([i if i >= 0 else self.probs.shape[1] for i in index],
                           device=self.probs.device)
        return padded.gather(1, idx.unsqueeze(1)).squeeze(1)


def _answer_indices(answers: list, targets: list, batch: int) -> list[int]:
    """Per example, the index in `answers` of its targets' values (-1 for none)."""
    lookup = {a: i for i, a in enumerate(answers)}
    columns = [t.tolist() if isinstance(t, torch.Tensor) else list(t) for t in targets]
    return [lookup.get(_plain(tuple(col[b] for col in columns)), -1) for b in range(batch)]


def _plain(values: tuple):
    return values[0] if len(values) == 1 else values


def _device(outputs: dict) -> torch.device:
    for o in itertools.chain(outputs.values(), getattr(outputs, "calls", ())):
        return o.device
    return torch.device("cpu")


def _dtype(shape: _Shape, outputs: dict) -> torch.dtype:
    """float64 where the shape needs it or the networks compute in it, else float32."""
    if shape.dtype == torch.float64 or any(
            o.dtype == torch.float64
            for o in itertools.chain(outputs.values(), getattr(outputs, "calls", ()))):
        return torch.float64
    return shape.dtype


def _input_args(item) -> list:
    """The arguments a network is called with: the items of its input list `[X, Y]`."""
    items = list_items(item)
    return [item] if items is None else items


def _spread(args: list) -> list:
    """A network's arguments: one tensor-valued network's tuple of tensors, given as the whole
    input list (`nn(rel, E, R, [...]) :: r(E, R)` with E an encoder's pair), is its items."""
    if len(args) == 1 and isinstance(args[0], tuple):
        return list(args[0])
    return args


def _mentions_slot(term) -> bool:
    if isinstance(term, Term):
        if term.functor == "tensor":
            return True
        return any(_mentions_slot(a) for a in term.args)
    return False


def _bind_value(name: str, value, path: tuple, tensors: dict):
    """The term standing for one input: a slot `tensor(X, i, j)` per tensor, lists (nested as
    the value is) of them for lists; each slot's tensor is added to `tensors`."""
    if isinstance(value, torch.Tensor):
        term = slot(name, *path)
        tensors[term] = value
        return term
    if isinstance(value, (list, tuple)):
        return make_list([_bind_value(name, v, (*path, i), tensors)
                          for i, v in enumerate(value)])
    raise NeuralError(f"input {name} must be a tensor or a (nested) list of tensors, got "
                      f"{type(value).__name__}")


def _structure(value):
    """What the query shape depends on: the nesting of lists, not the tensors."""
    if isinstance(value, (list, tuple)):
        return tuple(_structure(v) for v in value)
    return -1


def _leaves(value) -> list:
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _leaves(v)]
    return [value]


def _read(shape: _Shape, answer: _Answer, outputs: dict, b: int, program=None):
    """An answer's values under the most probable reading of its random integers in example
    `b`: (values, the readings as proof facts when `program` is given, their probability)."""
    from nesy.proofs import ProofNode

    values, facts, weight = [], [], 1.0
    for v in answer.values:
        if not isinstance(v, LinearExpr):
            values.append(v)
            continue
        total = v.const
        for coef, group in v.terms:
            out = outputs[(group[1], group[2])]
            index = int(out[b].argmax())
            value = shape.domains[group][index]
            p = float(out[b, index])
            total += coef * value
            weight *= p
            if program is not None:
                net = program.neural[group[1]].net
                facts.append(ProofNode(f"{p:.6g}::{net}({format_term(group[2])}) = "
                                       f"{format_term(value)}", p, "fact"))
        values.append(total)
    return tuple(values), facts, weight


def _reading_order(entry) -> tuple:
    """Networks' readings in input order: tensor('X',2) before tensor('X',10)."""
    (net_id, item), _ = entry
    text = format_term(item)
    return (net_id, [(0, int(part), "") if part.isdigit() else (1, 0, part)
                     for part in re.split(r"(\d+)", text)])


def _check_no_evidence(program) -> None:
    """The Module answers unconditional probabilities: evidence in the program is refused, not
    silently ignored (DeepProbLog ignores it; ProbLog and `nesy.query` condition on it)."""
    for signature in (("evidence", 1), ("evidence", 2)):
        for rule in program.rules.get(signature, ()):
            raise NeuralError("nesy.Module does not condition on evidence written in the "
                              "program; its answers would ignore it", rule.span,
                              hint="remove the evidence, or ask nesy.query, which conditions "
                                   "on it")


def _check_query_is_not_a_tensor(program: Program, query: Term) -> None:
    """`nn(net, [X], Y) :: p(X, Y).` gives Y a network's tensor, not a value with a
    probability: asking for p(X, Y) is an error; another network may read Y."""
    if not isinstance(query, Term):
        return
    for rule in program.rules.get((query.functor, len(query.args)), []):
        goal = rule.body
        while isinstance(goal, Term) and goal.functor == "," and len(goal.args) == 2:
            goal = goal.args[1]
        if not (isinstance(goal, Term) and goal.functor == "=" and len(goal.args) == 2
                and isinstance(goal.args[1], Term) and goal.args[1].functor == "tensor"
                and goal.args[1].args and isinstance(goal.args[1].args[0], Term)
                and goal.args[1].args[0].functor == TENSOR_OUTPUT):
            continue
        output = goal.args[0]
        for position, arg in enumerate(rule.head.args):
            if arg is output and isinstance(query.args[position], Var):
                net = goal.args[1].args[0].args[0].functor
                raise NeuralError(
                    f"the query {format_term(query)} answers with the tensor that network "
                    f"'{net}' returns: {format_term(rule.head)} has an output "
                    f"{query.args[position].name} but no domain of values", rule.span,
                    hint=f"query a predicate whose network reads that tensor, or list the "
                         f"values it ranges over: nn({net}, [...], Y, [v1, v2, ...])")


def _domain_text(spec) -> str:
    if spec.domain is None:
        return f"{format_term(spec.head)} (one probability)"
    values = ", ".join(format_term(v) for v in spec.domain)
    return f"{format_term(spec.head)} with domain [{values}] ({len(spec.domain)} values)"


def _check_size(net: str, specs: set, result: torch.Tensor, rows: int) -> None:
    """The output must be [rows, D] for a domain of D values ([rows] or [rows, 1] for one
    probability)."""
    for spec in specs:
        width = len(spec.domain) if spec.domain is not None else 1
        ok = (result.dim() == 2 and tuple(result.shape) == (rows, width)) or \
            (width == 1 and result.dim() == 1 and result.shape[0] == rows)
        if not ok:
            raise NeuralError(
                f"network '{net}' returned shape {list(result.shape)} for {rows} inputs; "
                f"{_domain_text(spec)} needs [{rows}, {width}]", spec.span,
                hint="the network must return one row of probabilities per input, one column "
                     "per value of the domain")


def _check_probabilities(net: str, specs: set, result: torch.Tensor) -> None:
    """Finite values in [0, 1]; rows summing to 1 for a categorical predicate."""
    spec = next(iter(specs))
    hint = ("return probabilities (end the network with a softmax or a sigmoid), or build the "
            f"Module with logits={{'{net}'}} to have them applied")
    with torch.no_grad():
        values = result.detach()
        if not bool(torch.isfinite(values).all()):
            raise NeuralError(f"network '{net}' returned NaN or infinite values for "
                              f"{_domain_text(spec)}", spec.span, hint=hint)
        low, high = float(values.min()), float(values.max())
        if low < 0.0 or high > 1.0:
            raise NeuralError(f"network '{net}' returned values in [{low:.4g}, {high:.4g}], not "
                              f"probabilities in [0, 1], for {_domain_text(spec)}", spec.span,
                              hint=hint)
        if spec.domain is not None and len(spec.domain) > 1:
            sums = values.sum(-1)
            tolerance = 1e-3 if values.dtype in (torch.float16, torch.bfloat16) else 1e-4
            worst = float((sums - 1.0).abs().max())
            if worst > tolerance:
                row = int((sums - 1.0).abs().argmax())
                raise NeuralError(f"network '{net}' returned a row summing to "
                                  f"{float(sums[row]):.6g}, not 1, for the categorical "
                                  f"{_domain_text(spec)}", spec.span, hint=hint)


def _target_values(target_vars: list, targets: dict, batch: int) -> dict:
    """Each target as a [B] int64 tensor or a list of ints, keyed by its group; a target that
    is not an integer is an error, never truncated."""
    values = {}
    for var in target_vars:
        values[(TARGET, var.name)] = _integer_target(var.name, targets[var.name], batch)
    return values


def _integer_target(name: str, target, batch: int):
    if isinstance(target, torch.Tensor):
        if target.dim() != 1 or target.shape[0] != batch:
            raise NeuralError(f"target {name} must have shape [{batch}] (one per example), "
                              f"got {list(target.shape)}")
        if target.dtype == torch.bool or target.is_floating_point() or target.is_complex():
            bad = ~torch.isfinite(target) | (target != target.round()) \
                if target.is_floating_point() else torch.ones_like(target, dtype=torch.bool)
            if bool(bad.any()):
                i = int(bad.nonzero()[0, 0])
                raise NeuralError(f"target {name} of example {i} is {target[i].item()}, not an "
                                  "integer", hint="targets are int64 tensors or lists of ints")
            return target.to(torch.long)
        return target.to(torch.long)
    items = list(target) if isinstance(target, (list, tuple)) else None
    if items is None:
        raise NeuralError(f"target {name} must be an int64 tensor or a list of ints")
    if len(items) != batch:
        raise NeuralError(f"target {name} has {len(items)} values for {batch} examples")
    out = []
    for i, t in enumerate(items):
        if isinstance(t, bool) or not (isinstance(t, int) or (isinstance(t, float)
                                                                and t.is_integer())):
            if isinstance(t, Term):
                out.append(t)
                continue
            if isinstance(t, str):  # an atom or any term in program syntax: 'win', 'f(a)'
                out.append(_parse_term(t))
                continue
            raise NeuralError(f"target {name} of example {i} is {t!r}, not an integer",
                              hint="targets are int64 tensors or lists of ints")
        out.append(int(t))
    return out


@functools.lru_cache(maxsize=4096)
def _split_targets(expr: LinearExpr) -> tuple[LinearExpr, tuple]:
    """(the expression without its targets' terms, those terms): once per expression, not
    once per batch (building a LinearExpr sorts its terms)."""
    target_terms = tuple((c, g) for c, g in expr.terms if g[0] == TARGET)
    if not target_terms:
        return expr, ()
    return LinearExpr(tuple((c, g) for c, g in expr.terms if g[0] != TARGET), expr.const), \
        target_terms


def _shifted(value: int, target_terms: list, targets: dict, batch: int, device):
    """`value - sum(c * t)` per example: a [B] int64 tensor, or a list of ints when a target
    is one (numbers beyond 64 bits)."""
    columns = [(c, targets[g]) for c, g in target_terms]
    if all(isinstance(t, torch.Tensor) for _, t in columns) and \
            all(abs(c) < (1 << 20) for c, _ in columns):
        total = None  # in as few ops as the terms allow: `Z is X + Y` shifts by the target
        for c, t in columns:
            t = t if t.device == device else t.to(device)
            term = t if c == -1 else -c * t
            total = term if total is None else total + term
        return total + value if value else total
    result = [value] * batch
    for c, t in columns:
        items = t.tolist() if isinstance(t, torch.Tensor) else t
        result = [r - c * x for r, x in zip(result, items, strict=True)]
    return result


def _holds(op: str, left: int, right, like: torch.Tensor) -> torch.Tensor:
    """[B] 1.0 where `left op right` holds (right per example), else 0.0."""
    items = right.tolist() if isinstance(right, torch.Tensor) else \
        ([right] * like.shape[0] if isinstance(right, int) else right)
    return torch.tensor([float(COMPARISONS[op](left, r)) for r in items], dtype=like.dtype,
                        device=like.device)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _same(a, b) -> bool:
    """Answer values compare as terms: 1 and 1.0 differ, as in unification."""
    return type(a) is type(b) and a == b


def _parse_term(text: str):
    term = _parse_query(f"nesy_target__({text})")
    return term.args[0]


def _integer_targets(targets: dict) -> bool:
    """Whether every target is an integer (a tensor or ints), so a target may stay symbolic."""
    for target in targets.values():
        if isinstance(target, torch.Tensor):
            continue
        if not all(isinstance(t, int) and not isinstance(t, bool) for t in target):
            return False
    return True


def _parse_query(query: str) -> Term:
    program = parse_program(f"nesy_query__ :- {query}.", "<query>")
    body = program.rules[("nesy_query__", 0)][0].body
    return body


def parse_program(text: str, name: str = "<string>", *, allow_python: bool = False) -> Program:
    """`nesy.parse` without the package root (a stage imports only earlier stages): the text's
    AST desugared to the Program IR, on the large-stack worker."""
    from nesy.front import ast2program
    from nesy.syntax.parser import parse as parse_ast

    return call_deep(lambda: ast2program(parse_ast(text, name), allow_python))


def _vars_in(term) -> list[Var]:
    from nesy.terms import term_vars

    return term_vars(term)


__all__ = ["Module", "Distribution", "CacheStats"]
