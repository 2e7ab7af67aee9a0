"""Built-in predicates: unification, arithmetic, type checks, lists, findall, call/N.

Each builtin is `fn(grounder, args, depth, span)` yielding one tuple of literals per solution
(empty for deterministic success), with bindings made on the grounder's trail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from nesy.arith import COMPARISONS, LinearExpr, NotLinear, evaluate
from nesy.errors import EvaluationError, LimitError
from nesy.front.program import CHOICE, NEURAL
from nesy.ground import library_assert, library_db
from nesy.ground.ground_program import Constraint
from nesy.reserved import VARIADIC_ARITIES
from nesy.terms import (
    CLAUSE_VAR,
    NIL,
    TRUE,
    Str,
    Term,
    Var,
    format_term,
    list_items,
    make_list,
    substitute,
    term_vars,
)

BUILTINS: dict[tuple[str, int], Callable] = {}


def builtin(name: str, arity: int):
    def register(fn):
        BUILTINS[(name, arity)] = fn
        return fn

    return register


def _deref(t):
    while isinstance(t, Var) and t.ref is not None:
        t = t.ref
    return t


def _succeed_if(g, ok: bool) -> Iterator[tuple]:
    if ok:
        yield ()


def _unify_gen(g, a, b) -> Iterator[tuple]:
    mark = len(g.trail)
    if g.unify(a, b):
        yield ()
    g.undo(mark)


def _concrete(g, *terms):
    """Resolved terms; a symbolic random integer here means the grounder must enumerate."""
    values = [g.resolve(t) for t in terms]
    for v in values:
        if _has_symbolic(v):
            raise NotLinear()
    return values


def _has_symbolic(t) -> bool:
    if isinstance(t, LinearExpr):
        return True
    if isinstance(t, Term):
        return any(_has_symbolic(a) for a in t.args)
    return False


def _proper_list(g, term, span, what: str) -> list:
    items = list_items(g.resolve(term))
    if items is None:
        raise EvaluationError(f"type error: {what} expects a list, got {format_term(g.resolve(term))}",
                              span)
    return items


# ------------------------------------------------------------------ unification and comparison
@builtin("=", 2)
def _eq(g, args, depth, span):
    return _unify_gen(g, args[0], args[1])


@builtin("\\=", 2)
def _neq(g, args, depth, span):
    mark = len(g.trail)
    ok = g.unify(args[0], args[1])
    g.undo(mark)
    return _succeed_if(g, not ok)


@builtin("==", 2)
def _identical(g, args, depth, span):
    a, b = _concrete(g, args[0], args[1])
    return _succeed_if(g, _identical_terms(a, b))


@builtin("\\==", 2)
def _not_identical(g, args, depth, span):
    a, b = _concrete(g, args[0], args[1])
    return _succeed_if(g, not _identical_terms(a, b))


def _identical_terms(a, b) -> bool:
    if isinstance(a, Var) or isinstance(b, Var):
        return a is b
    if isinstance(a, Term) and isinstance(b, Term):
        return (a.functor == b.functor and len(a.args) == len(b.args)
                and all(_identical_terms(x, y) for x, y in zip(a.args, b.args, strict=False)))
    return type(a) is type(b) and a == b


@builtin("is", 2)
def _is(g, args, depth, span):
    value = evaluate(args[1], span)
    target = _deref(args[0])
    if isinstance(value, LinearExpr) and not isinstance(target, Var):
        return _constraint(g, "=:=", value, target, span)
    if isinstance(target, LinearExpr):
        return _constraint(g, "=:=", target, value, span)
    return _unify_gen(g, target, value)


def _comparison(op):
    def compare(g, args, depth, span):
        a = evaluate(args[0], span)
        b = evaluate(args[1], span)
        if isinstance(a, LinearExpr) or isinstance(b, LinearExpr):
            expr = a.add(b, -1) if isinstance(a, LinearExpr) else b.scale(-1).add(a)
            return _constraint(g, op, expr, 0, span)
        return _succeed_if(g, COMPARISONS[op](a, b))

    return compare


for _op in COMPARISONS:
    BUILTINS[(_op, 2)] = _comparison(_op)


def _constraint(g, op, expr: LinearExpr, value, span) -> Iterator[tuple]:
    value = g.resolve(value)
    if isinstance(value, LinearExpr):
        expr, value = expr.add(value, -1), 0
    if not expr.terms:
        ok = COMPARISONS[op](expr.const, value) if not isinstance(value, Term) else None
        if ok is None:
            raise NotLinear()
        return _succeed_if(g, ok)
    if not (isinstance(value, int) or (isinstance(value, Term) and value.functor == "$slot")):
        raise NotLinear()
    group = ("constraint", op, expr, value)
    node = g.choice_node(group, 0, Constraint(op, expr, value), None)
    return iter([(node,)])


# ------------------------------------------------------------------ type checks
def _type_check(test):
    def check(g, args, depth, span):
        (value,) = _concrete(g, args[0])
        return _succeed_if(g, test(value))

    return check


def _is_atom(t):
    return isinstance(t, Term) and not t.args


BUILTINS[("var", 1)] = _type_check(lambda t: isinstance(t, Var))
BUILTINS[("nonvar", 1)] = _type_check(lambda t: not isinstance(t, Var))
BUILTINS[("ground", 1)] = _type_check(lambda t: _is_ground(t))
BUILTINS[("integer", 1)] = _type_check(lambda t: isinstance(t, int) and not isinstance(t, bool))
BUILTINS[("float", 1)] = _type_check(lambda t: isinstance(t, float))
BUILTINS[("number", 1)] = _type_check(lambda t: isinstance(t, (int, float)))
BUILTINS[("atom", 1)] = _type_check(_is_atom)
BUILTINS[("atomic", 1)] = _type_check(lambda t: not isinstance(t, Var) and (
    not isinstance(t, Term) or not t.args))
BUILTINS[("compound", 1)] = _type_check(lambda t: isinstance(t, Term) and bool(t.args))
BUILTINS[("callable", 1)] = _type_check(lambda t: isinstance(t, Term))
BUILTINS[("is_list", 1)] = _type_check(lambda t: _list_or_partial(t))
BUILTINS[("string", 1)] = _type_check(lambda t: isinstance(t, Str))


def _list_or_partial(t) -> bool:
    """ProbLog's is_list/1: `[]`, or list cells ending in `[]` or in an unbound variable
    (`is_list([a|_])` succeeds there, unlike in ISO Prolog)."""
    if t == NIL:
        return True
    if not (isinstance(t, Term) and t.functor == "." and len(t.args) == 2):
        return False
    while isinstance(t, Term) and t.functor == "." and len(t.args) == 2:
        t = t.args[1]
    return t == NIL or isinstance(t, Var)


def _is_ground(t) -> bool:
    if isinstance(t, Var):
        return False
    if isinstance(t, Term):
        return all(_is_ground(a) for a in t.args)
    return True


# ------------------------------------------------------------------ arithmetic generators
@builtin("between", 3)
def _between(g, args, depth, span):
    low = evaluate(args[0], span)
    high = evaluate(args[1], span)
    if not isinstance(low, int) or not isinstance(high, (int, float)):
        raise EvaluationError("type error: between/3 expects integer bounds", span)
    x = _deref(args[2])
    if not isinstance(x, Var):
        (x,) = _concrete(g, x)
        return _succeed_if(g, isinstance(x, int) and low <= x <= high)
    return _between_gen(g, x, low, high, span)


def _between_gen(g, x, low, high, span):
    value = low
    while value <= high:
        g.steps += 1
        if value - low >= g.limits.max_ground_atoms:
            raise LimitError(f"between({low}, {high}, _) enumerates too many values",
                             "max_ground_atoms", g.limits.max_ground_atoms, span)
        mark = len(g.trail)
        g.bind(x, value)
        yield ()
        g.undo(mark)
        value += 1


@builtin("succ", 2)
def _succ(g, args, depth, span):
    a, b = _concrete(g, args[0], args[1])
    if isinstance(a, int):
        return _unify_gen(g, b, a + 1)
    if isinstance(b, int) and b > 0:
        return _unify_gen(g, a, b - 1)
    raise EvaluationError("instantiation error in succ/2", span)


# ------------------------------------------------------------------ lists
@builtin("member", 2)
def _member(g, args, depth, span):
    element, lst = args
    while True:
        lst = _deref(lst)
        if isinstance(lst, Term) and lst.functor == "." and len(lst.args) == 2:
            mark = len(g.trail)
            if g.unify(element, lst.args[0]):
                yield ()
            g.undo(mark)
            lst = lst.args[1]
            continue
        if isinstance(lst, Var):
            raise EvaluationError("instantiation error: member/2 on a partial list", span)
        return


@builtin("memberchk", 2)
def _memberchk(g, args, depth, span):
    for _ in _member(g, args, depth, span):
        yield ()
        return


@builtin("append", 3)
def _append(g, args, depth, span):
    a, b, c = (_deref(x) for x in args)
    items = list_items(g.resolve(a))
    if items is not None:
        yield from _unify_gen(g, c, make_list(items, b))
        return
    whole = list_items(g.resolve(c))
    if whole is None:
        raise EvaluationError("instantiation error: append/3 needs its first or third argument "
                              "to be a list", span)
    for i in range(len(whole) + 1):
        mark = len(g.trail)
        if g.unify(a, make_list(whole[:i])) and g.unify(b, make_list(whole[i:])):
            yield ()
        g.undo(mark)


@builtin("length", 2)
def _length(g, args, depth, span):
    lst, n = args
    items = list_items(g.resolve(lst))
    if items is not None:
        return _unify_gen(g, n, len(items))
    n = _deref(n)
    if isinstance(n, int):
        if n < 0:
            return iter(())
        return _unify_gen(g, lst, make_list([Var() for _ in range(n)]))
    raise EvaluationError("instantiation error: length/2 of a partial list with unbound length",
                          span)


@builtin("select", 3)
def _select(g, args, depth, span):
    element, lst, rest = args
    items = _proper_list(g, lst, span, "select/3")
    for i, item in enumerate(items):
        mark = len(g.trail)
        if g.unify(element, item) and g.unify(rest, make_list(items[:i] + items[i + 1:])):
            yield ()
        g.undo(mark)


def _nth(base: int):
    def nth(g, args, depth, span):
        index, lst, element = args
        items = _proper_list(g, lst, span, f"nth{base}/3")
        index = _deref(index)
        if isinstance(index, int):
            i = index - base
            if 0 <= i < len(items):
                yield from _unify_gen(g, element, items[i])
            return
        for i, item in enumerate(items):
            mark = len(g.trail)
            if g.unify(index, i + base) and g.unify(element, item):
                yield ()
            g.undo(mark)

    return nth


BUILTINS[("nth0", 3)] = _nth(0)
BUILTINS[("nth1", 3)] = _nth(1)


@builtin("reverse", 2)
def _reverse(g, args, depth, span):
    items = _proper_list(g, args[0], span, "reverse/2")
    return _unify_gen(g, args[1], make_list(items[::-1]))


@builtin("last", 2)
def _last(g, args, depth, span):
    items = _proper_list(g, args[0], span, "last/2")
    return _unify_gen(g, args[1], items[-1]) if items else iter(())


def _fold(name, fn, empty_ok: bool):
    def fold(g, args, depth, span):
        items = [evaluate(x, span) for x in _proper_list(g, args[0], span, name)]
        if any(isinstance(x, LinearExpr) for x in items):
            raise NotLinear()
        if not items and not empty_ok:
            return iter(())
        return _unify_gen(g, args[1], fn(items))

    return fold


BUILTINS[("sum_list", 2)] = _fold("sum_list/2", sum, True)
BUILTINS[("sumlist", 2)] = _fold("sumlist/2", sum, True)
BUILTINS[("max_list", 2)] = _fold("max_list/2", max, False)
BUILTINS[("min_list", 2)] = _fold("min_list/2", min, False)


def _order_key(t):
    """Prolog's standard order of terms: Var < Number < Atom < String < Compound."""
    if isinstance(t, LinearExpr):  # a random integer has no one place in the order
        raise NotLinear()
    if isinstance(t, Var):
        return (0, t.id)
    if isinstance(t, (int, float)):
        return (1, t, 0 if isinstance(t, float) else 1)
    if isinstance(t, Term) and not t.args:
        return (3, t.functor)
    if isinstance(t, Str):
        return (4, t.value)
    if isinstance(t, Term):
        return (5, len(t.args), t.functor, tuple(_order_key(a) for a in t.args))
    return (6, repr(t))


