"""A program's own definition of a library predicate replaces the library's, as in ProbLog.

ProbLog defines member/2, append/3, ... in Prolog libraries, so a program may define them
itself; only its Python builtins (`is/2`, `between/3`, `length/2`, ...: `PROBLOG_BUILTINS`)
can't be redefined. nesy implements both kinds as builtins, which the grounder tries first, so
a program's own `member/2` is renamed `$user:member/2`, in its heads and in every call: goals
reached through control constructs and meta-predicates, closures of call/N, maplist/N,
include/3, exclude/3 and foldl/4-6, and query/evidence atoms. Answers print the original name.
"""

from __future__ import annotations

from collections.abc import Container

from nesy.front.program import GOAL_ARGS, USER, Program, Rule
from nesy.terms import Term

# ProbLog 2.3's builtins implemented in Python (engine_builtin.py): it refuses to redefine them.
PROBLOG_BUILTINS = frozenset({
    ("true", 0), ("fail", 0), ("false", 0), ("=", 2), ("\\=", 2), ("findall", 3), ("all", 3),
    ("all_or_none", 3), ("==", 2), ("\\==", 2), ("is", 2), (">", 2), ("<", 2), ("=<", 2),
    (">=", 2), ("=\\=", 2), ("=:=", 2), ("var", 1), ("atom", 1), ("atomic", 1), ("compound", 1),
    ("float", 1), ("rational", 1), ("integer", 1), ("nonvar", 1), ("number", 1), ("simple", 1),
    ("callable", 1), ("dbreference", 1), ("primitive", 1), ("ground", 1), ("is_list", 1),
    ("=..", 2), ("arg", 3), ("functor", 3), ("@>", 2), ("@<", 2), ("@>=", 2), ("@=<", 2),
    ("compare", 3), ("length", 2), ("sort", 2), ("between", 3), ("succ", 2), ("plus", 3),
    ("consult", 1), ("unknown", 1), ("use_module", 1), ("use_module", 2), ("module", 2),
    ("once", 1), ("call", 1), ("nl", 0), ("atom_number", 2), ("numbervars", 2),
    ("numbervars", 3), ("varnumbers", 2), ("subsumes_term", 2), ("subsumes_chk", 2),
    ("possible", 1), ("clause", 2), ("clause", 3), ("forall", 2),
})
# Output and call/N builtins of any arity.
PROBLOG_BUILTIN_NAMES = frozenset({"call", "write", "writenl", "writeln", "error", "debugprint"})
# Meta-predicates whose first argument is a closure: name -> extra arguments it is called with
# (None: the arity minus one, as call/N, maplist/N and foldl/4-6).
CLOSURES = {"call": None, "maplist": None, "include": 1, "exclude": 1, "foldl": None}
ROOTS = {("query", 1), ("evidence", 1), ("evidence", 2)}


def overridable(signature: tuple[str, int], builtins: Container) -> bool:
    """A builtin of nesy's that ProbLog defines in a Prolog library, so a program may redefine."""
    return (signature in builtins and signature not in PROBLOG_BUILTINS
            and signature[0] not in PROBLOG_BUILTIN_NAMES)


def rename_library_overrides(program: Program, builtins: Container) -> None:
    renamed = {sig for sig in program.rules if overridable(sig, builtins)}
    if not renamed:
        return

    def goal(t):
        if not isinstance(t, Term):
            return t
        signature = t.signature
        if signature in renamed:
            return Term(USER + t.functor, t.args, t.span)
        if signature in GOAL_ARGS:
            positions = GOAL_ARGS[signature]
            return Term(t.functor, tuple(goal(a) if i in positions else a
                                         for i, a in enumerate(t.args)), t.span)
        if t.functor in CLOSURES and len(t.args) >= 2:
            extra = CLOSURES[t.functor]
            extra = len(t.args) - 1 if extra is None else extra
            closure = t.args[0]
            if (isinstance(closure, Term)
                    and (closure.functor, len(closure.args) + extra) in renamed):
                closure = Term(USER + closure.functor, closure.args, closure.span)
                return Term(t.functor, (closure,) + t.args[1:], t.span)
        return t

    rules: dict = {}
    for signature, old in program.rules.items():
        new = []
        for rule in old:
            head = rule.head
            if signature in renamed:
                head = Term(USER + head.functor, head.args, head.span)
            elif signature in ROOTS:
                head = Term(head.functor, (goal(head.args[0]),) + head.args[1:], head.span)
            body = None if rule.body is None else goal(rule.body)
            new.append(Rule(head, body, rule.span))
        rules[head.signature if new else signature] = new
    program.rules = rules


def original_name(t):
    """`t` with every renamed functor back to the program's own name (for printing answers)."""
    if not isinstance(t, Term):
        return t
    functor = t.functor[len(USER):] if t.functor.startswith(USER) else t.functor
    if not t.args:
        return t if functor == t.functor else Term(functor, (), t.span)
    return Term(functor, tuple(original_name(a) for a in t.args), t.span)
