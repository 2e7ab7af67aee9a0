"""Most probable assignment under arithmetic constraints, by z3 (`--semantics mpe-smt`).

Random integers are annotated disjunctions whose alternatives differ only in a last, integer
argument (`0.1::digit(a, 0); ...; 0.1::digit(a, 9).`, one variable `digit(a, _)`); each becomes
a z3 integer over its values (one-hot indicators, each costing -log p). A query's rules become
z3 formulas instead of ground bodies: a body is a conjunction of random-integer atoms (binding
their value), linear comparisons (`=:=`, `=\\=`, `<`, `=<`, `>`, `>=`, `is/2`) and calls of
other such rules; several rules are a disjunction. z3's optimiser finds the most probable
assignment where the query holds, so "four digits sum to 23 and are all different" never
enumerates the 10^4 combinations grounding would. The answer is the `mpe` number (the
probability of the most probable world where the query holds), with that world as its witness.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from nesy.errors import InferenceError, LimitError
from nesy.front.program import CHOICE, NEURAL, Program
from nesy.inference import Result
from nesy.limits import Deadline, Limits
from nesy.semiring.base import Semiring
from nesy.solvers.base import Backend, solved_result
from nesy.terms import Str, Term, TermLike, Var, format_term

_COMPARISONS = {"=:=", "=\\=", "<", ">", "=<", ">=", "is", "=", "\\="}
#: goals expanded one inside another before giving up (recursion is not unfolded)
MAX_EXPANSION_DEPTH = 500
OUTCOME = "$outcome"  # a goal standing for one outcome's indicator


@dataclass
class RandomInteger:
    """An annotated disjunction (or probabilistic fact) read as one random variable: its
    values (an integer argument, or the alternative's index) → probability and atom."""

    values: dict[int, float] = field(default_factory=dict)
    atoms: dict[int, Term] = field(default_factory=dict)

    @property
    def none(self) -> float:
        return max(0.0, 1.0 - sum(self.values.values()))


class Smt(Backend):
    name = "smt"
    requires = (("z3", "z3-solver"),)

    def answer(self, program: Program, semiring: Semiring, limits: Limits) -> Result:
        (z3,) = self.load(semiring.name)
        deadline = Deadline(Deadline(limits).started())
        integers, facts = random_variables(program)
        queries, evidence = _ground_queries(program)
        answers, worlds = {}, {}
        # one encoder for every query: as in `mpe`, a world assigns every random variable any
        # query reaches, so each answer includes the best outcome of those its query ignores
        encoder = _Encoder(program, integers, facts, z3, deadline)
        formulas = [encoder.solve([atom], {}, 0) for atom in queries]
        observed = [encoder.solve([atom], {}, 0) for atom, _ in evidence]
        observed = [f if value else z3.Not(f) for f, (_, value) in
                    zip(observed, evidence, strict=True)]

        def best(formula):
            optimiser = z3.Optimize()
            timeout_ms = max(1, int((deadline.end - time.monotonic()) * 1000))
            optimiser.set("timeout", timeout_ms)
            optimiser.add(formula, *observed)
            encoder.constrain(optimiser)
            status = optimiser.check()
            if status == z3.unsat:
                return None
            if status != z3.sat:
                raise LimitError("z3 found no optimum in time", "timeout_s", limits.timeout_s)
            return optimiser.model()

        if evidence and best(z3.BoolVal(True)) is None:
            names = ", ".join(format_term(a) for a, _ in evidence)
            raise InferenceError(f"inconsistent evidence: {names} has probability 0")
        for atom, formula in zip(queries, formulas, strict=True):
            model = best(formula)
            answers[atom], worlds[atom] = (0.0, []) if model is None else encoder.read(model)
        return solved_result(semiring.name, answers, worlds)


def random_variables(program: Program) -> tuple[dict, dict]:
    """The program's annotated disjunctions as random variables: those whose alternatives are
    `f(Args..., V)` with ground Args and integer V by (f, Args) (a random integer), and every
    ground alternative atom → (its variable's key, its value)."""
    variables: dict[tuple, RandomInteger] = {}
    integer_ids: dict[tuple, int] = {}
    facts: dict[Term, tuple] = {}
    members: dict[int, list] = {}
    for rules in program.rules.values():
        for rule in rules:
            body = rule.body
            if isinstance(body, Term) and body.functor == CHOICE:
                members.setdefault(body.args[0], []).append((rule, body))
    for choice_id, alternatives in members.items():
        heads = [body.args[4] for _, body in alternatives]
        if not all(isinstance(h, Term) and h.ground for h in heads):
            raise InferenceError("the mpe-smt semantics takes ground annotated disjunctions and "
                                 "probabilistic facts", alternatives[0][0].span)
        prefixes = {(h.functor, h.args[:-1]) for h in heads if h.args}
        values = [h.args[-1] if h.args else None for h in heads]
        integer = (len(prefixes) == 1 and len(heads) >= 2 and all(
            isinstance(v, int) and not isinstance(v, bool) for v in values)
            and len(set(values)) == len(values))
        key = next(iter(prefixes)) if integer else ("$choice", choice_id)
        if integer and key in integer_ids:
            raise InferenceError(f"two annotated disjunctions define {format_term(heads[0])}: "
                                 "the mpe-smt semantics needs one random integer per atom")
        integer_ids[key] = choice_id
        variable = variables.setdefault(key, RandomInteger())
        for (rule, body), head, value in zip(alternatives, heads, values, strict=True):
            index = value if integer else body.args[1]
            variable.values[index] = _probability(body.args[3], program, rule)
            variable.atoms[index] = head
            facts[head] = (key, index)
    return variables, facts


def _probability(prob, program: Program, rule) -> float:
    if isinstance(prob, (int, float)) and not isinstance(prob, bool):
        return float(prob)
    if isinstance(prob, Term) and prob.functor == "$param":
        return float(program.params[prob.args[0], prob.args[1]].initial)
    if isinstance(prob, Term) and prob.ground:
        from nesy.arith import evaluate

        return float(evaluate(prob, rule.span))  # 1/3, 0.5*0.2
    raise InferenceError(f"the mpe-smt semantics needs fixed probabilities, not "
                         f"{format_term(prob)}", rule.span)


def _ground_queries(program: Program) -> tuple[list[Term], list[tuple[Term, bool]]]:
    """The ground `query/1` atoms and `evidence/1,2` facts (atom, value)."""
    queries, evidence = [], []
    for rule in program.rules.get(("query", 1), []):
        atom = rule.head.args[0]
        if rule.body is not None or not (isinstance(atom, Term) and atom.ground):
            raise InferenceError("the mpe-smt semantics takes ground query facts", rule.span)
        queries.append(atom)
    for signature in (("evidence", 1), ("evidence", 2)):
        for rule in program.rules.get(signature, []):
            atom = rule.head.args[0]
            value = len(rule.head.args) == 1 or rule.head.args[1] == Term("true")
            if rule.body is not None or not (isinstance(atom, Term) and atom.ground):
                raise InferenceError("the mpe-smt semantics takes ground evidence facts",
                                     rule.span)
            evidence.append((atom, value))
    return queries, evidence


class _Encoder:
    """Rules → z3 formulas over one-hot indicators of the random integers they touch."""

    def __init__(self, program: Program, integers: dict[tuple, RandomInteger], facts: dict,
                 z3, deadline: Deadline):
        self.program = program
        self.deadline = deadline
        self.integers = integers
        self.facts = facts
        self.z3 = z3
        self.used: dict[tuple, tuple] = {}  # key → (z3 Int, {value: Bool}, none Bool)

    def variable(self, key: tuple):
        if key not in self.used:
            z3 = self.z3
            integer = self.integers[key]
            index = len(self.used)
            flags = {v: z3.Bool(f"x{index}={v}") for v in integer.values}
            none = z3.Bool(f"x{index}=none")
            value = z3.Int(f"x{index}")
            self.used[key] = (value, flags, none)
        return self.used[key]

    def constrain(self, optimiser) -> None:
        """Exactly one outcome per random integer, its value, and each outcome's cost."""
        z3 = self.z3
        for key, (value, flags, none) in self.used.items():
            integer = self.integers[key]
            outcomes = list(flags.values()) + [none]
            optimiser.add(z3.PbEq([(b, 1) for b in outcomes], 1))
            optimiser.add(value == z3.Sum([z3.If(b, v, 0) for v, b in flags.items()]))
            for v, flag in flags.items():
                _cost(optimiser, z3, flag, integer.values[v])
            _cost(optimiser, z3, none, integer.none)

    def read(self, model) -> tuple[float, list[str]]:
        """The probability of the solver's world, and the world as `mpe` prints it."""
        probability, world = 1.0, []
        for key, (_, flags, _) in self.used.items():
            variable = self.integers[key]
            chosen = next((v for v, b in flags.items() if model.eval(b, True)), None)
            if chosen is not None:
                probability *= variable.values[chosen]
                world.append(format_term(variable.atoms[chosen]))
            else:
                probability *= variable.none
                if len(variable.atoms) == 1:
                    world.append("\\+" + format_term(next(iter(variable.atoms.values()))))
        return probability, world

    # ------------------------------------------------------------------ goals
    def solve(self, goals: list, env: dict, depth: int):
        """The formula under which the conjunction `goals` holds, left to right as Prolog
        would: a call tries each matching rule with the rest of the conjunction after it, a
        random integer binds its variable to the solver's integer, `is/2` to an expression."""
        z3 = self.z3
        if not goals:
            return z3.BoolVal(True)
        goal, rest = _walk(goals[0], env), goals[1:]
        if depth > MAX_EXPANSION_DEPTH:
            raise InferenceError("the mpe-smt semantics does not expand recursive rules "
                                 f"(a chain of {MAX_EXPANSION_DEPTH} calls)")
        if isinstance(goal, Term) and goal.signature == (",", 2):
            return self.solve(list(goal.args) + rest, env, depth)
        if isinstance(goal, Term) and goal.signature == ("true", 0):
            return self.solve(rest, env, depth)
        if isinstance(goal, Term) and goal.functor in ("\\+", "not") and len(goal.args) == 1:
            negated = z3.Not(self.solve([goal.args[0]], dict(env), depth + 1))
            return z3.And(negated, self.solve(rest, env, depth))
        if isinstance(goal, Term) and goal.functor in _COMPARISONS and len(goal.args) == 2:
            local = dict(env)
            return z3.And(self.comparison(goal, local), self.solve(rest, local, depth))
        if isinstance(goal, Term) and goal.functor == OUTCOME:
            key, index = goal.args
            return z3.And(self.variable(key)[1][index], self.solve(rest, env, depth))
        if isinstance(goal, Term) and goal.functor in (CHOICE, NEURAL):
            raise InferenceError("the mpe-smt semantics reads annotated disjunctions as random "
                                 "variables; other probabilistic clauses are not supported")
        if not isinstance(goal, Term):
            raise InferenceError(f"the mpe-smt semantics cannot call {goal!r}")
        goal = _resolve(goal, env)
        if goal.ground and goal in self.facts:  # one outcome of a random variable
            key, index = self.facts[goal]
            return z3.And(self.variable(key)[1][index], self.solve(rest, env, depth))
        key = (goal.functor, goal.args[:-1])
        if goal.args and key in self.integers:
            local = dict(env)
            return z3.And(self.integer_atom(key, goal.args[-1], local),
                          self.solve(rest, local, depth))
        return self.call(goal, rest, env, depth)

    def integer_atom(self, key: tuple, last, env: dict):
        """`f(Args, V)` of a random integer: V is its value (bound here when unbound)."""
        z3 = self.z3
        value, flags, none = self.variable(key)
        last = _walk(last, env)
        if isinstance(last, Var):
            env[last] = value
            return z3.Not(none)
        if isinstance(last, int):
            flag = flags.get(last)
            return flag if flag is not None else z3.BoolVal(False)
        return z3.And(z3.Not(none), value == self.expression(last, env))

    def call(self, goal: Term, rest: list, env: dict, depth: int):
        """A user predicate: each rule whose head matches, followed by the rest."""
        z3 = self.z3
        rules = self.program.rules.get(goal.signature)
        if rules is None:
            raise InferenceError(f"the mpe-smt semantics cannot call {goal.functor}/"
                                 f"{len(goal.args)} (unknown, or a builtin it does not read)")
        self.deadline.check("building the SMT formula")
        options = []
        for rule in rules:
            local: dict = {}
            head = _rename(rule.head, local)
            binding = dict(env)
            equalities: list = []
            if not _match(head, goal, binding, equalities):
                continue
            body = _rename(rule.body, local) if rule.body is not None else Term("true")
            if isinstance(body, Term) and body.functor == CHOICE:  # an outcome: its indicator
                body = Term(OUTCOME, self.facts[body.args[4]])
            same = [self.expression(a, binding) == self.expression(b, binding)
                    for a, b in equalities]
            options.append(z3.And(*same, self.solve([body] + rest, binding, depth + 1)))
        return z3.Or(options) if options else z3.BoolVal(False)

    def comparison(self, goal: Term, env: dict):
        left, right = goal.args
        if goal.functor in ("is", "=") and isinstance(_walk(left, env), Var):
            env[_walk(left, env)] = self.expression(right, env)
            return self.z3.BoolVal(True)
        a, b = self.expression(left, env), self.expression(right, env)
        return {"=:=": lambda: a == b, "=": lambda: a == b, "is": lambda: a == b,
                "=\\=": lambda: a != b, "\\=": lambda: a != b, "<": lambda: a < b,
                ">": lambda: a > b, "=<": lambda: a <= b, ">=": lambda: a >= b}[goal.functor]()

    def expression(self, term: TermLike, env: dict):
        term = _walk(term, env)
        if isinstance(term, int) and not isinstance(term, bool):
            return self.z3.IntVal(term)
        if not isinstance(term, Term):
            if isinstance(term, Var):
                raise InferenceError(f"the variable {term} is unbound in an arithmetic "
                                     "comparison (mpe-smt)")
            return term  # a z3 expression bound earlier
        ops = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}
        if term.functor in ops and len(term.args) == 2:
            return ops[term.functor](self.expression(term.args[0], env),
                                     self.expression(term.args[1], env))
        if term.signature == ("-", 1):
            return -self.expression(term.args[0], env)
        raise InferenceError(f"the mpe-smt semantics reads integer arithmetic (+ - *), not "
                             f"{format_term(term)}")


