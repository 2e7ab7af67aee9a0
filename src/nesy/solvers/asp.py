"""Answer-set programs by clingo, under NeurASP's probability semantics (`--semantics asp`).

The program's probabilistic facts and annotated disjunctions make a total choice; its rules,
read as an answer-set program (negation as failure, not necessarily stratified), have zero or
more stable models per total choice. A stable model M has probability P(TC(M)) / num(TC(M)),
its total choice's probability shared equally by that choice's stable models (NeurASP, Yang et
al. 2020); a query's answer is the probability of the stable models where it holds, divided by
that of the models satisfying the evidence when there is evidence. A total choice without a
stable model loses its mass (an integrity constraint rules it out).

The surface stays ProbLog's grammar:

    inconsistent :- Body.         an integrity constraint (clingo's `:- Body.`)
    choose([A1, ..., An]) :- Body.  a choice rule (clingo's `{A1; ...; An} :- Body.`)

and even loops through negation (`a :- \\+ b. b :- \\+ a.`) have two stable models. clingo
grounds the translated program itself; every choice is instantiated wherever its clause's body
could hold (over a negation-free relaxation of the program), so each total choice is total.
Supported terms: atoms, integers, strings and compound terms; builtins: comparisons, `is/2`
over + - * // mod abs, `between/3`, `true`. Everything else is a clear error.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from nesy.errors import InferenceError, LimitError
from nesy.front.program import CHOICE, NEURAL, Program
from nesy.ground.simplify import Simplified
from nesy.inference import Result
from nesy.limits import Deadline, Limits
from nesy.query import Evaluation, Grounded, Grounding, ground_first
from nesy.reserved import BUILTIN_SIGNATURES
from nesy.semiring.base import Semiring
from nesy.solvers.base import Backend, batch_values, solved_result
from nesy.solvers.ground2asp import GroundAsp, ModelTable, ground2asp, stable_models
from nesy.terms import Str, Term, TermLike, Var, format_term, substitute

#: the head of an integrity constraint, and of a choice rule
INCONSISTENT = "inconsistent"
CHOOSE = "choose"

_NAME = re.compile(r"[a-z][A-Za-z0-9_]*\Z")
_COMPARISONS = {"=": "=", "\\=": "!=", "==": "=", "\\==": "!=", "<": "<", ">": ">",
                "=<": "<=", ">=": ">=", "=:=": "=", "=\\=": "!="}
_NEGATED = {"=": "!=", "!=": "=", "<": ">=", ">": "<=", "<=": ">", ">=": "<"}
_ARITHMETIC = {"+": "+", "-": "-", "*": "*", "//": "/", "mod": "\\"}


@dataclass
class Translation:
    """A Program as clingo text, with what maps its models back to answers."""

    lines: list[str] = field(default_factory=list)
    #: choice id → {alternative index or "none": probability}
    choices: dict[int, dict] = field(default_factory=dict)
    queries: list[Term] = field(default_factory=list)  # ground query atoms
    open_queries: bool = False  # some query is not ground: its instances are `__query` atoms
    evidence: list[tuple[Term, bool]] = field(default_factory=list)
    #: (choice id, alternative index) → (the head it makes true, its clause's variables)
    heads: dict[tuple[int, int], tuple[Term, TermLike]] = field(default_factory=dict)


class Asp(Backend):
    name = "asp"
    requires = (("clingo", "clingo"),)

    def answer(self, program: Program, semiring: Semiring, limits: Limits) -> Result:
        (clingo,) = self.load(semiring.name)
        deadline = Deadline(Deadline(limits).started())
        translation = program2asp(program)
        messages: list[str] = []  # clingo's own, kept for the error instead of printed
        control = clingo.Control(["0", "--warn=none"],
                                 logger=lambda _, text: messages.append(text.strip()))
        try:
            control.add("base", [], "\n".join(translation.lines))
            control.ground([("base", [])])
        except RuntimeError:
            unsafe = "unsafe" in " ".join(messages)
            raise InferenceError(
                "clingo could not ground the program: " + " / ".join(messages[:3]),
                hint="every variable of an asp rule must occur in a positive body atom (rules "
                     "are range-restricted in answer-set programs)" if unsafe else None,
            ) from None
        models = []  # (total choice, its probability, the model's atoms as text)
        with control.solve(yield_=True) as handle:
            for model in handle:
                deadline.check("answer-set enumeration")
                if len(models) >= limits.max_models:
                    raise LimitError("too many stable models to enumerate", "max_models",
                                     limits.max_models)
                atoms = {str(s) for s in model.symbols(atoms=True)}
                chosen = frozenset(s for s in model.symbols(atoms=True) if s.name == "__ch")
                weight = math.prod(_choice_probability(translation, s) for s in chosen)
                models.append((chosen, weight, atoms))
        per_choice = Counter(chosen for chosen, _, _ in models)
        weighted = [(weight / per_choice[chosen], atoms) for chosen, weight, atoms in models]
        evidence = [(asp_term(atom), value) for atom, value in translation.evidence]
        kept = [(p, atoms) for p, atoms in weighted
                if all((text in atoms) == value for text, value in evidence)]
        z = sum(p for p, _ in kept)
        if evidence and z <= 0.0:
            names = ", ".join(format_term(a) for a, _ in translation.evidence)
            raise InferenceError(f"inconsistent evidence: {names} has probability 0")
        queries = _query_atoms(translation, models)
        answers, witnesses = {}, {}
        for atom in queries:
            text = asp_term(atom)
            holding = [(p, chosen) for (p, atoms), (chosen, _, _) in zip(
                weighted, models, strict=True)
                if text in atoms and all((t in atoms) == v for t, v in evidence)]
            mass = sum(p for p, _ in holding)
            answers[atom] = mass / z if evidence else mass
            if holding:  # the most probable stable model where the answer holds
                p, chosen = max(holding, key=lambda pair: pair[0])
                witnesses[atom] = (p, _witness(translation, chosen))
        return solved_result(semiring.name, answers, witnesses)


    # ------------------------------------------------------------------ a Module's plans
    def ground(self, program: Program, goal: object, semiring: Semiring, limits: Limits,
               ways: list[Grounding]) -> Grounded:
        """The goal and, where the program has integrity constraints, `inconsistent`: its node
        becomes a root no stable model may make true (kept as evidence `false`, which the
        plan reads as a constraint, not as conditioning)."""
        if program.defines((CHOOSE, 1)):
            raise InferenceError(
                "a nesy.Module under asp grounds the program with nesy's grounder, which has no "
                "choice rules (choose/1)", hint="nesy.query and `nesy query --semantics asp` "
                "take choice rules; a Module takes integrity constraints and stratified rules")
        constrained = program.defines((INCONSISTENT, 0))
        if constrained and goal is not None:
            goal = Term(",", (goal, Term("\\+", (Term(INCONSISTENT),))))
        grounded = ground_first(program, goal, semiring, limits, ways)
        if constrained:
            ground = grounded.ground
            for node, name in enumerate(ground.names):
                if name == Term(INCONSISTENT) and node in ground.bodies:
                    ground.evidence.append((name, node, False))
        return grounded

    def evaluation(self, program: Program, simplified: Simplified, roots: list,
                   limits: Limits) -> Evaluation:
        if any(value for _, _, value in simplified.evidence):
            raise InferenceError("a nesy.Module under asp takes no evidence")
        constraints = [lit for _, lit, _ in simplified.evidence]
        return StableModels(ground2asp(program, simplified, roots, constraints), limits)


@dataclass
class StableModels(Evaluation):
    """A Module's `asp`: NeurASP's probability of each root, the sum over the stable models
    where it holds of the product of the model's choices' probabilities, divided by the number
    of stable models of its total choice. The models are enumerated by clingo once per query
    shape (they do not depend on the numbers); a batch is one tensor expression over them
    ([B, models, groups] gathered, multiplied out, summed into the roots), so autograd gives
    NeurASP's gradient exactly: d P(O) / d p(c) = the sum over the models of O that choose c of
    their probability divided by p(c), with the outcomes' own dependence (a lone fact's 1 - p,
    a group's none) differentiated as well."""

    asp: GroundAsp
    limits: Limits
    table: ModelTable | None = None
    _tensors: dict = field(default_factory=dict)

    def batched(self) -> None:
        if self.table is None:
            self.table = stable_models(self.asp, self.limits)

    def evaluate(self, semiring, leaves, answers=None):
        import torch

        self.batched()
        values = self.asp.outcomes.values(leaves)  # [B, K]
        key = (values.device, values.dtype)
        if key not in self._tensors:
            table = self.table
            width = len(self.asp.outcomes.outcome)
            self._tensors[key] = (
                torch.tensor(table.picks, dtype=torch.long, device=values.device)
                .reshape(len(table.picks), width),
                torch.tensor(table.share, dtype=values.dtype, device=values.device),
                torch.tensor(table.holds, dtype=values.dtype, device=values.device)
                .reshape(len(table.picks), self.asp.roots))
        picks, share, holds = self._tensors[key]
        weights = values[:, picks].prod(-1) * share  # [B, models]
        return batch_values(weights @ holds, leaves.like, answers)

    def pretty(self) -> str:
        count = "" if self.table is None else f" ({len(self.table.picks)} models)"
        return f"stable models by clingo{count}:\n{self.asp.text}"


