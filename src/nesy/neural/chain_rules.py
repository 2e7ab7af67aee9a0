"""Learnable chain rules over deterministic binary facts, evaluated as tensors.

A *chain rule* is a clause `t(_) :: h(X, Y) :- r1(X, Z1), r2(Z1, Z2), ..., rn(Zn-1, Y).` whose
body relations are defined by ground facts only (certain, probability 1) — what a rule template
over a knowledge graph's relations expands to. In ProbLog's semantics every ground instance of
such a clause (one per binding of X, Y, Z1, ...) has its own independent choice with the clause's
probability w, and the facts are certain, so when `h` is defined by chain rules only,

    P(h(x, y)) = 1 - prod_i (1 - w_i) ** n_i(x, y)

where n_i(x, y) is the number of paths x → y along rule i's relations: entry (x, y) of the
product of the relations' 0/1 adjacency matrices. This module computes exactly that, batched, with
gradients; it is the same number `nesy.query` computes for the program under exact semantics
(tests/test_kg_rules.py checks it), at the cost of matrix products instead of grounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from nesy.errors import NesyError
from nesy.front import Program
from nesy.front.program import CHOICE
from nesy.terms import Term, Var, format_atom


@dataclass(frozen=True)
class ChainRule:
    """One chain clause: its learnable parameter's key, head and body relations in order."""

    key: tuple[int, int]
    head: str
    body: tuple[str, ...]
    initial: float

    def text(self, weight: float | None = None) -> str:
        """The clause in ProbLog syntax, with `weight` (or `t(_)`) as its probability."""
        names = ["X"] + [f"Z{i}" for i in range(1, len(self.body))] + ["Y"]
        goals = ", ".join(f"{format_atom(r)}({a}, {b})"
                          for r, a, b in zip(self.body, names, names[1:], strict=False))
        label = "t(_)" if weight is None else f"{weight:.4f}"
        return f"{label} :: {format_atom(self.head)}(X, Y) :- {goals}."


def _conjuncts(body) -> list:
    """The goals of a conjunction, nested `','/2` flattened, in order."""
    if isinstance(body, Term) and body.functor == "," and len(body.args) == 2:
        return _conjuncts(body.args[0]) + _conjuncts(body.args[1])
    return [body]


def _chain(head: Term, goals: list) -> tuple[str, ...] | None:
    """The body relations when head and goals form a chain X -> ... -> Y of distinct variables."""
    if len(head.args) != 2 or not all(isinstance(a, Var) for a in head.args):
        return None
    x, y = head.args
    if x is y or not goals:
        return None
    current, seen, relations = x, {id(x)}, []
    for index, goal in enumerate(goals):
        if not (isinstance(goal, Term) and len(goal.args) == 2 and goal.args[0] is current
                and isinstance(goal.args[1], Var)):
            return None
        nxt = goal.args[1]
        last = index == len(goals) - 1
        if (nxt is y) != last or (not last and id(nxt) in seen):
            return None
        seen.add(id(nxt))
        relations.append(goal.functor)
        current = nxt
    return tuple(relations)


def chain_rules(program: Program, head: str) -> list[ChainRule]:
    """The learnable chain rules defining `head/2`, in program order. Any other clause for
    `head/2` (a fact, a fixed-probability rule, a non-chain body) is an error: the closed form
    above would not be the program's semantics."""
    found = []
    for rule in program.rules.get((head, 2), []):
        goals = _conjuncts(rule.body) if rule.body is not None else []
        choice = goals[-1] if goals else None
        param = choice.args[3] if isinstance(choice, Term) and choice.functor == CHOICE else None
        relations = _chain(rule.head, goals[:-1]) if param is not None else None
        if (relations is None or not isinstance(param, Term) or param.functor != "$param"
                or tuple(param.args) not in program.params):
            raise NesyError(f"{head}/2: every clause must be a learnable chain rule "
                            f"`t(_) :: {head}(X, Y) :- r1(X, Z), r2(Z, Y).`", rule.span)
        key = tuple(param.args)
        found.append(ChainRule(key, head, relations, program.params[key].initial))
    if not found:
        raise NesyError(f"no learnable rules define {head}/2")
    return found


def facts_of(program: Program, relation: str) -> list[tuple[str, str]]:
    """The ground facts `relation(a, b)` of a relation defined by certain facts only."""
    pairs = []
    for rule in program.rules.get((relation, 2), []):
        if rule.body is not None or not all(isinstance(a, Term) and not a.args
                                            for a in rule.head.args):
            raise NesyError(f"{relation}/2 must be defined by ground facts only to be the body "
                            f"of a chain rule", rule.span)
        pairs.append((rule.head.args[0].functor, rule.head.args[1].functor))
    return list(dict.fromkeys(pairs))


def path_counts(rules: list[ChainRule], facts: dict[str, list[tuple[str, str]]],
                index: dict[str, int]) -> torch.Tensor:
    """`[n_rules, E, E]`: entry (i, x, y) is the number of paths x → y along rule i's body."""
    size = len(index)
    adjacency = {}
    for relation, pairs in facts.items():
        matrix = torch.zeros(size, size, dtype=torch.float64)
        for a, b in pairs:
            matrix[index[a], index[b]] = 1.0
        adjacency[relation] = matrix
    counts = torch.empty(len(rules), size, size, dtype=torch.float64)
    for i, rule in enumerate(rules):
        product = adjacency.get(rule.body[0], torch.zeros(size, size, dtype=torch.float64))
        for relation in rule.body[1:]:
            product = product @ adjacency.get(relation, torch.zeros(size, size,
                                                                    dtype=torch.float64))
        counts[i] = product
    return counts


class ChainRuleModel(torch.nn.Module):
    """The probabilities of chain rules as logits; `log_false(counts)` is log P(not h) for
    queries whose path counts per rule are `counts` `[..., n_rules]`."""

    def __init__(self, rules: list[ChainRule]):
        super().__init__()
        self.rules = list(rules)
        initial = torch.tensor([r.initial for r in rules], dtype=torch.float64)
        initial = initial.clamp(1e-4, 1 - 1e-4)
        self.logits = torch.nn.Parameter(torch.log(initial) - torch.log1p(-initial))

    def weights(self) -> torch.Tensor:
        return torch.sigmoid(self.logits)

    def log_false(self, counts: torch.Tensor) -> torch.Tensor:
        return (counts * torch.nn.functional.logsigmoid(-self.logits)).sum(-1)

    def forward(self, counts: torch.Tensor) -> torch.Tensor:
        """P(h) for each query."""
        return -torch.expm1(self.log_false(counts))

    def log_prob(self, counts: torch.Tensor) -> torch.Tensor:
        """log P(h), stable where P is small (log(1 - exp(s)) for s = log P(not h) <= 0)."""
        s = self.log_false(counts).clamp(max=-1e-12)
        return torch.log(-torch.expm1(s))

    def rule_table(self) -> list[tuple[float, str]]:
        """(weight, clause text) for every rule, highest weight first."""
        weights = self.weights().tolist()
        table = [(w, r.text(w)) for w, r in zip(weights, self.rules, strict=True)]
        return sorted(table, key=lambda item: -item[0])
