"""Simplified ground program → ground answer-set program, and its stable models by clingo: what
the `asp` semantics evaluates in a `nesy.Module` (`asp.StableModels`).

Each choice group the roots reach becomes a clingo choice: a lone choice `{c}`, an annotated
disjunction (or a network's output) exactly one of its members or its "none" outcome (left out
where the members are a network's whole domain, whose probabilities sum to 1). Derived atoms
keep their ground bodies (`not` for a negative literal), each root is an atom `r<i>`, and a
constraint root (`inconsistent`, an integrity constraint) is `:- L.`. The stable models are
enumerated once per query shape: they do not depend on the probabilities, so a batch's answers
are one tensor expression over them (`ModelTable`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nesy.errors import InferenceError, LimitError
from nesy.front.program import Program
from nesy.ground.simplify import FALSE, TRUE, Simplified
from nesy.limits import Deadline, Limits
from nesy.solvers.base import Outcomes, full_domain


@dataclass
class GroundAsp:
    """A ground program as clingo text, and how its atoms map back to choice outcomes."""

    text: str
    outcomes: Outcomes
    #: clingo atom name → (group index, outcome index among `outcomes.outcome[group]`)
    outcome_of: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: per group: the outcome a model takes when none of the group's atoms holds (a lone
    #: choice left false), or None when some atom always holds
    default: list[int | None] = field(default_factory=list)
    roots: int = 0


@dataclass
class ModelTable:
    """The stable models of a ground program where some root holds: per model its outcome
    per group (`picks`, columns of the Outcomes' tensor), 1 / the number of stable models of
    its total choice (`share`, NeurASP's division) and which roots hold in it (`holds`)."""

    picks: list[list[int]]
    share: list[float]
    holds: list[list[bool]]


def ground2asp(program: Program, simplified: Simplified, roots: list,
               constraints: list) -> GroundAsp:
    """The ground program below `roots` and `constraints` (literals that no stable model may
    make true) as clingo text."""
    ground = simplified.ground
    literals = [lit for lit in list(roots) + list(constraints) if isinstance(lit, int)]
    derived = simplified.reachable(literals)
    used = {abs(lit) for node in derived for body in simplified.bodies[node] for lit in body
            if abs(lit) in ground.choices}
    used |= {abs(lit) for lit in literals if abs(lit) in ground.choices}
    by_group: dict[tuple, list[int]] = {}
    for node in sorted(used):
        by_group.setdefault(ground.choices[node].group, []).append(node)
    groups = []
    for members in by_group.values():
        members.sort(key=lambda n: ground.choices[n].index)
        groups.append((members, len(members) > 1 and not full_domain(program, ground, members)))
    outcomes = Outcomes(groups)
    lines: list[str] = []
    asp = GroundAsp("", outcomes)

    def atom(lit: int) -> str:
        node = abs(lit)
        name = f"c{node}" if node in ground.choices else f"a{node}"
        return name if lit > 0 else f"not {name}"

    for g, (members, has_none) in enumerate(groups):
        names = [f"c{n}" for n in members]
        for k, name in enumerate(names):
            asp.outcome_of[name] = (g, k)
        if len(members) == 1:
            lines.append(f"{{ {names[0]} }}.")
            asp.default.append(1)  # not chosen: the lone choice is false
            continue
        if has_none:
            names.append(f"o{g}")
            asp.outcome_of[f"o{g}"] = (g, len(members))
        lines.append("1 { " + "; ".join(names) + " } 1.")
        asp.default.append(None)
    for node in derived:
        for body in simplified.bodies[node]:
            tail = f" :- {', '.join(atom(lit) for lit in body)}." if body else "."
            lines.append(f"a{node}{tail}")
    for i, lit in enumerate(roots):
        if lit == TRUE:
            lines.append(f"r{i}.")
        elif lit != FALSE:
            lines.append(f"r{i} :- {atom(lit)}.")
    for lit in constraints:
        if lit == TRUE:
            lines.append(":- #true.")
        elif lit != FALSE:
            lines.append(f":- {atom(lit)}.")
    lines += [f"#show {name}/0." for name in asp.outcome_of]
    lines += [f"#show r{i}/0." for i in range(len(roots))]
    asp.text = "\n".join(lines) + "\n"
    asp.roots = len(roots)
    return asp


def stable_models(asp: GroundAsp, limits: Limits) -> ModelTable:
    """Every stable model, counted per total choice, kept where some root holds; more than
    `limits.max_models` models is a LimitError."""
    from nesy.solvers.base import require

    clingo = require("clingo", "clingo", "asp")
    deadline = Deadline(limits)
    messages: list[str] = []
    control = clingo.Control(["0", "--warn=none"],
                             logger=lambda _, text: messages.append(text.strip()))
    try:
        control.add("base", [], asp.text)
        control.ground([("base", [])])
    except RuntimeError:
        raise InferenceError("clingo could not ground the ground program: "
                             + " / ".join(messages[:3])) from None
    found = []  # (outcome per group, roots that hold)
    with control.solve(yield_=True) as handle:
        for model in handle:
            deadline.check("answer-set enumeration")
            if len(found) >= limits.max_models:
                raise LimitError("too many stable models to enumerate", "max_models",
                                 limits.max_models)
            picks = list(asp.default)
            holds = [False] * asp.roots
            for symbol in model.symbols(shown=True):
                name = symbol.name
                if name[0] == "r":
                    holds[int(name[1:])] = True
                else:
                    group, k = asp.outcome_of[name]
                    picks[group] = k
            found.append((tuple(picks), holds))
    per_choice: dict[tuple, int] = {}
    for picks, _ in found:
        per_choice[picks] = per_choice.get(picks, 0) + 1
    table = ModelTable([], [], [])
    outcome = asp.outcomes.outcome
    for picks, holds in found:
        if not any(holds):
            continue
        table.picks.append([outcome[g][k] for g, k in enumerate(picks)])
        table.share.append(1.0 / per_choice[picks])
        table.holds.append(holds)
    return table
