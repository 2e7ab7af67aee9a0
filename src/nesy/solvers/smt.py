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
Other annotated disjunctions and probabilistic clauses are Boolean choices (one per ground
instance of a clause's variables); an open query (`query(sum(S))`) is answered per instance,
the values the solver chooses enumerated by z3.
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
from nesy.solvers.base import Backend, Solution, WeightedCNF, solved_result
from nesy.terms import Str, Term, TermLike, Var, format_term, substitute

_COMPARISONS = {"=:=", "=\\=", "<", ">", "=<", ">=", "is", "=", "\\=", "==", "\\=="}
#: goals expanded one inside another before giving up (recursion is not unfolded)
MAX_EXPANSION_DEPTH = 500
OUTCOME = "$outcome"  # a goal standing for one outcome's indicator
ANSWER = "$answer"  # the goal after a non-ground query: records the instance it derived


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

    def solve(self, wcnf: WeightedCNF, limits: Limits) -> Solution | None:
        """z3's optimiser on a weighted CNF (a Module's `mpe-smt`: its ground program's MPE
        encoding, the network outputs enumerated by grounding)."""
        (z3,) = self.load()
        variables = [z3.Bool(f"v{v}") for v in range(wcnf.num_vars + 1)]

        def clause_formula(clause):
            return z3.Or([variables[lit] if lit > 0 else z3.Not(variables[-lit])
                          for lit in clause])

        optimiser = z3.Optimize()
        timeout_ms = max(1, int((Deadline(limits).end - time.monotonic()) * 1000))
        optimiser.set("timeout", timeout_ms)
        for clause in wcnf.hard:
            optimiser.add(clause_formula(clause))
        for clause, weight in wcnf.soft:
            optimiser.add_soft(clause_formula(clause), weight)
        status = optimiser.check()
        if status == z3.unsat:
            return None
        if status != z3.sat:
            raise LimitError("z3 found no optimum in time", "timeout_s", limits.timeout_s)
        model = optimiser.model()
        true = frozenset(v for v in range(1, wcnf.num_vars + 1)
                         if z3.is_true(model.eval(variables[v], True)))
        return Solution(true, wcnf.cost(true))

    def evaluation(self, program, simplified, roots, limits):
        from nesy.solvers.maxsat import MostProbableWorlds

        return MostProbableWorlds(self, simplified, roots, limits)

    def answer(self, program: Program, semiring: Semiring, limits: Limits) -> Result:
        (z3,) = self.load(semiring.name)
        deadline = Deadline(Deadline(limits).started())
        integers, facts = random_variables(program)
        queries, evidence = _ground_queries(program)
        answers, worlds = {}, {}
        # one encoder for every query: as in `mpe`, a world assigns every random variable any
        # query reaches, so each answer includes the best outcome of those its query ignores
        encoder = _Encoder(program, integers, facts, z3, deadline)
        formulas = [pair for atom in queries for pair in encoder.instances(atom)]
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
        for atom, formula in formulas:
            model = best(formula)
            if model is None:
                answers[atom] = 0.0
                continue
            answers[atom], facts = encoder.read(model)
            worlds[atom] = (answers[atom], facts)
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
        if rule.body is not None or not isinstance(atom, Term):
            raise InferenceError("the mpe-smt semantics takes query facts", rule.span)
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
        self.leaves: list = []  # (marker, instance template, bindings) of a non-ground query
        # predicates defined by annotated disjunctions / probabilistic facts alone: a call
        # with an open value reads their random integer instead of trying each clause
        self.choices_only = {signature for signature, rules in program.rules.items()
                             if all(isinstance(r.body, Term) and r.body.functor == CHOICE
                                    for r in rules)}

    def variable(self, key: tuple):
        """(its integer, {value: indicator}, its "none" indicator) of a random variable; a
        probabilistic clause's outcomes join as they are reached (the unreached ones are part
        of "none", as the grounder leaves them out of the choice's group)."""
        z3 = self.z3
        if key not in self.used:
            index = len(self.used)
            self.used[key] = (z3.Int(f"x{index}"), {}, z3.Bool(f"x{index}=none"))
        value, flags, none = self.used[key]
        for v in self.integers[key].values:
            if v not in flags:
                flags[v] = z3.Bool(f"{value}={v}")
        return self.used[key]

    def constrain(self, optimiser, costs: bool = True) -> None:
        """Exactly one outcome per random variable, its value, and (`costs`) each outcome's
        cost; an impossible outcome is excluded either way."""
        z3 = self.z3
        for key, (value, flags, none) in self.used.items():
            integer = self.integers[key]
            outcomes = list(flags.values()) + [none]
            optimiser.add(z3.PbEq([(b, 1) for b in outcomes], 1))
            optimiser.add(value == z3.Sum([z3.If(b, v, 0) for v, b in flags.items()]))
            for flag, p in [(flags[v], integer.values[v]) for v in flags] + [(none, integer.none)]:
                if costs or p <= 0.0:
                    _cost(optimiser, z3, flag, p)

    def instances(self, query: Term) -> list[tuple[Term, object]]:
        """(ground instance, the formula under which it holds) for a query atom: itself when
        ground; else every instance some derivation reaches, values the solver chooses (a sum
        of random integers) enumerated by the solver."""
        z3 = self.z3
        if query.ground:
            return [(query, self.solve([query], {}, 0))]
        self.leaves = []
        formula = self.solve([query, Term(ANSWER, (query,))], {}, 0)
        leaves, self.leaves = self.leaves, []
        found: dict[Term, None] = {}
        for marker, template, env in leaves:
            if template.ground:
                found.setdefault(template)
                continue
            names = _free_vars(template)
            values = [_walk(v, env) for v in names]
            if any(isinstance(v, Var) for v in values):
                raise InferenceError(f"query({format_term(query)}): an answer leaves a variable "
                                     "unbound (mpe-smt)")
            solver = z3.Solver()
            solver.add(z3.substitute(formula, *[(m, z3.BoolVal(m is marker))
                                                for m, _, _ in leaves]))
            self.constrain(solver, costs=False)
            while solver.check() == z3.sat:
                self.deadline.check("enumerating query answers")
                model = solver.model()
                chosen = [model.eval(v, model_completion=True).as_long() for v in values]
                found.setdefault(substitute(template, dict(zip(names, chosen, strict=True))))
                solver.add(z3.Or([v != c for v, c in zip(values, chosen, strict=True)]))
        result = []
        for instance in found:
            pairs = []
            for marker, template, env in leaves:
                equalities: list = []
                if _match(template, instance, dict(env), equalities):
                    local = dict(env)
                    pairs.append((marker, z3.And(*[
                        self.expression(a, local) == self.expression(b, local)
                        for a, b in equalities])))
                else:
                    pairs.append((marker, z3.BoolVal(False)))
            result.append((instance, z3.substitute(formula, *pairs)))
        return result

    def read(self, model) -> tuple[float, list[tuple[str, float, bool]]]:
        """The probability of the solver's world, and the world as witness facts (as `mpe`
        prints it: each chosen value, `\\+a` for a probabilistic fact left false)."""
        probability, world = 1.0, []
        for key, (_, flags, _) in self.used.items():
            variable = self.integers[key]
            chosen = next((v for v, b in flags.items() if model.eval(b, True)), None)
            if chosen is not None:
                probability *= variable.values[chosen]
                world.append((format_term(variable.atoms[chosen]), variable.values[chosen],
                              True))
            else:
                probability *= variable.none
                if len(variable.atoms) == 1:
                    world.append((format_term(next(iter(variable.atoms.values()))),
                                  variable.none, False))
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
            return self.then(negated, lambda: self.solve(rest, env, depth))
        if isinstance(goal, Term) and goal.functor in _COMPARISONS and len(goal.args) == 2:
            local = dict(env)
            return self.then(self.comparison(goal, local),
                             lambda: self.solve(rest, local, depth))
        if isinstance(goal, Term) and goal.functor == OUTCOME:
            key, index = goal.args
            return self.then(self.variable(key)[1][index], lambda: self.solve(rest, env, depth))
        if isinstance(goal, Term) and goal.functor == ANSWER:  # a derivation of the query
            marker = z3.Bool(f"answer{len(self.leaves)}")
            self.leaves.append((marker, _template(goal.args[0], env), dict(env)))
            return z3.And(marker, self.solve(rest, env, depth))
        if isinstance(goal, Term) and goal.functor == CHOICE:  # a probabilistic clause's
            return self.then(self.clause_choice(goal, env), lambda: self.solve(rest, env, depth))
        if isinstance(goal, Term) and goal.functor == NEURAL:
            raise InferenceError("the mpe-smt semantics of nesy.query takes fixed "
                                 "probabilities; a neural predicate needs its network")
        if not isinstance(goal, Term):
            raise InferenceError(f"the mpe-smt semantics cannot call {goal!r}")
        goal = _resolve(goal, env)
        key = (goal.functor, goal.args[:-1])
        if goal.args and key in self.integers and goal.signature in self.choices_only:
            local = dict(env)
            return self.then(self.integer_atom(key, goal.args[-1], local),
                             lambda: self.solve(rest, local, depth))
        return self.call(goal, rest, env, depth)

    def clause_choice(self, goal: Term, env: dict):
        """Alternative `index` of a probabilistic clause's choice for one ground instance of
        the clause's variables (one independent random variable per instance, as in ProbLog)."""
        choice_id, index, variables, prob, head = goal.args
        instance = _template(variables, env)
        if not (isinstance(instance, Term) and instance.ground):
            raise InferenceError(f"{format_term(_template(head, env))}: the mpe-smt semantics "
                                 "needs a probabilistic clause's variables bound to constants")
        key = ("$clause", choice_id, instance)
        if key not in self.integers:
            self.integers[key] = RandomInteger()
        variable = self.integers[key]
        if index not in variable.values:
            probability = _template(prob, env)
            if isinstance(probability, Term) and probability.functor == "$param":
                probability = self.program.params[probability.args[0],
                                                  probability.args[1]].initial
            elif isinstance(probability, Term) and probability.ground:
                from nesy.arith import evaluate

                probability = evaluate(probability, goal.span)
            if not isinstance(probability, (int, float)) or isinstance(probability, bool):
                raise InferenceError(f"the probability {format_term(prob)} is not a number "
                                     "(mpe-smt)", goal.span)
            variable.values[index] = float(probability)
            variable.atoms[index] = _template(head, env)
        return self.variable(key)[1][index]

    def then(self, condition, rest):
        """`condition` and then `rest()`, which is never built where the condition is false
        whatever the solver chooses (a rule whose deterministic part fails reaches none of its
        probabilistic choices, as a grounder would not reach them)."""
        condition = self.z3.simplify(condition)
        if self.z3.is_false(condition):
            return condition
        tail = rest()
        return tail if self.z3.is_true(condition) else self.z3.And(condition, tail)

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
            same = z3.And(*[self.expression(a, binding) == self.expression(b, binding)
                            for a, b in equalities])
            option = self.then(same, lambda b=body, e=binding: self.solve([b] + rest, e, depth + 1))
            if not z3.is_false(option):
                options.append(option)
        return z3.Or(options) if options else z3.BoolVal(False)

    def comparison(self, goal: Term, env: dict):
        z3 = self.z3
        left, right = goal.args
        if goal.functor == "is" and isinstance(_walk(left, env), Var):
            env[_walk(left, env)] = self.expression(right, env)
            return z3.BoolVal(True)
        if goal.functor in ("=", "\\=", "==", "\\=="):  # unification: terms, or integers
            local = dict(env)
            equalities: list = []
            if not _match(left, right, local, equalities):
                return z3.BoolVal(goal.functor in ("\\=", "\\=="))
            same = z3.And(*[self.expression(a, local) == self.expression(b, local)
                            for a, b in equalities])
            if goal.functor == "=":
                env.update(local)
                return same
            return same if goal.functor == "==" else z3.Not(same)
        a, b = self.expression(left, env), self.expression(right, env)
        return {"=:=": lambda: a == b, "is": lambda: a == b, "=\\=": lambda: a != b,
                "<": lambda: a < b, ">": lambda: a > b, "=<": lambda: a <= b,
                ">=": lambda: a >= b}[goal.functor]()

    def expression(self, term: TermLike, env: dict):
        term = _walk(term, env)
        if isinstance(term, int) and not isinstance(term, bool):
            return self.z3.IntVal(term)
        if not isinstance(term, Term):
            if isinstance(term, Var):
                raise InferenceError(f"the variable {term} is unbound in an arithmetic "
                                     "comparison (mpe-smt)")
            if isinstance(term, (float, Str)):
                raise InferenceError(f"the mpe-smt semantics reads integer arithmetic, not "
                                     f"{format_term(term) if isinstance(term, Str) else term!r}")
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


def _template(term, env: dict):
    """`term` with its bindings to terms and integers substituted; a variable bound to a
    solver expression stays a variable (the last of its chain, the one bound to it)."""
    if isinstance(term, Var):
        while term in env and isinstance(env[term], Var):
            term = env[term]
        value = env.get(term, term)
        return _template(value, env) if isinstance(value, (Term, int, float, Str)) else term
    if isinstance(term, Term) and not term.ground:
        return Term(term.functor, tuple(_template(a, env) for a in term.args), term.span)
    return term


def _free_vars(term) -> list[Var]:
    if isinstance(term, Var):
        return [term]
    if isinstance(term, Term) and not term.ground:
        return list(dict.fromkeys(v for a in term.args for v in _free_vars(a)))
    return []




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