def _witness(translation: Translation, chosen) -> list:
    """A stable model's total choice as witness facts: each chosen alternative's head, and
    `\\+a` for a probabilistic fact (a one-alternative choice) left false; "none" of an
    annotated disjunction is not written (as `mpe` writes worlds)."""
    facts = []
    for symbol in sorted(chosen, key=str):
        choice_id, index = symbol.arguments[0].number, symbol.arguments[1]
        p = _choice_probability(translation, symbol)
        alternatives = [k for k in translation.choices[choice_id] if k != "none"]
        key = 0 if str(index) == "none" else index.number
        if str(index) == "none" and len(alternatives) != 1:
            continue
        head, variables = translation.heads[(choice_id, key)]
        binding: dict = {}
        _bind(variables, symbol.arguments[2], binding)
        facts.append((format_term(substitute(head, binding)), p, str(index) != "none"))
    return facts


def _bind(pattern: TermLike, symbol, binding: dict) -> None:
    """Bind the variables of a clause's variable term to the values clingo chose for them."""
    if isinstance(pattern, Var):
        binding[pattern] = _symbol2term(symbol)
    elif isinstance(pattern, Term):
        for arg, sub in zip(pattern.args, symbol.arguments, strict=False):
            _bind(arg, sub, binding)


def _choice_probability(translation: Translation, symbol) -> float:
    choice_id, index = symbol.arguments[0].number, symbol.arguments[1]
    key = "none" if str(index) == "none" else index.number
    return translation.choices[choice_id][key]