@builtin("msort", 2)
def _msort(g, args, depth, span):
    items = _concrete(g, *_proper_list(g, args[0], span, "msort/2"))
    return _unify_gen(g, args[1], make_list(sorted(items, key=_order_key)))


@builtin("sort", 2)
def _sort(g, args, depth, span):
    items = _concrete(g, *_proper_list(g, args[0], span, "sort/2"))
    unique = {}
    for item in items:
        unique.setdefault(_order_key(item), item)
    return _unify_gen(g, args[1], make_list([unique[k] for k in sorted(unique)]))


@builtin("list_to_set", 2)
def _list_to_set(g, args, depth, span):
    items = _concrete(g, *_proper_list(g, args[0], span, "list_to_set/2"))
    unique: dict = {}
    for item in items:
        unique.setdefault((type(item), item), item)  # 1 and 1.0 both stay
    return _unify_gen(g, args[1], make_list(list(unique.values())))


# ------------------------------------------------------------------ meta-calls
def _add_args(g, goal, extra: tuple, span) -> Term:
    goal = g.resolve(goal)
    if isinstance(goal, Var):
        raise EvaluationError("instantiation error: call/N with an unbound goal", span)
    if not isinstance(goal, Term):
        raise EvaluationError(f"type error: {format_term(goal)} is not callable", span)
    if goal.functor == ">>" and len(goal.args) == 2:
        return _lambda_call(g, goal, extra, span)
    return Term(goal.functor, goal.args + tuple(extra), goal.span or span)


