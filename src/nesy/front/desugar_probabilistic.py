"""Probabilistic clauses and annotated disjunctions → rules guarded by `'$choice'` goals."""

from __future__ import annotations

from nesy.arith import evaluate
from nesy.errors import CheckError, EvaluationError, NesyError
from nesy.front.program import CHOICE, ParamSpec, Program, Rule
from nesy.syntax.ast import ProbClause
from nesy.terms import Term, Var, is_ground, term_vars

PARAM = "$param"
TOLERANCE = 1e-9


def conjoin(body, goal: Term) -> Term:
    return goal if body is None else Term(",", (body, goal), goal.span)


def _constant_probability(term, span, errors: list[NesyError]) -> float | None:
    """The probability when it is known before grounding; None when it depends on variables."""
    if not is_ground(term):
        return None
    try:
        value = evaluate(term, span)
    except EvaluationError as exc:
        errors.append(CheckError(f"probability {term} is not a number: {exc.message}", span))
        return None
    if not 0.0 <= value <= 1.0:
        errors.append(CheckError(f"probability {value} is outside [0, 1]", span))
        return None
    return float(value)


def desugar_prob_clause(item: ProbClause, clause_id: int, program: Program,
                        errors: list[NesyError]) -> None:
    span = item.span
    variables = term_vars(Term("$all", tuple(h for _, h in item.heads) + (item.body or Term("true"),)
                               + tuple(p for p, _ in item.heads)))
    clause_vars = Term("$v", tuple(variables))
    total = 0.0
    for index, (prob, head) in enumerate(item.heads):
        prob_span = getattr(prob, "span", None) or span
        if isinstance(prob, Term) and prob.functor == "t" and len(prob.args) == 1:
            init = prob.args[0]
            initial = 0.5 if isinstance(init, Var) else _constant_probability(init, prob_span, errors)
            if initial is None:
                initial = 0.5
            program.params[(clause_id, index)] = ParamSpec((clause_id, index), initial, prob_span)
            prob_term = Term(PARAM, (clause_id, index))
            total += initial
        else:
            value = _constant_probability(prob, prob_span, errors)
            total += value or 0.0
            prob_term = prob
        choice = Term(CHOICE, (clause_id, index, clause_vars, prob_term, head), span)
        program.add_rule(Rule(head, conjoin(item.body, choice), span))
    if total > 1.0 + TOLERANCE:
        errors.append(CheckError(
            f"the probabilities of this annotated disjunction sum to {total:.6g}, over 1", span))