def _query_atoms(translation: Translation, models) -> list[Term]:
    found = list(translation.queries)
    if translation.open_queries:
        seen = set(map(asp_term, found))
        for _, _, atoms in models:
            for text in sorted(atoms):
                if text.startswith("__query(") and text[8:-1] not in seen:
                    seen.add(text[8:-1])
                    found.append(_parse_symbol_text(text[8:-1]))
    return found


def _parse_symbol_text(text: str) -> Term:
    """A ground atom clingo printed, back as a Term (only for open queries' instances)."""
    import clingo

    return _symbol2term(clingo.parse_term(text))


def _symbol2term(symbol) -> TermLike:
    import clingo

    if symbol.type == clingo.SymbolType.Number:
        return symbol.number
    if symbol.type == clingo.SymbolType.String:
        return Str(symbol.string)
    return Term(symbol.name, tuple(_symbol2term(a) for a in symbol.arguments))


def asp_term(term: TermLike, names: dict[int, str] | None = None) -> str:
    """A nesy term in clingo's syntax (variables as V<id>), or an InferenceError."""
    if isinstance(term, Var):
        return f"V{term.id}"
    if isinstance(term, bool):
        raise _unsupported(f"the value {term}")
    if isinstance(term, int):
        return str(term)
    if isinstance(term, float):
        raise _unsupported(f"the float {term!r} (clingo has integers only)")
    if isinstance(term, Str):
        return '"' + term.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if not _NAME.match(term.functor):
        raise _unsupported(f"the term {format_term(term)}")
    if not term.args:
        return term.functor
    return f"{term.functor}({','.join(asp_term(a) for a in term.args)})"