def _cost(optimiser, z3, flag, p: float) -> None:
    if p <= 0.0:
        optimiser.add(z3.Not(flag))
    elif p < 1.0:
        optimiser.add_soft(z3.Not(flag), -math.log(p))  # holding costs -log p


def _walk(term, env: dict):
    while isinstance(term, Var) and term in env:
        term = env[term]
    return term


def _rename(term, mapping: dict):
    if isinstance(term, Var):
        if term not in mapping:
            mapping[term] = Var(term.name)
        return mapping[term]
    if isinstance(term, Term) and not term.ground:
        return Term(term.functor, tuple(_rename(a, mapping) for a in term.args), term.span)
    return term


def _resolve(term, env: dict):
    """`term` with its variables bound to terms or integers replaced (those bound to solver
    expressions stay variables: they are read through `env`)."""
    if isinstance(term, Var):
        value = _walk(term, env)
        return _resolve(value, env) if isinstance(value, (Term, int, float, Str)) else value
    if isinstance(term, Term) and not term.ground:
        return Term(term.functor, tuple(_resolve(a, env) for a in term.args), term.span)
    return term


def _match(pattern, value, env: dict, equalities: list) -> bool:
    """Bind `pattern`'s variables so that it equals `value`; where one side is an integer the
    solver has yet to choose, record the equality for the solver instead."""
    pattern, value = _walk(pattern, env), _walk(value, env)
    if isinstance(pattern, Var):
        env[pattern] = value
        return True
    if isinstance(value, Var):
        env[value] = pattern
        return True
    if isinstance(pattern, Term) and isinstance(value, Term):
        return (pattern.functor == value.functor and len(pattern.args) == len(value.args)
                and all(_match(p, v, env, equalities)
                        for p, v in zip(pattern.args, value.args, strict=True)))
    known = (Term, int, float, Str)
    if isinstance(pattern, known) and isinstance(value, known):
        return type(pattern) is type(value) and pattern == value
    if isinstance(pattern, Term) or isinstance(value, Term):
        return False  # a compound term never equals an integer
    equalities.append((pattern, value))
    return True
