"""Reserved predicate names: the control constructs and the builtin signatures.

Part of the kernel beside `terms.py`. The front end needs the *names* (a program may not
redefine a builtin; `unknown(fail)` must know which goals are defined) without loading the
grounder; the *implementations* live in `ground/builtins.py` (and the `ground/library_*.py`
files it registers), and tests/test_architecture.py keeps names and implementations in step.
"""

from __future__ import annotations

CONTROL: frozenset[str] = frozenset(
    {",", ";", "->", "\\+", "not", "$choice", "$neural", "true", "fail", "false"})
"""Functors the grounder interprets itself rather than looking them up as predicates."""

VARIADIC_ARITIES = range(1, 10)
"""The arities of `call/N`, `write/N`, `error/N`, ...: 1 to 9 arguments, as in ProbLog."""


def _signatures(names: str, *arities: int) -> frozenset[tuple[str, int]]:
    return frozenset((name, arity) for name in names.split() for arity in arities)


BUILTIN_SIGNATURES: frozenset[tuple[str, int]] = frozenset().union(
    # comparison, unification, standard order
    _signatures("< > =< >= =:= =\\= @< @> @=< @>= = \\= == \\==", 2),
    _signatures("compare", 3),
    # arithmetic
    _signatures("is succ", 2),
    _signatures("between plus", 3),
    # type checks
    _signatures("var nonvar ground integer float number atom atomic compound callable is_list"
                " string rational simple primitive dbreference", 1),
    # term inspection and construction
    _signatures("=.. copy_term varnumbers subsumes_term subsumes_chk", 2),
    _signatures("functor arg", 3),
    _signatures("numbervars", 2, 3),
    # lists
    _signatures("member memberchk reverse last length sum_list sumlist max_list min_list"
                " sort msort list_to_set", 2),
    _signatures("append select nth0 nth1", 3),
    _signatures("maplist", 2, 3, 4, 5),
    # atoms and strings
    _signatures("atom_number concat lst2str str2int str2lst", 2),
    _signatures("atom_concat join", 3),
    _signatures("sub_string", 5),
    # meta-calls, aggregation, the program's own clauses
    _signatures("call call_nc try_call", *VARIADIC_ARITIES),
    _signatures("once possible cmd_args", 1),
    _signatures("forall nocache", 2),
    _signatures("findall all all_or_none", 3),
    _signatures("subquery clause", 2, 3),
    _signatures("enum_groups", 3, 4),
    # output and debugging: they succeed without effect while grounding; error/N raises
    _signatures("write writenl writeln print display debugprint error", *VARIADIC_ARITIES),
    _signatures("nl trace notrace dbg_printdb print_state", 0),
    # library(assert) and library(db)
    _signatures("assertz retract retractall sqlite_load", 1),
    _signatures("csv_load", 2),
)
"""Every (name, arity) the grounder implements as a builtin."""

__all__ = ["BUILTIN_SIGNATURES", "CONTROL", "VARIADIC_ARITIES"]