def _lambda_call(g, lam: Term, extra: tuple, span) -> Term:
    """yall's `Free/[X1, ...]>>Body` applied to arguments: a fresh copy of the lambda (its
    variables renamed, except those of Free) with X1... unified with the arguments, and the
    arguments beyond the parameters passed on to the body."""
    params, body = lam.args
    keep: dict = {}
    if isinstance(params, Term) and params.functor == "/" and len(params.args) == 2:
        free, params = params.args
        keep = {v: v for v in term_vars(free)}
    params, body = g.rename(Term("$lambda", (params, body)), keep).args
    names = list_items(params)
    if names is None:
        raise EvaluationError(f"type error: the parameters of a lambda must be a list, not "
                              f"{format_term(params)}", span)
    bound = extra[:len(names)]
    goal = body if len(extra) <= len(names) else _add_args(g, body, extra[len(names):], span)
    unify = Term("=", (make_list(names[:len(bound)]), make_list(list(bound))), span)
    return Term(",", (unify, goal), span)


def _call_n(g, args, depth, span):
    yield from g.solve(_add_args(g, args[0], args[1:], span), depth + 1)


for _n in VARIADIC_ARITIES:
    BUILTINS[("call", _n)] = _call_n


def _maplist(g, args, depth, span):
    goal, *lists = args
    resolved = [list_items(g.resolve(lst)) for lst in lists]
    known = [len(r) for r in resolved if r is not None]
    if not known:
        raise EvaluationError("instantiation error: maplist needs at least one proper list", span)
    n = known[0]
    columns = []
    for lst, items in zip(lists, resolved, strict=False):
        if items is None:
            items = [Var() for _ in range(n)]
            mark = len(g.trail)
            if not g.unify(lst, make_list(items)):
                g.undo(mark)
                return
        elif len(items) != n:
            return
        columns.append(items)
    conjunction = Term("true")
    for row in reversed(list(zip(*columns, strict=False))):
        conjunction = Term(",", (_add_args(g, goal, row, span), conjunction))
    yield from g.solve(conjunction, depth + 1)


