"""Neural clauses `nn(net, Inputs, Y, Domain) :: h :- body` → rules with a `'$neural'` goal."""

from __future__ import annotations

from nesy.errors import CheckError, NesyError
from nesy.front.desugar_probabilistic import conjoin
from nesy.front.program import NEURAL, NeuralSpec, Program, Rule
from nesy.syntax.ast import NeuralClause
from nesy.terms import Term, Var, is_ground, make_list, term_vars

TENSOR_OUTPUT = "$nn"  # tensor('$nn'(Net, Inputs)): a tensor-valued network's output


def desugar_neural_clause(item: NeuralClause, clause_id: int, program: Program,
                          errors: list[NesyError]) -> None:
    domain = None
    if item.domain is not None:
        if not all(is_ground(v) for v in item.domain):
            errors.append(CheckError("the domain of a neural predicate must be ground", item.span))
            return
        if len(set(item.domain)) != len(item.domain):
            errors.append(CheckError("the domain of a neural predicate repeats a value", item.span))
            return
        domain = tuple(item.domain)
    if item.output is not None and not isinstance(item.output, Var):
        errors.append(CheckError("the output of a neural predicate must be a variable", item.span))
        return
    head_vars = set(term_vars(item.head))
    listed = item.inputs if isinstance(item.inputs, Var) else make_list(item.inputs)
    missing = [v for v in term_vars(listed) if v not in head_vars]
    if missing:
        errors.append(CheckError(
            f"input variable {missing[0].name} of nn({item.net}, ...) does not occur in the head "
            f"{item.head}", item.span))
        return
    program.neural[clause_id] = NeuralSpec(clause_id, item.net, domain, item.head, item.span)
    inputs = item.inputs if isinstance(item.inputs, Var) else make_list(item.inputs)
    if item.output is not None and domain is None:
        # a tensor-valued network (DeepProbLog's `nn(rnn, [T], E) :: rnn(T, E).`): E is the
        # deterministic term tensor('$nn'(rnn, [T])), which the Module evaluates when another
        # network reads it
        value = Term("tensor", (Term(TENSOR_OUTPUT, (Term(item.net), inputs)),), item.span)
        goal = Term("=", (item.output, value), item.span)
        program.add_rule(Rule(item.head, conjoin(item.body, goal), item.span))
        return
    output = item.output if item.output is not None else Term("none")
    goal = Term(NEURAL, (clause_id, inputs, output, item.head), item.span)
    program.add_rule(Rule(item.head, conjoin(item.body, goal), item.span))
