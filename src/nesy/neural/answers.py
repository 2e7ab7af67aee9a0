"""A Module's query grounded into answers, one ground query per tuple of output values: the ways
`Module._shape` offers the plan (`nesy.query.compile_query`), symbolic ones first.

- "target": each target one unknown integer per example, a random integer only arithmetic
  reads (one circuit gives a probability for any target);
- "free": the outputs unbound, answers whose values are sums of random integers;
- "plain": every network output enumerated, as in the possible-worlds semantics.

The symbolic ways give up (NotLinear) on what they cannot answer exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nesy.arith import LinearExpr, NotLinear
from nesy.front.program import Program
from nesy.ground.engine import Grounder
from nesy.ground.ground_program import Constraint
from nesy.limits import Limits
from nesy.query import Grounded
from nesy.terms import Term, Var, substitute, term_vars

TARGET = "$target"  # the group of a target: one unknown integer per example


def target_expr(name: str) -> LinearExpr:
    return LinearExpr.variable((TARGET, name))


@dataclass(frozen=True)
class Match:
    """A choice standing for "answer `index`'s random integers take the wanted values"."""

    index: int


def answer_grounding(target_vars: list, mode: str) -> Callable:
    """A way to ground a Module's query (`mode`: "target", "free" or "plain"): each answer
    (a tuple of output values) a query of the ground program; with several answers whose values
    are random integers, one more root that some answer holds with the wanted values."""

    def run(program: Program, query: Term, limits: Limits) -> Grounded:
        symbolic = mode != "plain"
        goal = substitute(query, {v: target_expr(v.name) for v in target_vars}) \
            if mode == "target" else query
        grounder = (SymbolicGrounder if symbolic else Grounder)(program, limits,
                                                                 symbolic=symbolic,
                                                                 tensors=True)
        outputs = [v for v in term_vars(goal)]
        grouped: dict[tuple, list] = {}
        for answer, literals in grounder.answers(goal, Term("$o", tuple(outputs))):
            values = tuple(answer.args)
            grouped.setdefault(values, []).append(literals)
        ground = grounder.ground
        if symbolic and not symbolic_is_exact(ground, grounder.symbolic_groups, grouped):
            raise NotLinear()
        match = len(grouped) > 1 and any(isinstance(v, LinearExpr) for values in grouped
                                         for v in values)
        holds = []  # each answer's own condition (for explanations)
        wanted_nodes = []
        for i, (values, bodies) in enumerate(grouped.items()):
            name = Term("$answer", (Term("$o", values),))
            node = grounder.aux_node(name, bodies)
            holds.append((name, node))
            if match:
                # the answer holds and the random integers take the wanted values; each
                # answer's values are independent of every answer's conditions
                wanted = grounder.choice_node(("$match", i), 0, Match(i), None)
                wanted_nodes.append(wanted)
                node = grounder.aux_node(Term("$matched", (Term("$o", values),)),
                                         [(node, wanted)])
            ground.queries.append((name, node))
        if match:
            top = grounder.aux_node(Term("$matched_any"),
                                    [(n,) for _, n in ground.queries])
            ground.queries = holds + [(Term("$matched_any"), top)]
        domains = {g: list(program.neural[g[1]].domain) for g in grounder.symbolic_groups}
        # last in the variable order: the circuit then stays one state per set of answers
        # that hold, not one per set of wanted values
        return Grounded(ground, slice(-1, None) if match else slice(None),
                        frozenset(wanted_nodes),
                        (mode, list(grouped), domains, match,
                         symbolic and bool(grounder.symbolic_groups)))

    return run


class SymbolicGrounder(Grounder):
    """The grounder, where a random integer inside a term never compares as a constant.

    `Grounder.unify` compares two ground terms with `==`; a term holding a random integer
    (`small(X0)`) counts as ground, so it silently failed to unify with `small(0)` and the
    branch was lost. Here such terms are unified argument by argument, so that a random
    integer meeting a constant raises NotLinear and the Module takes an exact way instead.
    """

    def unify(self, a, b) -> bool:
        while isinstance(a, Var) and a.ref is not None:
            a = a.ref
        while isinstance(b, Var) and b.ref is not None:
            b = b.ref
        if isinstance(a, Term) and isinstance(b, Term) and a.ground and b.ground \
                and a is not b and (_mentions_linear(a) or _mentions_linear(b)):
            if a.functor != b.functor or len(a.args) != len(b.args):
                return False
            return all(self.unify(x, y) for x, y in zip(a.args, b.args, strict=True))
        return super().unify(a, b)


def symbolic_is_exact(ground, symbolic_groups, grouped) -> bool:
    """Symbolic integers are exact only if each one occurs in one constraint or answer value and
    nowhere else: not enumerated beside, not in a fact's or network's arguments (where one
    term would stand for many values)."""
    uses: dict = {}
    for choice in ground.choices.values():
        if isinstance(choice.prob, Constraint):
            for group in choice.prob.expr.groups():
                uses[group] = uses.get(group, 0) + 1
        elif choice.group in symbolic_groups or _mentions_linear(choice.group):
            return False
    for values in grouped:
        for v in values:
            if isinstance(v, LinearExpr):
                for group in v.groups():
                    uses[group] = uses.get(group, 0) + 1
            elif _mentions_linear(v):
                return False
    return all(count <= 1 for group, count in uses.items() if group[0] != TARGET)


def _mentions_linear(value) -> bool:
    if isinstance(value, LinearExpr):
        return True
    if isinstance(value, (tuple, list)):
        return any(_mentions_linear(v) for v in value)
    if isinstance(value, Term) and value.args:
        return any(_mentions_linear(v) for v in value.args)
    return False