for _n in range(2, 6):
    BUILTINS[("maplist", _n)] = _maplist


@builtin("findall", 3)
def _findall(g, args, depth, span):
    """One item per derivation in each possible world, in the order Prolog finds them."""
    template, goal, out = args
    _check_list_or_var(g, out, span, "findall/3")
    items = [(value, proof) for value, literals in g.solutions(goal, template, depth, span,
                                                               "findall/3")
             for proof in (g.proofs(literals, span) if literals else [()])]
    return _sublists(g, items, out, span, allow_empty=True)


def _all(allow_empty: bool):
    def collect(g, args, depth, span):
        """One item per distinct answer, present in the worlds where the answer holds."""
        template, goal, out = args
        _check_list_or_var(g, out, span, "all/3")
        bodies: dict = {}
        for value, literals in g.solutions(goal, template, depth, span, "all/3"):
            bodies.setdefault((type(value), value), (value, []))[1].append(literals)
        items = []
        for value, alternatives in bodies.values():
            if () in alternatives:
                items.append((value, ()))
            elif len(alternatives) == 1:
                items.append((value, alternatives[0]))
            else:
                name = Term("$or", tuple(Term("$and", body) for body in alternatives))
                items.append((value, (g.aux_node(name, alternatives),)))
        return _sublists(g, items, out, span, allow_empty)

    return collect


BUILTINS[("all", 3)] = _all(allow_empty=False)
BUILTINS[("all_or_none", 3)] = _all(allow_empty=True)


def _check_list_or_var(g, term, span, what: str) -> None:
    """The result of a collecting builtin must be a variable or a (partial) list."""
    term = _deref(term)
    while isinstance(term, Term) and term.functor == "." and len(term.args) == 2:
        term = _deref(term.args[1])
    if not (isinstance(term, Var) or term == NIL):
        raise EvaluationError(f"type error: the last argument of {what} must be a list or "
                              f"unbound, not {format_term(g.resolve(term))}", span)


