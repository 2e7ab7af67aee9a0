"""Program families for the exact-inference benchmark that nesy's compile strategy was not
tuned on, generated from fixed seeds so every run measures the same programs.

- ``bn``: Bayesian networks of 2- and 3-valued variables written as annotated disjunctions
  (one rule per row of each conditional probability table), with evidence;
- ``graph``: reachability in random probabilistic digraphs (cycles allowed) with evidence on
  edges and on a path;
- ``hmm``: a 3-state hidden Markov model unrolled over T steps, every output observed;
- ``tutorial``: ProbLog-tutorial-style programs: dice with an observed parity, the alarm
  network with n neighbours, a noisy-lexicon grammar over a sentence given as a list.

Every generator returns ProbLog text that problog 2.3.0 accepts; all evidence has positive
probability (every table entry is positive; the graphs' negative evidence is off a spine of
edges that keeps the observed path possible).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable


def _percentages(rng: random.Random, k: int) -> list[int]:
    """k positive whole percentages (each at least 5) that sum to exactly 100."""
    cuts = sorted(rng.sample(range(1, 100 - 5 * k + k), k - 1))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 100 - 5 * k + k], strict=True)]
    return [p + 4 for p in parts]


def _ad(percentages: list[int], heads: list[str]) -> str:
    return "; ".join(f"{p / 100:g}::{head}"
                     for p, head in zip(percentages, heads, strict=True))


def bayesian_network(n: int, seed: int = 1) -> str:
    """n variables x(I,V), each with one or two parents among the 5 before it; two observations
    (one value seen, one value ruled out); queries: the last variable and one in the middle."""
    rng = random.Random(f"bn-{seed}-{n}")
    values = [("a", "b", "c")[: rng.choice((2, 3))] for _ in range(n)]
    lines = []
    for i in range(n):
        window = list(range(max(0, i - 5), i))
        parents = sorted(rng.sample(window, min(len(window), rng.randint(1, 2))))
        heads = [f"x({i},{v})" for v in values[i]]
        rows = itertools.product(*(values[p] for p in parents))
        for row in rows:
            body = ", ".join(f"x({p},{v})" for p, v in zip(parents, row, strict=True))
            rule = _ad(_percentages(rng, len(heads)), heads)
            lines.append(f"{rule} :- {body}." if body else f"{rule}.")
    seen, ruled_out = n // 3, (2 * n) // 3
    lines += [
        f"evidence(x({seen},{rng.choice(values[seen])}), true).",
        f"evidence(x({ruled_out},{rng.choice(values[ruled_out])}), false).",
    ]
    lines += [f"query(x({n - 1},{v}))." for v in values[n - 1]]
    lines.append(f"query(x({n // 2},{values[n // 2][0]})).")
    return "\n".join(lines) + "\n"


def probabilistic_graph(n: int, seed: int = 1) -> str:
    """Reachability over 2n random probabilistic edges among n nodes (a spine 0->1->...->n-1
    among them), one edge observed present, one off the spine observed absent, and a path
    observed; queries: reaching the last node, and getting back to 0 from the middle."""
    rng = random.Random(f"graph-{seed}-{n}")
    spine = {(a, a + 1) for a in range(n - 1)}
    edges = set(spine)
    while len(edges) < 2 * n:
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            edges.add((a, b))
    ordered = sorted(edges)
    lines = [f"0.{rng.randint(2, 8)}::edge({a},{b})." for a, b in ordered]
    absent = rng.choice(sorted(edges - spine))
    present = rng.choice(sorted(edges - {absent}))
    lines += [
        "path(X,Y) :- edge(X,Y).",
        "path(X,Y) :- edge(X,Z), path(Z,Y).",
        f"evidence(edge({present[0]},{present[1]}), true).",
        f"evidence(edge({absent[0]},{absent[1]}), false).",
        f"evidence(path(0,{n // 2}), true).",
        f"query(path(0,{n - 1})).",
        f"query(path({n // 2},0)).",
    ]
    return "\n".join(lines) + "\n"


HMM_STATES = ("s1", "s2", "s3")
HMM_TRANSITIONS = {"s1": (60, 30, 10), "s2": (20, 50, 30), "s3": (25, 25, 50)}
HMM_EMISSIONS = {"s1": (80, 20), "s2": (40, 60), "s3": (10, 90)}


def hmm_outputs(steps: int, seed: int = 1) -> list[str]:
    """The outputs `hidden_markov_model(steps, seed)` observes, one per step."""
    rng = random.Random(f"hmm-{seed}")
    return [rng.choice("ab") for _ in range(steps)]


def hidden_markov_model(steps: int, seed: int = 1) -> str:
    """A 3-state HMM over `steps` steps (transitions and emissions are annotated disjunctions
    with a time argument), every output observed; queries: the last state and a middle one."""
    lines = [f"step({t})." for t in range(steps - 1)]
    lines.append(_ad([50, 30, 20], [f"state(0,{s})" for s in HMM_STATES]) + ".")
    for s in HMM_STATES:
        heads = [f"state(T1,{s1})" for s1 in HMM_STATES]
        lines.append(f"{_ad(list(HMM_TRANSITIONS[s]), heads)} :- "
                     f"step(T), state(T,{s}), T1 is T + 1.")
        outputs = [f"emit(T,{o})" for o in ("a", "b")]
        lines.append(f"{_ad(list(HMM_EMISSIONS[s]), outputs)} :- state(T,{s}).")
    lines += [f"evidence(emit({t},{o}), true)." for t, o in enumerate(hmm_outputs(steps, seed))]
    lines += [f"query(state({steps - 1},{s}))." for s in HMM_STATES]
    lines.append(f"query(state({steps // 2},s2)).")
    return "\n".join(lines) + "\n"


def dice(n: int) -> str:
    """n fair dice; the total is observed even; queries: a high total, and some die showing 6."""
    faces = range(1, 7)
    lines = ["; ".join(f"1/6::die({d},{f})" for f in faces) + "." for d in range(n)]
    lines += [
        "total(0, 0).",
        f"total(D, S) :- between(1, {n}, D), D0 is D - 1, total(D0, S0), die(D0, F), "
        "S is S0 + F.",
        f"even :- total({n}, S), S mod 2 =:= 0.",
        f"high :- total({n}, S), S >= {4 * n}.",
        "some_six :- die(_, 6).",
        "evidence(even, true).",
        "query(high).",
        "query(some_six).",
    ]
    return "\n".join(lines) + "\n"


def alarm(n: int) -> str:
    """The alarm network with n neighbours who may call; one observed calling, one not."""
    lines = [
        "0.1::burglary.",
        "0.2::earthquake.",
        "0.9::alarm :- burglary, earthquake.",
        "0.8::alarm :- burglary, \\+earthquake.",
        "0.1::alarm :- \\+burglary, earthquake.",
    ]
    lines += [f"person(p{i})." for i in range(n)]
    lines += [
        "0.8::calls(X) :- alarm, person(X).",
        "0.1::calls(X) :- \\+alarm, person(X).",
        "evidence(calls(p0), true).",
        "evidence(calls(p1), false).",
        "query(burglary).",
        "query(earthquake).",
        "query(alarm).",
    ]
    return "\n".join(lines) + "\n"


LEXICON = {
    "the": (("det", 90), ("n", 5)),
    "dog": (("n", 70), ("v", 30)),
    "saw": (("v", 60), ("n", 40)),
    "cat": (("n", 80), ("v", 20)),
    "with": (("p", 85), ("n", 10)),
    "park": (("n", 60), ("v", 40)),
}
SENTENCE = ("the", "dog", "saw", "the", "cat", "with", "the", "park")


def grammar(length: int) -> str:
    """A sentence of `length` words (a list), each word's category an annotated disjunction;
    the first word observed not to be a noun; query: the sentence parses."""
    words = [SENTENCE[i % len(SENTENCE)] for i in range(length)]
    lines = []
    for word, options in LEXICON.items():
        heads = [f"cat(w(I,{word}),{c})" for c, _ in options]
        lines.append(f"{_ad([p for _, p in options], heads)} :- token(I,{word}).")
    lines += [f"token({i},{w})." for i, w in enumerate(words)]
    sentence = "[" + ",".join(f"w({i},{w})" for i, w in enumerate(words)) + "]"
    lines += [
        f"sentence({sentence}).",
        "np([W|R], R) :- cat(W, n).",
        "np([W1,W2|R], R) :- cat(W1, det), cat(W2, n).",
        "np(L, R) :- np_base(L, R1), pp(R1, R).",
        "np_base([W|R], R) :- cat(W, n).",
        "np_base([W1,W2|R], R) :- cat(W1, det), cat(W2, n).",
        "pp([W|R], R2) :- cat(W, p), np(R, R2).",
        "vp([W|R], R) :- cat(W, v).",
        "vp([W|R], R2) :- cat(W, v), np(R, R2).",
        "s(L) :- np(L, R), vp(R, []).",
        "parses :- sentence(L), s(L).",
        "first_is_noun :- sentence([W|_]), cat(W, n).",
        "evidence(first_is_noun, false).",
        "query(parses).",
    ]
    return "\n".join(lines) + "\n"


#: family -> [(program name, size, generator)]; sizes grow, so a family is abandoned by a
#: system once that system times out on it
FAMILIES: dict[str, list[tuple[str, int, Callable[[int], str]]]] = {
    "bn": [(f"bn_{n}", n, bayesian_network) for n in (6, 8, 10, 12, 14, 16, 18, 20)],
    "graph": [(f"graph_{n}", n, probabilistic_graph) for n in (10, 15, 20, 25, 30, 35, 40)],
    "hmm": [(f"hmm_{t}", t, hidden_markov_model) for t in range(3, 11)],
    "tutorial": [
        *((f"dice_{n}", n, dice) for n in (2, 3, 4, 5)),
        *((f"alarm_{n}", n, alarm) for n in (2, 5, 10)),
        *((f"grammar_{n}", n, grammar) for n in (4, 8, 12)),
    ],
}