def _unsupported(what: str) -> InferenceError:
    return InferenceError(f"the asp semantics cannot translate {what} to clingo",
                          hint="the asp semantics takes atoms, integers, strings, compound terms,"
                               " comparisons, is/2 and between/3")


def _expression(term: TermLike) -> str:
    if isinstance(term, Term) and len(term.args) == 2 and term.functor in _ARITHMETIC:
        return (f"({_expression(term.args[0])}{_ARITHMETIC[term.functor]}"
                f"{_expression(term.args[1])})")
    if isinstance(term, Term) and term.signature == ("-", 1):
        return f"(-{_expression(term.args[0])})"
    if isinstance(term, Term) and term.signature == ("abs", 1):
        return f"|{_expression(term.args[0])}|"
    if isinstance(term, Term) and term.args and term.functor not in _ARITHMETIC:
        raise _unsupported(f"the arithmetic {format_term(term)}")
    return asp_term(term)


def _conjuncts(goal) -> list:
    if goal is None:
        return []
    if isinstance(goal, Term) and goal.signature == (",", 2):
        return _conjuncts(goal.args[0]) + _conjuncts(goal.args[1])
    if isinstance(goal, Term) and goal.signature == ("true", 0):
        return []
    return [goal]


class _Translator:
    def __init__(self, program: Program):
        self.program = program
        self.out = Translation()

    def user_atom(self, goal) -> bool:
        if isinstance(goal, Var):
            raise _unsupported("a variable goal (call/N)")
        if not isinstance(goal, Term):
            raise _unsupported(f"the goal {goal!r}")
        return self.program.defines(goal.signature) or goal.signature not in BUILTIN_SIGNATURES

    def literal(self, goal, domain: bool) -> list[str]:
        """One body goal in clingo syntax; in the negation-free relaxation when `domain`."""
        if isinstance(goal, Term) and goal.functor in ("\\+", "not") and len(goal.args) == 1:
            inner = goal.args[0]
            if isinstance(inner, Term) and inner.functor in _COMPARISONS and len(inner.args) == 2:
                op = _NEGATED[_COMPARISONS[inner.functor]]
                return [f"{_expression(inner.args[0])}{op}{_expression(inner.args[1])}"]
            if not self.user_atom(inner):
                raise _unsupported(f"the negated builtin {format_term(inner)}")
            return [] if domain else [f"not {asp_term(inner)}"]
        if isinstance(goal, Term) and goal.functor == CHOICE:
            choice_id, index, variables, _, _ = goal.args
            return [] if domain else [f"__ch({choice_id},{index},{_vars_term(variables)})"]
        if isinstance(goal, Term) and goal.functor == NEURAL:
            raise InferenceError("the asp semantics of nesy.query takes fixed probabilities; a "
                                 "neural predicate needs its network")
        if isinstance(goal, Term) and goal.functor in _COMPARISONS and len(goal.args) == 2:
            op = _COMPARISONS[goal.functor]
            return [f"{_expression(goal.args[0])}{op}{_expression(goal.args[1])}"]
        if isinstance(goal, Term) and goal.signature == ("is", 2):
            return [f"{asp_term(goal.args[0])}={_expression(goal.args[1])}"]
        if isinstance(goal, Term) and goal.signature == ("between", 3):
            low, high, x = goal.args
            return [f"{asp_term(x)}={_expression(low)}..{_expression(high)}"]
        if not self.user_atom(goal):
            raise _unsupported(f"the builtin {goal.functor}/{len(goal.args)}")
        return [f"__d({asp_term(goal)})"] if domain else [asp_term(goal)]

    def body(self, goal, domain: bool) -> list[str]:
        found = []
        for conjunct in _conjuncts(goal):
            if isinstance(conjunct, Term) and conjunct.signature in ((";", 2), ("->", 2)):
                raise _unsupported("a disjunction or if-then-else in a rule body (split the rule)")
            found += self.literal(conjunct, domain)
        return found

    def rule(self, head: Term, goal) -> None:
        lines = self.out.lines
        body = self.body(goal, domain=False)
        domain = self.body(goal, domain=True)
        tail = f" :- {', '.join(body)}." if body else "."
        dom_tail = f" :- {', '.join(domain)}." if domain else "."
        if head.signature == (INCONSISTENT, 0):
            lines.append(f":- {', '.join(body) or '#true'}.")
            return
        if head.signature == (CHOOSE, 1):
            items = _list_items(head.args[0])
            lines.append("{ " + "; ".join(asp_term(a) for a in items) + " }" + tail)
            lines.extend(f"__d({asp_term(a)}){dom_tail}" for a in items)
            return
        lines.append(asp_term(head) + tail)
        lines.append(f"__d({asp_term(head)}){dom_tail}")
        for conjunct in _conjuncts(goal):
            if isinstance(conjunct, Term) and conjunct.functor == CHOICE:
                self.choice(conjunct, [c for c in _conjuncts(goal) if c is not conjunct])
                self.out.heads[(conjunct.args[0], conjunct.args[1])] = (head, conjunct.args[2])

    def choice(self, goal: Term, rest: list) -> None:
        choice_id, index, variables, prob, _ = goal.args
        alternatives = self.out.choices.setdefault(choice_id, {})
        alternatives[index] = self.probability(prob, choice_id, index)
        if index != 0:
            return
        group = self.program_alternatives(choice_id)
        domain = [lit for c in rest for lit in self.literal(c, domain=True)]
        vars_term = _vars_term(variables)
        options = [f"__ch({choice_id},{i},{vars_term})" for i in range(group)]
        options.append(f"__ch({choice_id},none,{vars_term})")
        tail = f" :- {', '.join(domain)}." if domain else "."
        self.out.lines.append("1 { " + "; ".join(options) + " } 1" + tail)

    def program_alternatives(self, choice_id: int) -> int:
        count = 0
        for rules in self.program.rules.values():
            for rule in rules:
                for c in _conjuncts(rule.body):
                    if isinstance(c, Term) and c.functor == CHOICE and c.args[0] == choice_id:
                        count = max(count, c.args[1] + 1)
        return count

    def probability(self, prob, choice_id: int, index: int) -> float:
        if isinstance(prob, (int, float)) and not isinstance(prob, bool):
            return float(prob)
        if isinstance(prob, Term) and prob.functor == "$param":
            return float(self.program.params[(choice_id, index)].initial)
        from nesy.arith import evaluate

        try:
            return float(evaluate(prob, None))
        except Exception:
            raise _unsupported(f"the probability {format_term(prob)}") from None

    def directive(self, head: Term, goal) -> None:
        """query/1 and evidence/1,2 facts."""
        if head.functor == "query":
            atom = head.args[0]
            if goal is None and isinstance(atom, Term) and atom.ground:
                self.out.queries.append(atom)
                return
            self.out.open_queries = True
            domain = self.body(goal, domain=True) + self.literal(atom, domain=True)
            self.out.lines.append(f"__query({asp_term(atom)}) :- {', '.join(domain)}.")
            return
        atom = head.args[0]
        value = True
        if len(head.args) == 2:
            value = head.args[1] == Term("true")
        if goal is not None or not (isinstance(atom, Term) and atom.ground):
            raise _unsupported(f"the evidence {format_term(head)} (ground evidence facts only)")
        self.out.evidence.append((atom, value))


def _vars_term(variables: TermLike) -> str:
    if isinstance(variables, Term) and not variables.args:
        return "__v"
    if isinstance(variables, Term):
        return f"__v({','.join(asp_term(a) for a in variables.args)})"
    return asp_term(variables)


def _list_items(term: TermLike) -> list:
    items = []
    while isinstance(term, Term) and term.functor == "." and len(term.args) == 2:
        items.append(term.args[0])
        term = term.args[1]
    if term != Term("[]"):
        raise _unsupported(f"choose({format_term(term)}): choose/1 takes a list of atoms")
    return items


def program2asp(program: Program) -> Translation:
    """The program's clauses as a clingo program (see the module docstring)."""
    translator = _Translator(program)
    for signature, rules in program.rules.items():
        for rule in rules:
            if signature in (("query", 1), ("evidence", 1), ("evidence", 2)):
                translator.directive(rule.head, rule.body)
            else:
                translator.rule(rule.head, rule.body)
    for alternatives in translator.out.choices.values():
        alternatives["none"] = max(0.0, 1.0 - sum(alternatives.values()))
    return translator.out