def _sublists(g, items, out, span, allow_empty: bool) -> Iterator[tuple]:
    """The list of the items present in a world, for every world: each item with a non-empty
    proof may be present or not (as in ProbLog), a choice that contradicts the choices made so
    far is not followed, so exclusive items do not multiply."""
    uncertain = sum(1 for _, proof in items if proof)
    limit = g.limits.max_distribution_size
    lists: list[tuple] = []

    def extend(i: int, values: tuple, literals: frozenset) -> None:
        if i == len(items):
            if values or allow_empty:
                lists.append((values, literals))
                if len(lists) > limit:
                    raise LimitError(f"findall/all over {uncertain} uncertain answers has too "
                                     "many possible lists", "max_distribution_size", limit,
                                     span)
            return
        value, proof = items[i]
        if not proof:
            extend(i + 1, values + (value,), literals)
            return
        if not any(-lit in literals for lit in proof):
            extend(i + 1, values + (value,), literals.union(proof))
        if not literals.issuperset(proof):
            absent = -g.proof_literal(proof)
            if -absent not in literals:
                extend(i + 1, values, literals | {absent})

    extend(0, (), frozenset())
    for values, literals in lists:
        mark = len(g.trail)
        if g.unify(out, make_list(values)):
            yield tuple(literals)
        g.undo(mark)


@builtin("once", 1)
def _once(g, args, depth, span):
    mark = len(g.trail)
    for literals in g.solve(args[0], depth + 1):
        yield literals
        break
    g.undo(mark)


@builtin("forall", 2)
def _forall(g, args, depth, span):
    condition, action = args
    return g.solve(Term("\\+", (Term(",", (condition, Term("\\+", (action,)))),)), depth + 1)


@builtin("=..", 2)
def _univ(g, args, depth, span):
    term = _deref(args[0])
    if isinstance(term, Term):
        return _unify_gen(g, args[1], make_list([Term(term.functor), *term.args]))
    if not isinstance(term, Var):
        return _unify_gen(g, args[1], make_list([term]))
    items = _proper_list(g, args[1], span, "=../2")
    if not items:
        raise EvaluationError("domain error: =.. with an empty list", span)
    head = g.resolve(items[0])
    if len(items) == 1:
        return _unify_gen(g, term, head)
    if not (isinstance(head, Term) and not head.args):
        raise EvaluationError("type error: =.. needs an atom as the functor", span)
    return _unify_gen(g, term, Term(head.functor, tuple(items[1:])))


@builtin("functor", 3)
def _functor(g, args, depth, span):
    term = _deref(args[0])
    if isinstance(term, Term):
        return _unify_gen(g, Term("$f", (args[1], args[2])),
                          Term("$f", (Term(term.functor), len(term.args))))
    if not isinstance(term, Var):
        return _unify_gen(g, Term("$f", (args[1], args[2])), Term("$f", (term, 0)))
    name, arity = _concrete(g, args[1], args[2])
    if not isinstance(arity, int):
        raise EvaluationError("instantiation error in functor/3", span)
    if arity == 0:
        return _unify_gen(g, term, name)
    return _unify_gen(g, term, Term(name.functor, tuple(Var() for _ in range(arity))))


@builtin("arg", 3)
def _arg(g, args, depth, span):
    n, term = _concrete(g, args[0], args[1])
    if not isinstance(n, int) or not isinstance(term, Term):
        raise EvaluationError("type error in arg/3", span)
    return _unify_gen(g, args[2], term.args[n - 1]) if 1 <= n <= len(term.args) else iter(())


def _succeed(g, args, depth, span):
    """Output builtins succeed without printing: grounding has no side effects."""
    yield ()


for _name in ("write", "writenl", "writeln", "print", "display", "debugprint"):
    for _n in VARIADIC_ARITIES:
        BUILTINS[(_name, _n)] = _succeed
BUILTINS[("nl", 0)] = _succeed
# ProbLog's debugger switches and database dumps: nothing to do while grounding
for _name in ("trace", "notrace", "dbg_printdb", "print_state"):
    BUILTINS[(_name, 0)] = _succeed
# nocache/2 only turns ProbLog's tabling off for a predicate: the answers do not change
BUILTINS[("nocache", 2)] = _succeed


def _error(g, args, depth, span):
    """error/1-9: the texts of the arguments joined are the message (as in ProbLog)."""
    parts = [g.resolve(a) for a in args]
    message = "".join(_text(p) if _text(p) is not None else format_term(p) for p in parts)
    raise EvaluationError(f"error/{len(args)} called: {message}", span)


for _n in VARIADIC_ARITIES:
    BUILTINS[("error", _n)] = _error


# ------------------------------------------------------------------ standard order of terms
def _standard_order(op):
    def compare(g, args, depth, span):
        a, b = (g.resolve(t) for t in args)
        return _succeed_if(g, op(_order_key(a), _order_key(b)))

    return compare


