"""Query-directed, tabled grounding: Program + queries → GroundProgram.

Resolution is Prolog-like (depth-first, bindings on a trail), but every call to a user predicate
goes through a table keyed by the call's variant. A table's answers are ground atoms, each a node
of the GroundProgram whose bodies are the literals (choices, other atoms, negations) of its
derivations. Recursive calls read the answers found so far; the leader of a recursive component
re-evaluates until no table gains an answer (a least fixpoint, so cycles are grounded correctly).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

from nesy.arith import LinearExpr, NotLinear, evaluate
from nesy.errors import CheckError, EvaluationError, GroundingError, LimitError
from nesy.front.program import CHOICE, NEURAL, Program
from nesy.ground.call_patterns import called_by_sensitive, pattern_sensitive
from nesy.ground.externals import call_external
from nesy.ground.ground_program import Choice, GroundProgram, NeuralRef, ParamRef, TensorRef
from nesy.ground.library import tensor_builtin_names, with_library
from nesy.limits import Deadline, Limits, safe_recursion_limit
from nesy.terms import CLAUSE_VAR, Str, Term, Var, format_term

VARIANT = "$VAR"
# limits a runaway recursion hits: the clause that recursed is where to look
_CLAUSE_LIMITS = ("max_depth", "max_fixpoint_iterations")


class _Table:
    __slots__ = ("key", "pattern", "answers", "order", "complete", "on_stack", "index", "low",
                 "stamp", "private")

    def __init__(self, key: Term, pattern: Term, private: bool):
        self.key = key
        self.pattern = pattern
        self.private = private  # its answers are its own nodes (see call_patterns.py)
        self.answers: dict = {}
        # (answer, body) of each derivation in Prolog's order (findall/3 sees that order and
        # the duplicates); rebuilt by each evaluation
        self.order: list = []
        self.complete = False
        self.on_stack = False
        self.index = 0
        self.low = 0
        self.stamp = -1  # the leader round in which it was last evaluated


class Grounder:
    """Grounds the calls it is asked for into one shared GroundProgram."""

    def __init__(self, program: Program, limits: Limits = Limits(), symbolic: bool = False,
                 tensors: bool = False):
        from nesy.ground.builtins import BUILTINS

        self.program = program
        self.limits = limits
        self.symbolic = symbolic
        self.builtins = BUILTINS
        self.ground = GroundProgram()
        self.node_of: dict = {}
        self.body_sets: dict[int, set] = {}
        self.choice_of: dict = {}
        self.tables: dict = {}
        self.stack: list[_Table] = []
        self.pending: list[_Table] = []
        self.trail: list[Var] = []
        self.changes = 0
        self.round = 0
        self.min_hit = 1 << 30  # lowest stack index a call found on the stack
        # the lowest stack index of an incomplete table whose answers a call read (see _evaluate)
        self.lowest_read = 1 << 30
        self.steps = 0
        self.deadline = time.monotonic() + limits.timeout_s
        self.budget = Deadline(limits)  # time and memory, checked every 256 steps
        self.symbolic_groups: set = set()
        # (node, body) -> how many derivations of one table evaluation gave it, where > 1
        self.multiplicity: dict = {}
        self.subquery = None  # (goal, evidence) -> probability, for subquery/2,3
        self.collect_depth = -1  # the depth of the goal findall/3 collects (see _call)
        # tensors: DeepProbLog's tensor builtins are in scope (a nesy.Module grounds)
        self.rules = with_library(program.rules, program.initialization, tensors)
        self.sensitive = pattern_sensitive(self.rules)
        self.below_sensitive = called_by_sensitive(self.rules, self.sensitive)
        # library(assert): how often the clauses changed (node keys of each version differ, as
        # ProbLog grounds a goal anew after a change) and the directives still to run
        self.database_version = 0
        self.initialization = list(program.initialization)

    # ----------------------------------------------------------------- terms and bindings
    def bind(self, var: Var, value) -> None:
        var.ref = value
        self.trail.append(var)

    def undo(self, mark: int) -> None:
        trail = self.trail
        while len(trail) > mark:
            trail.pop().ref = None

    def unify(self, a, b) -> bool:
        while isinstance(a, Var) and a.ref is not None:
            a = a.ref
        while isinstance(b, Var) and b.ref is not None:
            b = b.ref
        if a is b:
            return True
        if isinstance(a, Var):
            self.bind(a, b)
            return True
        if isinstance(b, Var):
            self.bind(b, a)
            return True
        if isinstance(a, Term):
            if not isinstance(b, Term):
                if isinstance(b, LinearExpr):
                    raise NotLinear()
                return False
            if a.ground and b.ground:
                return a == b
            if a.functor != b.functor or len(a.args) != len(b.args):
                return False
            for x, y in zip(a.args, b.args, strict=False):
                if not self.unify(x, y):
                    return False
            return True
        if isinstance(a, LinearExpr) or isinstance(b, LinearExpr):
            if a == b:
                return True
            raise NotLinear()
        if type(a) is not type(b) and not (isinstance(a, Str) or isinstance(b, Str)):
            return False  # 1 and 1.0 do not unify
        return a == b

    def resolve(self, t):
        """`t` with every bound variable replaced by its value."""
        while isinstance(t, Var) and t.ref is not None:
            t = t.ref
        if isinstance(t, Term) and not t.ground:
            args = tuple([self.resolve(a) for a in t.args])
            if all(x is y for x, y in zip(args, t.args, strict=False)):
                return t
            return Term(t.functor, args, t.span)
        return t

    @staticmethod
    def rename(t, mapping: dict):
        if isinstance(t, Var):
            fresh = mapping.get(t)
            if fresh is None:
                fresh = mapping[t] = Var(t.name)
            return fresh
        if isinstance(t, Term) and not t.ground:
            return Term(t.functor, tuple([Grounder.rename(a, mapping) for a in t.args]), t.span)
        return t

    @staticmethod
    def variant(t, mapping: dict):
        """A hashable key shared by all variants of a resolved term."""
        if isinstance(t, Var):
            found = mapping.get(t)
            if found is None:
                found = mapping[t] = Term(VARIANT, (len(mapping),))
            return found
        if isinstance(t, Term) and not t.ground:
            return Term(t.functor, tuple([Grounder.variant(a, mapping) for a in t.args]), t.span)
        return t

    @staticmethod
    def unvariant(t, mapping: dict):
        if isinstance(t, Term):
            if t.functor == VARIANT:
                fresh = mapping.get(t)
                if fresh is None:
                    fresh = mapping[t] = Var()
                return fresh
            if not t.ground:
                return Term(t.functor, tuple([Grounder.unvariant(a, mapping) for a in t.args]), t.span)
        return t

    # ----------------------------------------------------------------- nodes
    def _new_node(self, name) -> int:
        node = len(self.ground.names)
        if node > self.limits.max_ground_atoms:
            raise LimitError("the ground program grew too large", "max_ground_atoms",
                             self.limits.max_ground_atoms)
        self.ground.names.append(name)
        return node

    def atom_node(self, atom, key=None) -> int:
        """The node of `atom`; `key` (default the atom) tells nodes of one atom apart."""
        key = atom if key is None else key
        if self.database_version:
            key = (self.database_version, key)
        node = self.node_of.get(key)
        if node is None:
            node = self.node_of[key] = self._new_node(atom)
            self.ground.bodies[node] = []
            self.body_sets[node] = set()
        return node

    def add_body(self, node: int, literals) -> tuple:
        body = tuple(sorted(set(literals), key=abs))
        if any(-lit in body for lit in body if lit > 0):
            return body
        if body not in self.body_sets[node]:
            self.body_sets[node].add(body)
            self.ground.bodies[node].append(body)
            if not body:
                self.ground.true_nodes.add(node)
        return body

    def choice_node(self, group: tuple, index: int, prob, atom) -> int:
        key = (group, index)
        node = self.choice_of.get(key)
        if node is None:
            choice = Choice(group, index, prob, atom)
            node = self.choice_of[key] = self._new_node(choice)
            self.ground.choices[node] = choice
            self.ground.groups.setdefault(group, {})[index] = node
        return node

    def aux_node(self, name: Term, bodies) -> int:
        node = self.atom_node(name)
        for body in bodies:
            self.add_body(node, body)
        return node

    # ----------------------------------------------------------------- resolution
    def solve(self, goal, depth: int) -> Iterator[tuple]:
        """Yield, per solution of `goal`, the literals that solution depends on."""
        while isinstance(goal, Var) and goal.ref is not None:
            goal = goal.ref
        if isinstance(goal, Var):
            raise EvaluationError("instantiation error: a goal is an unbound variable")
        if not isinstance(goal, Term):
            raise EvaluationError(f"type error: {format_term(goal)} is not callable")
        functor, args = goal.functor, goal.args
        if functor == "," and len(args) == 2:
            for left in self.solve(args[0], depth):
                for right in self.solve(args[1], depth):
                    yield left + right
            return
        if functor == "true" and not args:
            yield ()
            return
        if functor in ("fail", "false") and not args:
            return
        if functor == ";" and len(args) == 2:
            cond = _deref(args[0])
            if isinstance(cond, Term) and cond.functor == "->" and len(cond.args) == 2:
                yield from self._if_then_else(cond.args[0], cond.args[1], args[1], depth, goal.span)
                return
            yield from self.solve(args[0], depth)
            yield from self.solve(args[1], depth)
            return
        if functor == "->" and len(args) == 2:
            yield from self._if_then_else(args[0], args[1], Term("fail"), depth, goal.span)
            return
        if functor in ("\\+", "not") and len(args) == 1:
            yield from self._negation(args[0], depth, goal.span)
            return
        if functor == CHOICE:
            yield from self._choice(args, goal.span)
            return
        if functor == NEURAL:
            yield from self._neural(args, goal.span)
            return
        external = self.program.externals.get((functor, len(args)))
        if external is not None:
            yield from call_external(self, *external, args, goal.span)
            return
        builtin = self.builtins.get((functor, len(args)))
        if builtin is not None:
            yield from builtin(self, args, depth, goal.span)
            return
        yield from self._call(goal, depth)

    def _call(self, goal: Term, depth: int) -> Iterator[tuple]:
        signature = goal.signature
        if signature not in self.rules:
            if self.program.unknown == "fail":
                return
            raise GroundingError(f"unknown predicate {goal.functor}/{len(goal.args)}", goal.span,
                                 hint=_suggest(goal, self.program))
        self._tick()
        resolved = self.resolve(goal)
        key = self.variant(resolved, {})
        table = self.tables.get(key)
        if table is None:
            private = signature in self.sensitive or (
                signature in self.below_sensitive and not _ground_fast(key))
            table = self.tables[key] = _Table(key, self.unvariant(key, {}), private)
        if not table.complete:
            if table.on_stack:
                self._depends_on(table.index)
            elif table.stamp == self.round:
                # already evaluated in this round of its recursion: read its answers so far
                self._depends_on(table.low)
            else:
                self._evaluate(table, depth)
                if not table.complete:
                    self._depends_on(table.low)
        # under findall/3, each derivation of a complete table on its own, in Prolog's order
        each = depth == self.collect_depth and table.complete
        order = table.order
        if not each:
            # mid-evaluation, `order` holds only this round's derivations so far: add what earlier
            # rounds found that it lacks, an answer or an answer's certainty (a certain answer is
            # read through its certain derivations only, below)
            true_nodes = self.ground.true_nodes
            found = {answer for answer, body in order
                     if body == () or table.answers[answer] not in true_nodes}
            if len(found) < len(table.answers):
                order = order + [(a, None) for a in table.answers if a not in found]
        seen = set()
        for answer, body in list(order):
            self._tick()
            node = table.answers[answer]
            if each:
                mark = len(self.trail)
                if self.unify(goal, self.unvariant(answer, {})):
                    yield body
                self.undo(mark)
                continue
            if node not in self.ground.true_nodes:
                if answer in seen:
                    continue
                seen.add(answer)
            elif body:
                continue  # a certain answer counts once per certain derivation
            mark = len(self.trail)
            instance = answer if node > 0 and _ground_fast(answer) else self.unvariant(answer, {})
            if self.unify(goal, instance):
                yield () if node in self.ground.true_nodes else (node,)
            self.undo(mark)

    def _depends_on(self, index: int) -> None:
        """The current call depends on the table at stack `index`: all above join its cycle."""
        self.min_hit = min(self.min_hit, index)
        self.lowest_read = min(self.lowest_read, index, len(self.stack) - 1)
        for other in self.stack[index + 1:]:
            other.low = min(other.low, index)

    def _evaluate(self, table: _Table, depth: int) -> None:
        if depth > self.limits.max_depth:
            raise LimitError(f"recursion went deeper than {self.limits.max_depth} calls, at "
                             f"{_short(table.pattern)}", "max_depth", self.limits.max_depth,
                             table.pattern.span)
        table.on_stack = True
        table.stamp = self.round
        table.index = table.low = len(self.stack)
        self.stack.append(table)
        pending_mark = len(self.pending)
        version = self.database_version
        outer_read, self.lowest_read = self.lowest_read, 1 << 30
        try:
            rounds = 0
            while True:
                before = self.changes
                if rounds:
                    self.round += 1
                self._evaluate_once(table, depth)
                # no call below read answers of this table or one below it on the stack while
                # they were incomplete: one pass is exact
                recursive = self.lowest_read <= table.index
                if recursive and self.database_version != version:
                    raise GroundingError(
                        f"assertz/retract while grounding the recursive {_short(table.pattern)}: "
                        "ProbLog's answer depends on its engine's evaluation order there, which "
                        "nesy does not reproduce", table.pattern.span,
                        hint="change the database in a directive or outside the recursion")
                if table.low < table.index or self.changes == before or not recursive:
                    break
                rounds += 1
                if rounds >= self.limits.max_fixpoint_iterations:
                    raise LimitError(
                        f"{_short(table.pattern)} keeps gaining answers (infinitely many?) after "
                        f"{rounds} rounds of its recursion", "max_fixpoint_iterations",
                        self.limits.max_fixpoint_iterations, table.pattern.span)
        finally:
            self.stack.pop()
            table.on_stack = False
            self.lowest_read = min(outer_read, self.lowest_read)
        if table.low < table.index:
            self.pending.append(table)
        else:
            table.complete = True
            for member in self.pending[pending_mark:]:
                member.complete = True
            del self.pending[pending_mark:]

    def _evaluate_once(self, table: _Table, depth: int) -> None:
        pattern = table.pattern
        derivations: dict = {}
        table.order = []
        for rule in self.rules[pattern.signature]:
            mapping: dict = {}
            head = self.rename(rule.head, mapping)
            mark = len(self.trail)
            if self.unify(head, pattern):
                if rule.body is None:
                    self._add_answer(table, (), derivations)
                else:
                    body = self.rename(rule.body, mapping)
                    try:
                        for literals in self.solve(body, depth + 1):
                            self._add_answer(table, literals, derivations)
                    except (EvaluationError, GroundingError, LimitError) as err:
                        if not isinstance(err, LimitError) or err.limit_name in _CLAUSE_LIMITS:
                            err.locate(rule.span)  # a goal without a place of its own: its clause
                        raise
            self.undo(mark)
        for key, count in derivations.items():
            if key[1] is not None and count > self.multiplicity.get(key, 1):
                self.multiplicity[key] = count

    def _tick(self) -> None:
        self.steps += 1
        if self.steps & 255 == 0:
            self.budget.check("grounding")

    def _add_answer(self, table: _Table, literals: tuple, derivations: dict) -> None:
        self._tick()
        answer = self.resolve(table.pattern)
        key = answer if _ground_fast(answer) else self.variant(answer, {})
        node = table.answers.get(key)
        if node is None:
            node_key = ("$answer", table.key, key) if table.private else None
            node = table.answers[key] = self.atom_node(key, node_key)
            self.changes += 1
        body = self.add_body(node, literals)
        derivations[(node, body)] = derivations.get((node, body), 0) + 1
        table.order.append((key, body))

    # ----------------------------------------------------------------- library(assert)
    def change_clauses(self, signature: tuple, clauses: list) -> None:
        """Replace a predicate's clauses (assertz/retract): as ProbLog resets its cache, every
        complete table is dropped, so later calls see the new clauses; calls in progress keep
        the clauses they started with."""
        if signature in self.builtins or signature[0] in (CHOICE, NEURAL):
            raise EvaluationError(f"permission error: cannot change the clauses of the built-in "
                                  f"{signature[0]}/{signature[1]}")
        self.rules[signature] = clauses
        self.database_version += 1
        self.tables = {key: t for key, t in self.tables.items() if not t.complete}
        if any(rule.body is not None for rule in clauses):
            self.sensitive = pattern_sensitive(self.rules)
            self.below_sensitive = called_by_sensitive(self.rules, self.sensitive)

    def run_initialization(self) -> None:
        """Run the program's directives that change the database, in order, each for all its
        solutions (as ProbLog runs directives before grounding)."""
        while self.initialization:
            goal = self.initialization.pop(0)
            mark = len(self.trail)
            for _ in self.solve(goal, 0):
                pass
            self.undo(mark)

    # ----------------------------------------------------------------- control
    def _if_then_else(self, cond, then, other, depth, span) -> Iterator[tuple]:
        mark = len(self.trail)
        for literals in self.solve(cond, depth):
            if literals:
                raise GroundingError("the condition of if-then-else must be deterministic; it "
                                     "depends on probabilistic facts", span)
            yield from self.solve(then, depth)
            self.undo(mark)
            return
        yield from self.solve(other, depth)

    def _negation(self, goal, depth, span) -> Iterator[tuple]:
        resolved = self.resolve(goal)  # free variables are existential: \+ p(_) = no p(_) holds
        outer_hit, self.min_hit = self.min_hit, 1 << 30
        stack_depth = len(self.stack)
        bodies = []
        mark = len(self.trail)
        for literals in self.solve(resolved, depth + 1):
            if not literals:
                self.undo(mark)
                self.min_hit = min(outer_hit, self.min_hit)
                return  # the goal is certainly true: the negation fails
            bodies.append(literals)
        self.undo(mark)
        inner_hit, self.min_hit = self.min_hit, min(outer_hit, self.min_hit)
        if inner_hit < stack_depth:
            raise CheckError(f"negation of {format_term(resolved)} is not stratified: the goal "
                             "depends on itself through the negation", span)
        if not bodies:
            yield ()
            return
        if len(bodies) == 1 and len(bodies[0]) == 1 and bodies[0][0] > 0:
            yield (-bodies[0][0],)
            return
        yield (-self.aux_node(Term("$not", (self.variant(resolved, {}),)), bodies),)

    def solutions(self, goal, template, depth: int, span, what: str) -> list[tuple]:
        """All (template value, literals) of `goal`, one per derivation, for an aggregate
        (findall/3, all/3) that reads them all: the goal must not depend on its caller."""
        outer_hit, self.min_hit = self.min_hit, 1 << 30
        stack_depth = len(self.stack)
        mark = len(self.trail)
        found = []
        outer_depth, self.collect_depth = self.collect_depth, depth + 1
        try:
            for literals in self.solve(goal, depth + 1):
                found.append((self.resolve(template), literals))
        finally:
            self.undo(mark)
            self.collect_depth = outer_depth
            inner_hit, self.min_hit = self.min_hit, min(outer_hit, self.min_hit)
        if inner_hit < stack_depth:
            raise CheckError(f"{what} over {_short(self.resolve(goal))} is part of a cycle: its "
                             "goal depends on the clause that collects it", span)
        return found

    def proofs(self, literals: tuple, span) -> list[tuple]:
        """The proofs of a conjunction of literals, each a set of choices and negations: an atom
        is expanded into the derivations of its bodies (ProbLog's findall counts each)."""
        return [tuple(sorted(set(p), key=abs))
                for p in self._conjunction_proofs(literals, (), frozenset(), span)]

    def _conjunction_proofs(self, literals: tuple, start: list, path: frozenset,
                            span) -> list[tuple]:
        """Each proof of `start` (default: one empty proof) extended by one of each literal."""
        partial: list[tuple] = list(start) or [()]
        for literal in literals:
            options = self._literal_proofs(literal, path, span)
            partial = [p + q for p in partial for q in options]
            if len(partial) > self.limits.max_distribution_size:
                raise LimitError("a goal under findall/3 has too many proofs",
                                 "max_distribution_size", self.limits.max_distribution_size,
                                 span)
        return partial

    def _literal_proofs(self, literal: int, path: frozenset, span) -> list[tuple]:
        bodies = self.ground.bodies.get(literal) if literal > 0 else None
        if not bodies or literal in self.ground.choices:
            return [(literal,)]
        if literal in path:
            return []  # a proof through a cycle is not a proof
        found = []
        for body in bodies:
            copies = [()] * self.multiplicity.get((literal, body), 1)  # identical derivations
            found.extend(self._conjunction_proofs(body, copies, path | {literal}, span))
        return found

    def proof_literal(self, proof: tuple) -> int:
        """One literal true exactly when every literal of `proof` is."""
        if len(proof) == 1:
            return proof[0]
        return self.aux_node(Term("$and", proof), [proof])

    def _choice(self, args, span) -> Iterator[tuple]:
        clause_id, index, variables, prob, head = args
        values = self.resolve(variables)
        if not _ground_fast(values) and _ground_fast(self.resolve(head)):
            # a variable only the body saw and left free (`findall(X, p(X,_), L)`): it does not
            # tell instances of the clause apart
            values = Term(values.functor, tuple(a if _ground_fast(a) else Term("$free")
                                                for a in values.args))
        if not _ground_fast(values):
            raise GroundingError(
                f"non-ground probabilistic clause: {format_term(self.resolve(head))} has unbound "
                "variables after its body is solved", span,
                hint="bind every variable of a probabilistic fact or rule through its body")
        prob = _deref(prob)
        if isinstance(prob, Term) and prob.functor == "$param":
            value = ParamRef((prob.args[0], prob.args[1]))
        elif isinstance(prob, Term) and prob.functor == "tensor" and prob.args:
            value = TensorRef(self.resolve(prob))  # computed per example by the Module
        else:
            value = evaluate(prob, span)
            if isinstance(value, LinearExpr) or not 0.0 <= value <= 1.0:
                raise EvaluationError(f"probability {format_term(value)} is outside [0, 1]", span)
            value = float(value)
        node = self.choice_node((clause_id, values), index, value, self.resolve(head))
        yield (node,)

    def _neural(self, args, span) -> Iterator[tuple]:
        net_id, inputs, output, head = args
        inputs = self.resolve(inputs)
        if not _ground_fast(inputs):
            raise EvaluationError("instantiation error: the input of a neural predicate is "
                                  f"unbound in {format_term(self.resolve(head))}", span)
        spec = self.program.neural[net_id]
        group = ("nn", net_id, inputs)
        if spec.domain is None:
            yield (self.choice_node(group, 0, NeuralRef(net_id, inputs, -1), self.resolve(head)),)
            return
        output = _deref(output)
        mark = len(self.trail)
        if isinstance(output, Var) and self.symbolic and spec.integer_domain:
            self.bind(output, LinearExpr.variable(group))
            self.symbolic_groups.add(group)
            yield ()
            self.undo(mark)
            return
        for j, value in enumerate(spec.domain):
            if self.unify(output, value):
                atom = self.resolve(head)
                yield (self.choice_node(group, j, NeuralRef(net_id, inputs, j), atom),)
            self.undo(mark)

    # ----------------------------------------------------------------- entry points
    def answers(self, goal: Term, template=None) -> list[tuple[Term, tuple]]:
        """Every answer of a top-level goal (as `template` resolves, default the goal itself)
        with the literals of each derivation."""
        template = goal if template is None else template
        found = []
        old_limit = sys.getrecursionlimit()
        wanted = 20 * self.limits.max_depth + 1000
        limit = max(old_limit, safe_recursion_limit(wanted))  # never past what the stack holds
        sys.setrecursionlimit(limit)
        try:
            self.run_initialization()
            for literals in self.solve(goal, 0):
                found.append((self.resolve(template), literals))
            self.min_hit = 1 << 30
        except RecursionError:
            name = "max_depth" if limit == wanted else "max_stack_mb"
            raise LimitError("a term or a recursion nests too deeply while grounding", name,
                             getattr(self.limits, name), getattr(goal, "span", None)) from None
        finally:
            self.undo(0)
            sys.setrecursionlimit(old_limit)
        return found

    def atom_for(self, atom: Term) -> int:
        """The node of a ground query or evidence atom: 0 when it cannot be derived (false)."""
        bodies = [literals for _, literals in self.answers(atom)]
        if not bodies:
            return 0
        if len(bodies) == 1 and len(bodies[0]) == 1 and bodies[0][0] > 0:
            return bodies[0][0]
        return self.aux_node(Term("$goal", (atom,)), bodies)


def _deref(t):
    while isinstance(t, Var) and t.ref is not None:
        t = t.ref
    return t


def _ground_fast(t) -> bool:
    if isinstance(t, Term):
        return t.ground
    return not isinstance(t, Var)


def _short(term) -> str:
    text = format_term(term)
    return text if len(text) < 80 else text[:77] + "..."


def _suggest(goal: Term, program: Program) -> str | None:
    same_name = [f"{n}/{a}" for n, a in program.rules if n == goal.functor]
    if same_name:
        return f"defined with another arity: {', '.join(same_name)}"
    if goal.functor in tensor_builtin_names():
        return (f"{goal.functor}/{len(goal.args)} is one of DeepProbLog's tensor builtins: they "
                "exist where a nesy.Module evaluates the program")
    return None


def ground_queries(program: Program, queries: list[Term], evidence: list[tuple[Term, bool]],
                   limits: Limits = Limits(), symbolic: bool = False) -> GroundProgram:
    """Ground the given ground queries and evidence atoms."""
    grounder = Grounder(program, limits, symbolic)
    for atom in queries:
        grounder.ground.queries.append((atom, grounder.atom_for(atom)))
    for atom, value in evidence:
        grounder.ground.evidence.append((atom, grounder.atom_for(atom), value))
    return grounder.ground


def program_queries(program: Program, limits: Limits = Limits(),
                    subquery=None) -> GroundProgram:
    """Ground a program's own `query/1` and `evidence/1,2` facts, as ProbLog does.
    `subquery(goal, evidence)` answers `subquery/2,3` with a probability (None: unavailable)."""
    grounder = Grounder(program, limits)
    grounder.subquery = subquery
    seen = set()
    found = []  # every query/evidence fact is found before any is grounded, as in ProbLog
    for signature, builder in ((("query", 1), _query_items), (("evidence", 1), _evidence_items),
                               (("evidence", 2), _evidence_items)):
        if signature not in program.rules:
            continue
        pattern = Term(signature[0], tuple(Var() for _ in range(signature[1])))
        found.extend((builder, answer) for answer, _ in grounder.answers(pattern))
    for builder, answer in found:
        for item in builder(grounder, answer):
            if item in seen:
                continue
            seen.add(item)
            if answer.functor == "query":
                grounder.ground.queries.append(item)
            else:
                grounder.ground.evidence.append(item)
    return grounder.ground


def _query_items(grounder: Grounder, answer: Term):
    """The (name, node) of each answer of one `query(Goal)`, as ProbLog names them: `\\+G`
    negates every answer of G (or is certainly true when G has none); an answer that still
    has variables is reported (variables named `X<n>`) when it is certainly true, else an
    error (ProbLog's NonGroundQuery); a goal without answers is reported false."""
    from nesy.front.rename_library_overrides import original_name  # (a renamed member/2)

    goal = answer.args[0]
    span = getattr(goal, "span", None) or answer.span or _clause_span(grounder, answer)
    negated = isinstance(goal, Term) and goal.functor in ("\\+", "not") and len(goal.args) == 1
    if negated:
        goal = goal.args[0]
    if isinstance(goal, Var) or not isinstance(goal, Term):
        raise GroundingError(f"query({format_term(answer.args[0])}): a query must be an atom",
                             span)
    results = grounder.answers(goal)
    if not results:
        if negated:
            name = Term("\\+", (original_name(_named(goal)),))
            yield (name, _node_for(grounder, goal, [], negated))
        else:  # listed as false, as ProbLog lists it, variables named like its own
            yield (goal if _ground_fast(goal) else original_name(_named(goal)), 0)
        return
    by_atom: dict = {}
    for atom, literals in results:
        key = atom if _ground_fast(atom) else grounder.variant(atom, {})
        by_atom.setdefault(key, (atom, []))[1].append(literals)
    for atom, bodies in by_atom.values():
        if not _ground_fast(atom):
            if any(bodies):
                raise GroundingError(
                    f"the answer {format_term(_named(atom))} of query({_short(_named(goal))}) is "
                    "probabilistic but still has variables after grounding (ProbLog: "
                    "NonGroundQuery)", span,
                    hint="bind the query's variables, or make the clauses bind them")
            atom = _named(atom)
        node = _node_for(grounder, atom, bodies, negated)
        name = original_name(atom)
        yield (Term("\\+", (name,)) if negated else name, node)


def _named(atom: Term) -> Term:
    """A copy of `atom` whose variables are named like ProbLog's (`X<n>`): ProbLog's numbers
    come from its engine's variable slots; numbering n+1, ... (n distinct variables) gives the
    same names in the common cases (`p(X2)`, `p(X3,X4)`)."""
    found: dict = {}

    def walk(t):
        if isinstance(t, Var):
            found.setdefault(t, None)
        elif isinstance(t, Term):
            for a in t.args:
                walk(a)

    walk(atom)
    mapping = {v: Var(v.name[1:] if v.name.startswith(CLAUSE_VAR) else f"X{len(found) + 1 + i}")
               for i, v in enumerate(found)}

    def copy(t):
        if isinstance(t, Var):
            return mapping[t]
        if isinstance(t, Term) and t.args:
            return Term(t.functor, tuple(copy(a) for a in t.args), t.span)
        return t

    return copy(atom)


def _node_for(grounder: Grounder, atom: Term, bodies, negated: bool = False) -> int:
    if negated:
        inner = _node_for(grounder, atom, bodies) if bodies else 0
        body = (-inner,) if inner else ()
        return grounder.aux_node(Term("$goal", (Term("\\+", (atom,)),)), [body])
    if len(bodies) == 1 and len(bodies[0]) == 1 and bodies[0][0] > 0:
        return bodies[0][0]
    return grounder.aux_node(Term("$goal", (atom,)), bodies)


def _clause_span(grounder: Grounder, answer: Term):
    """Where the first clause that can give `answer` (a query or evidence fact) is written."""
    for rule in grounder.rules.get(answer.signature, ()):
        mark = len(grounder.trail)
        found = grounder.unify(grounder.rename(rule.head, {}), answer)
        grounder.undo(mark)
        if found:
            return rule.span
    return None


def _evidence_items(grounder: Grounder, answer: Term):
    atom = answer.args[0]
    span = getattr(atom, "span", None) or answer.span or _clause_span(grounder, answer)
    value = True
    if len(answer.args) == 2:
        flag = answer.args[1]
        if flag not in (Term("true"), Term("false")):
            raise GroundingError(f"evidence value must be true or false, not {format_term(flag)}",
                                 span)
        value = flag == Term("true")
    if not isinstance(atom, Term) or not _ground_fast(atom):
        raise GroundingError(f"evidence on the non-ground atom {format_term(atom)}", span)
    yield (atom, grounder.atom_for(atom), value)
