"""Checks and desugarings from the AST to the Program IR (`ast2program`).

May import: the kernel (`terms`, `arith`, `reserved`, `errors`, `limits`), `extern` and
`syntax`; never `ground` or a later stage (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from nesy.errors import CheckError, NesyError, raise_all
from nesy.front.check_directives import check_directive
from nesy.front.check_queries import check_query_fact
from nesy.front.desugar_head_aggregates import desugar_head_aggregates
from nesy.front.desugar_negative_heads import desugar_negative_heads
from nesy.front.desugar_neural import desugar_neural_clause
from nesy.front.desugar_probabilistic import desugar_prob_clause
from nesy.front.desugar_templates import expand_templates
from nesy.front.fail_unknown import fail_unknown
from nesy.front.library_scope import add_scope_library
from nesy.front.load_consulted import load_consulted
from nesy.front.load_python import load_python
from nesy.front.program import NeuralSpec, Program, Rule
from nesy.front.rename_library_overrides import overridable, rename_library_overrides
from nesy.reserved import BUILTIN_SIGNATURES, CONTROL
from nesy.syntax.ast import Clause, Directive, NeuralClause, ProbClause, ProgramAST

__all__ = ["Program", "Rule", "NeuralSpec", "ast2program"]


def _check_head(head, span, errors: list[NesyError]) -> bool:
    if overridable(head.signature, BUILTIN_SIGNATURES):
        return True  # the program's own member/2, ...: renamed below
    if (head.signature in BUILTIN_SIGNATURES or head.functor in CONTROL
            or head.functor.startswith("$")):
        errors.append(CheckError(
            f"cannot redefine the built-in predicate {head.functor}/{head.arity}", span))
        return False
    return True


def ast2program(ast: ProgramAST, allow_python: bool = False) -> Program:
    """Desugar every item, collecting all the errors found before raising them. Python modules
    the program loads run only with `allow_python`."""
    program = Program(ast.source)
    errors: list[NesyError] = []
    python: list | None = [] if allow_python else None
    items = desugar_negative_heads(desugar_head_aggregates(expand_templates(
        load_consulted(ast, errors, python), errors), errors))
    for path, directive in python or ():
        program.externals.update(load_python(path, directive.span, errors))
    for clause_id, item in enumerate(items):
        if isinstance(item, Directive):
            check_directive(item, program, errors)
        elif isinstance(item, Clause):
            check_query_fact(item, errors)
            if _check_head(item.head, item.span, errors):
                program.add_rule(Rule(item.head, item.body, item.span))
        elif isinstance(item, ProbClause):
            if all(_check_head(h, item.span, errors) for _, h in item.heads):
                desugar_prob_clause(item, clause_id, program, errors)
        elif isinstance(item, NeuralClause):
            if _check_head(item.head, item.span, errors):
                desugar_neural_clause(item, clause_id, program, errors)
    if "scope" in program.libraries:
        add_scope_library(program, BUILTIN_SIGNATURES)
    rename_library_overrides(program, BUILTIN_SIGNATURES)
    if program.unknown == "fail":
        fail_unknown(program,
                     BUILTIN_SIGNATURES | {(name, 0) for name in ("true", "fail", "false")})
    raise_all(errors)
    return program