BUILTINS[("@<", 2)] = _standard_order(lambda a, b: a < b)
BUILTINS[("@>", 2)] = _standard_order(lambda a, b: a > b)
BUILTINS[("@=<", 2)] = _standard_order(lambda a, b: a <= b)
BUILTINS[("@>=", 2)] = _standard_order(lambda a, b: a >= b)


@builtin("compare", 3)
def _compare(g, args, depth, span):
    a, b = (_order_key(g.resolve(t)) for t in args[1:])
    return _unify_gen(g, args[0], Term("<" if a < b else ">" if a > b else "="))


@builtin("plus", 3)
def _plus(g, args, depth, span):
    a, b, c = _concrete(g, *args)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return _unify_gen(g, c, a + b)
    if isinstance(a, (int, float)) and isinstance(c, (int, float)):
        return _unify_gen(g, b, c - a)
    if isinstance(b, (int, float)) and isinstance(c, (int, float)):
        return _unify_gen(g, a, c - b)
    raise EvaluationError("instantiation error: plus/3 needs two of its arguments bound", span)


@builtin("atom_number", 2)
def _atom_number(g, args, depth, span):
    atom, number = _concrete(g, *args)
    if _is_atom(atom):
        for parse in (int, float):
            try:
                return _unify_gen(g, number, parse(atom.functor))
            except ValueError:
                continue
        return iter(())
    if isinstance(number, (int, float)):
        return _unify_gen(g, atom, Term(format_term(number)))
    raise EvaluationError("instantiation error: atom_number/2 needs one argument bound", span)


def _text(t) -> str | None:
    """The characters of an atom, string or number (None for anything else)."""
    if isinstance(t, Str):
        return t.value
    if _is_atom(t):
        return t.functor
    if isinstance(t, (int, float)) and not isinstance(t, bool):
        return format_term(t)
    return None


@builtin("atom_concat", 3)
def _atom_concat(g, args, depth, span):
    a, b, c = _concrete(g, *args)
    left, right, whole = _text(a), _text(b), _text(c)
    if left is not None and right is not None:
        return _unify_gen(g, c, Term(left + right))
    if whole is None:
        raise EvaluationError("instantiation error: atom_concat/3 needs its first two or its "
                              "last argument bound", span)
    return _atom_splits(g, a, b, whole)


def _atom_splits(g, a, b, whole: str):
    for i in range(len(whole) + 1):
        mark = len(g.trail)
        if g.unify(a, Term(whole[:i])) and g.unify(b, Term(whole[i:])):
            yield ()
        g.undo(mark)


@builtin("concat", 2)
def _concat(g, args, depth, span):
    """library(string): the atom of the texts of a list's items joined."""
    parts = [_text(t) for t in _concrete(g, *_proper_list(g, args[0], span, "concat/2"))]
    if any(p is None for p in parts):
        raise EvaluationError("type error: concat/2 joins atoms, strings and numbers", span)
    return _unify_gen(g, args[1], Term("".join(parts)))


@builtin("enum_groups", 3)
def _enum_groups(g, args, depth, span):
    """library(collect): for a list of (Group, Value) pairs, each group (in order of first
    appearance) with the list of its values."""
    groups: dict = {}
    for pair in _concrete(g, *_proper_list(g, args[0], span, "enum_groups/3")):
        if not (isinstance(pair, Term) and pair.functor == "," and len(pair.args) == 2):
            raise EvaluationError("type error: enum_groups/3 expects (Group, Value) pairs", span)
        groups.setdefault(pair.args[0], []).append(pair.args[1])
    return _each_group(g, groups, args[1], args[2])


def _each_group(g, groups: dict, group_out, values_out):
    for group, values in groups.items():
        mark = len(g.trail)
        if g.unify(group_out, group) and g.unify(values_out, make_list(values)):
            yield ()
        g.undo(mark)


@builtin("enum_groups", 4)
def _enum_groups4(g, args, depth, span):
    """library(lists): the groups of a list of groups and a list of values, side by side (in
    order of first appearance), each with the list of its values."""
    keys = _concrete(g, *_proper_list(g, args[0], span, "enum_groups/4"))
    values = _concrete(g, *_proper_list(g, args[1], span, "enum_groups/4"))
    groups: dict = {}
    for key, value in zip(keys, values, strict=False):  # (zip stops at the shorter, as ProbLog)
        groups.setdefault(key, []).append(value)
    return _each_group(g, groups, args[2], args[3])


