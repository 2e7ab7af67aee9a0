"""Which predicates' answers depend on how they are called, so tables must not share them.

Tabling keys a call by its variant, and for a pure program the derivations of a ground atom are
the same whichever call found it, so the grounder shares one node per atom across tables. A
non-logical builtin (`var/1`, `==/2`, `\\=/2`, negation or findall over a partly bound goal, ...)
observes the bindings of the moment: `slot(L) :- var(L), L = known.` derives `slot(known)` when
called as `slot(_)` but not as `slot(known)`. ProbLog evaluates such calls in SLD order, so an
answer of one call pattern is not an answer of another. A predicate is *pattern-sensitive* when
one of its clauses reaches such a builtin, directly or through the predicates it calls; its
answers get one node per (table, answer) instead of one per atom.

The predicates a pattern-sensitive one calls need the same care for their non-ground calls,
pure as they are: called as `p(unknown, B)`, ProbLog's answer `p(unknown, unknown)` holds only
through the clauses that bound `B`, while the ground atom also holds through a clause that left
`B` free (`p(A, _) :- p1, A = unknown.`). A shared node would lend the caller, which then tests
`B == unknown`, that second derivation too.
"""

from __future__ import annotations

from nesy.terms import Term, Var

# builtins whose outcome depends on what is bound when they run (not only on the final bindings)
OBSERVES_BINDINGS = frozenset({
    ("var", 1), ("nonvar", 1), ("ground", 1), ("atom", 1), ("atomic", 1), ("number", 1),
    ("integer", 1), ("float", 1), ("compound", 1), ("callable", 1), ("is_list", 1),
    ("string", 1), ("==", 2), ("\\==", 2), ("\\=", 2), ("@<", 2), ("@>", 2), ("@=<", 2),
    ("@>=", 2), ("compare", 3), ("copy_term", 2), ("\\+", 1), ("not", 1), ("->", 2),
    ("*->", 2), ("once", 1), ("forall", 2), ("findall", 3), ("findall", 4), ("all", 3),
    ("bagof", 3), ("setof", 3), ("aggregate_all", 3), ("aggregate_all", 4), ("msort", 2),
    ("sort", 2), ("list_to_set", 2), ("include", 3), ("exclude", 3),
    # side effects at the moment they run (library(assert), library(db))
    ("assertz", 1), ("retract", 1), ("retractall", 1), ("csv_load", 2), ("sqlite_load", 1),
})
# meta-predicates: (signature) -> positions of goal arguments and how many arguments a call adds
_GOAL_ARGS = {
    (",", 2): ((0, 0), (1, 0)), (";", 2): ((0, 0), (1, 0)), ("->", 2): ((0, 0), (1, 0)),
    ("*->", 2): ((0, 0), (1, 0)), ("\\+", 1): ((0, 0),), ("not", 1): ((0, 0),),
    ("once", 1): ((0, 0),), ("forall", 2): ((0, 0), (1, 0)), ("findall", 3): ((1, 0),),
    ("findall", 4): ((1, 0),), ("all", 3): ((1, 0),), ("bagof", 3): ((1, 0),),
    ("setof", 3): ((1, 0),), ("aggregate_all", 3): ((1, 0),), ("aggregate_all", 4): ((2, 0),),
    ("include", 3): ((0, 1),), ("exclude", 3): ((0, 1),), ("partition", 4): ((0, 1),),
    **{("call", n): ((0, n - 1),) for n in range(1, 9)},
    **{("maplist", n): ((0, n - 1),) for n in range(2, 8)},
    **{("foldl", n): ((0, n - 2),) for n in range(4, 8)},
}


def pattern_sensitive(rules: dict) -> frozenset[tuple[str, int]]:
    """The signatures of the predicates (rules by signature) whose answers depend on the call
    pattern."""
    callers: dict[tuple[str, int], set[tuple[str, int]]] = {}
    sensitive: set[tuple[str, int]] = set()
    for signature, clauses in rules.items():
        for rule in clauses:
            if rule.body is not None and _scan(rule.body, 0, rules, signature, callers):
                sensitive.add(signature)
    work = list(sensitive)
    while work:
        for caller in callers.get(work.pop(), ()):
            if caller not in sensitive:
                sensitive.add(caller)
                work.append(caller)
    return frozenset(sensitive)


def called_by_sensitive(rules: dict, sensitive: frozenset) -> frozenset[tuple[str, int]]:
    """The signatures a pattern-sensitive predicate calls, directly or not (itself included):
    their non-ground calls keep their answers to themselves too."""
    callers: dict[tuple[str, int], set[tuple[str, int]]] = {}
    for signature, clauses in rules.items():
        for rule in clauses:
            if rule.body is not None:
                _scan(rule.body, 0, rules, signature, callers)
    callees: dict[tuple[str, int], set[tuple[str, int]]] = {}
    for callee, by in callers.items():
        for caller in by:
            callees.setdefault(caller, set()).add(callee)
    reached = set(sensitive)
    work = list(sensitive)
    while work:
        for callee in callees.get(work.pop(), ()):
            if callee not in reached:
                reached.add(callee)
                work.append(callee)
    return frozenset(reached)


def _scan(goal, extra: int, rules: dict, caller, callers) -> bool:
    """Record the user predicates `goal` (called with `extra` more arguments) may call; True
    when it observes bindings or calls something unknown (a variable goal)."""
    if isinstance(goal, Var):
        return True
    if not isinstance(goal, Term):
        return False
    signature = (goal.functor, len(goal.args) + extra)
    if extra == 0 and signature in _GOAL_ARGS:
        found = signature in OBSERVES_BINDINGS
        for position, added in _GOAL_ARGS[signature]:
            found |= _scan(goal.args[position], added, rules, caller, callers)
        return found
    if extra == 0 and signature in OBSERVES_BINDINGS:
        return True
    if signature in rules:
        callers.setdefault(signature, set()).add(caller)
    return False
