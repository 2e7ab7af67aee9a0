"""Directives: the standard libraries we implement are accepted; anything else is an error."""

from __future__ import annotations

from nesy.errors import CheckError, NesyError
from nesy.front.program import Program
from nesy.syntax.ast import Directive
from nesy.terms import Str, Term, format_term

# ProbLog libraries whose predicates nesy provides as builtins.
KNOWN_LIBRARIES = {"lists", "apply", "between", "aggregate", "scope", "collect", "string", "cut",
                   "yall", "assert", "db"}
# Directive goals that change the clauses (library(assert)) or load facts (library(db)): the
# grounder runs them, in order and for all their solutions, before any query (as ProbLog does).
DATABASE_GOALS = {("assertz", 1), ("retract", 1), ("retractall", 1), ("csv_load", 2),
                  ("sqlite_load", 1)}


def check_directive(item: Directive, program: Program, errors: list[NesyError]) -> None:
    goal = item.goal
    goals = []
    while isinstance(goal, Term) and goal.functor == "," and len(goal.args) == 2:
        goals.append(goal.args[0])
        goal = goal.args[1]
    goals.append(goal)
    if any(isinstance(g, Term) and g.signature in DATABASE_GOALS for g in goals):
        program.initialization.append(item.goal)
        return
    for goal in goals:
        if isinstance(goal, Term) and goal.functor == "unknown" and len(goal.args) == 1:
            mode = goal.args[0]
            if mode in (Term("fail"), Term("error")):
                program.unknown = mode.functor
                continue
            errors.append(CheckError(f"unknown({format_term(mode)}): the mode is fail or error",
                                     item.span))
            continue
        if isinstance(goal, Term) and goal.functor == "use_module" and len(goal.args) in (1, 2):
            module = goal.args[0]
            if isinstance(module, Term) and module.functor == "library" and len(module.args) == 1:
                name = module.args[0]
                name = name.functor if isinstance(name, Term) else str(name)
                if name in KNOWN_LIBRARIES:
                    program.libraries.add(name)
                    continue
                errors.append(CheckError(
                    f"unknown library '{name}': nesy provides {', '.join(sorted(KNOWN_LIBRARIES))}",
                    item.span))
                continue
            shown = module.value if isinstance(module, Str) else format_term(module)
            errors.append(CheckError(
                f"use_module({shown}): loading Python or Prolog modules from files is not supported",
                item.span))
            continue
        errors.append(CheckError(f"unsupported directive ':- {format_term(goal)}'", item.span))