# ------------------------------------------------------------------ library(string)
def _texts(g, term, span, what: str) -> list[str]:
    parts = [_text(t) for t in _concrete(g, *_proper_list(g, term, span, what))]
    if any(p is None for p in parts):
        raise EvaluationError(f"type error: {what} joins atoms, strings and numbers", span)
    return parts


def _one_text(g, term, span, what: str) -> str:
    (value,) = _concrete(g, term)
    text = _text(value)
    if isinstance(value, Var):
        raise EvaluationError(f"instantiation error: {what} needs a bound text", span)
    if text is None or isinstance(value, (int, float)):
        raise EvaluationError(f"type error: {what} needs an atom or a string, not "
                              f"{format_term(value)}", span)
    return text


@builtin("join", 3)
def _join(g, args, depth, span):
    """The atom of the texts of a list's items with a separator between them."""
    separator = _one_text(g, args[0], span, "join/3")
    return _unify_gen(g, args[2], Term(separator.join(_texts(g, args[1], span, "join/3"))))


@builtin("lst2str", 2)
def _lst2str(g, args, depth, span):
    return _unify_gen(g, args[1], Term("".join(_texts(g, args[0], span, "lst2str/2"))))


@builtin("str2lst", 2)
def _str2lst(g, args, depth, span):
    """The list of the one-character atoms of a text."""
    text = _one_text(g, args[0], span, "str2lst/2")
    return _unify_gen(g, args[1], make_list([Term(c) for c in text]))


@builtin("str2int", 2)
def _str2int(g, args, depth, span):
    text = _one_text(g, args[0], span, "str2int/2")
    try:
        value = int(text)
    except ValueError:
        raise EvaluationError(f"type error: str2int/2 of {text!r}, which is no integer",
                              span) from None
    return _unify_gen(g, args[1], value)


@builtin("sub_string", 5)
def _sub_string(g, args, depth, span):
    """sub_string(Text, Before, Length, After, Sub) as in SWI-Prolog, Sub an atom (ProbLog
    2.3's own definition cannot run: it calls a predicate its library lacks)."""
    text = _one_text(g, args[0], span, "sub_string/5")
    n = len(text)
    known = _concrete(g, args[4])[0]
    if not isinstance(known, Var):
        sub = _one_text(g, args[4], span, "sub_string/5")
        spans = [(i, len(sub)) for i in range(n - len(sub) + 1) if text.startswith(sub, i)]
    else:
        spans = [(i, k) for i in range(n + 1) for k in range(n - i + 1)]
    for start, length in spans:
        mark = len(g.trail)
        if (g.unify(args[1], start) and g.unify(args[2], length)
                and g.unify(args[3], n - start - length)
                and g.unify(args[4], Term(text[start:start + length]))):
            yield ()
        g.undo(mark)


@builtin("clause", 2)
def _clause(g, args, depth, span):
    return _clauses(g, args[0], args[1], None, span)


@builtin("clause", 3)
def _clause3(g, args, depth, span):
    return _clauses(g, args[0], args[1], args[2], span)


def _clauses(g, head, body, prob, span):
    """The program's clauses whose head and body unify with `head` and `body`; `prob` gets the
    clause's probability (1.0 for a plain clause)."""
    wanted = _deref(head)
    if isinstance(wanted, Term):
        groups = [g.rules.get(wanted.signature, ())]
    elif isinstance(wanted, Var):
        groups = list(g.rules.values())
    else:
        raise EvaluationError(f"type error: clause/2 needs a callable head, not "
                              f"{format_term(wanted)}", span)
    for rules in groups:
        for rule in rules:
            plain, weight = _without_choice(rule.body)
            # the clause's variables, named as ProbLog's clause/2 names them (V_0, V_1, ...)
            found: dict = {}
            term_vars(rule.head, found)
            term_vars(plain, found)
            mapping: dict = {v: Var(f"{CLAUSE_VAR}{i}") for i, v in enumerate(found)}
            if isinstance(weight, Term) and weight.functor in (NEURAL, "$param"):
                continue  # a neural or learnable clause has no fixed probability
            mark = len(g.trail)
            if (g.unify(head, g.rename(rule.head, mapping))
                    and g.unify(body, g.rename(plain, mapping))
                    and (prob is None or g.unify(prob, float(evaluate(g.rename(weight, mapping),
                                                                      span))))):
                yield ()
            g.undo(mark)


def _without_choice(body):
    """A desugared clause body without its probabilistic or neural goal, and the probability."""
    if body is None:
        return TRUE, 1.0
    last = body.args[1] if isinstance(body, Term) and body.functor == "," else body
    if isinstance(last, Term) and last.functor in (CHOICE, NEURAL):
        rest = body.args[0] if last is not body else TRUE
        prob = last.args[3] if last.functor == CHOICE else last
        return rest, prob
    return body, 1.0


@builtin("subquery", 2)
def _subquery(g, args, depth, span):
    return _subquery3(g, (args[0], args[1], NIL), depth, span)


@builtin("subquery", 3)
def _subquery3(g, args, depth, span):
    """The probability of a ground goal (given evidence atoms, `\\+a` for false), computed by
    a separate exact inference on the same program."""
    goal, _, evidence = (g.resolve(a) for a in args)
    if g.subquery is None:
        raise EvaluationError("subquery/2 is only available under `nesy query` / nesy.query",
                              span)
    if not (isinstance(goal, Term) and goal.ground):
        raise EvaluationError(f"instantiation error: subquery/2 needs a ground goal, not "
                              f"{format_term(goal)}", span)
    observed = []
    for item in _proper_list(g, evidence, span, "subquery/3"):
        negative = isinstance(item, Term) and item.functor == "\\+" and len(item.args) == 1
        atom = item.args[0] if negative else item
        if not (isinstance(atom, Term) and atom.ground):
            raise EvaluationError(f"subquery/3: evidence must be ground atoms, not "
                                  f"{format_term(item)}", span)
        observed.append((atom, not negative))
    return _unify_gen(g, args[1], float(g.subquery(goal, observed)))


@builtin("subsumes_term", 2)
def _subsumes_term(g, args, depth, span):
    general, specific = (g.resolve(t) for t in args)
    mark = len(g.trail)
    ok = g.unify(general, specific) and _identical_terms(g.resolve(specific), specific)
    g.undo(mark)
    return _succeed_if(g, ok)


BUILTINS[("subsumes_chk", 2)] = _subsumes_term


@builtin("copy_term", 2)
def _copy_term(g, args, depth, span):
    return _unify_gen(g, args[1], g.rename(g.resolve(args[0]), {}))


for _name in ("call_nc", "try_call"):
    for _n in VARIADIC_ARITIES:
        BUILTINS[(_name, _n)] = _call_n


@builtin("numbervars", 3)
def _numbervars(g, args, depth, span):
    """ProbLog's numbervars(Term, Start, Numbered): Numbered is a copy of Term whose distinct
    variables are '$Var'(Start), '$Var'(Start+1), ... (Term itself stays unbound)."""
    term, start = _concrete(g, args[0], args[1])
    if not isinstance(start, int):
        raise EvaluationError("type error: numbervars/3 needs an integer start", span)
    numbers = {v: Term("$Var", (start + i,)) for i, v in enumerate(term_vars(term))}
    return _unify_gen(g, args[2], substitute(term, numbers))


@builtin("numbervars", 2)
def _numbervars2(g, args, depth, span):
    return _numbervars(g, (args[0], 0, args[1]), depth, span)


@builtin("varnumbers", 2)
def _varnumbers(g, args, depth, span):
    """The inverse of numbervars: each '$Var'(N) becomes a fresh variable (one per N)."""
    (term,) = _concrete(g, args[0])
    fresh: dict = {}

    def walk(t):
        if isinstance(t, Term) and t.functor == "$Var" and len(t.args) == 1:
            return fresh.setdefault(t.args[0], Var())
        if isinstance(t, Term) and t.args:
            return Term(t.functor, tuple(walk(a) for a in t.args), t.span)
        return t

    return _unify_gen(g, args[1], walk(term))


@builtin("cmd_args", 1)
def _cmd_args(g, args, depth, span):
    """The arguments given to ProbLog with `-a`: nesy takes none."""
    return _unify_gen(g, args[0], NIL)


@builtin("possible", 1)
def _possible(g, args, depth, span):
    """Each instance of a goal that has a derivation, whatever its probability (as ProbLog's
    possible/1, which ignores weights: `0.0::a` is possible)."""
    goal = _deref(args[0])
    found = []
    seen = set()
    mark = len(g.trail)
    for _ in g.solve(goal, depth + 1):
        instance = g.resolve(goal)
        key = g.variant(instance, {})
        if key not in seen:
            seen.add(key)
            found.append(instance)
    g.undo(mark)
    for instance in found:
        yield from _unify_gen(g, goal, instance)
BUILTINS[("rational", 1)] = _type_check(lambda t: False)
BUILTINS[("simple", 1)] = _type_check(lambda t: not isinstance(t, Term) or not t.args)
BUILTINS[("primitive", 1)] = BUILTINS[("atomic", 1)]
BUILTINS[("dbreference", 1)] = _type_check(lambda t: False)

library_assert.register(BUILTINS)
library_db.register(BUILTINS)

__all__ = ["BUILTINS"]
