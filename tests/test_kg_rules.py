"""Rule templates: expansion, lazy (query-directed) grounding, the chain-rule closed form against
the nesy engine, and learning the right rule on a tiny knowledge graph."""

import pytest
import torch

import nesy
from nesy.errors import NesyError
from nesy.ground.engine import ground_queries
from nesy.neural.chain_rules import ChainRuleModel, chain_rules, facts_of, path_counts
from nesy.terms import Term

TEMPLATE = """
:- template((t(_) :: located(X, Y) :- call(P, X, Z), call(Q, Z, Y)),
            [P, Q], [locatedIn, neighborOf]).
"""
KB = """
locatedIn(a, s1). locatedIn(s1, r1). locatedIn(b, s1). locatedIn(c, s2). locatedIn(s2, r2).
neighborOf(d, a). neighborOf(d, b). neighborOf(d, c). neighborOf(a, b). neighborOf(b, a).
"""


def test_template_expands_to_one_learnable_clause_per_assignment():
    program = nesy.parse(TEMPLATE + KB)
    rules = chain_rules(program, "located")
    assert [r.body for r in rules] == [("locatedIn", "locatedIn"), ("locatedIn", "neighborOf"),
                                       ("neighborOf", "locatedIn"), ("neighborOf", "neighborOf")]
    assert len({r.key for r in rules}) == 4 and len(program.params) == 4
    assert rules[2].text(0.25) == "0.2500 :: located(X, Y) :- neighborOf(X, Z1), locatedIn(Z1, Y)."


def test_template_errors_are_clear():
    with pytest.raises(NesyError, match="list of the predicate variables"):
        nesy.parse(":- template((t(_) :: h(X) :- call(P, X)), [p], [q]).")
    with pytest.raises(NesyError, match="relation names"):
        nesy.parse(":- template((t(_) :: h(X) :- call(P, X)), [P], []).")


def test_template_with_a_variable_head_relation():
    program = nesy.parse(":- template((t(_) :: call(H, X, Y) :- call(B, X, Y)), [H, B], [p, q]).")
    assert sorted(program.rules) == [("p", 2), ("q", 2)]
    assert len(program.params) == 4


def test_closed_form_equals_the_engine():
    """P(located(x, y)) = 1 - prod_i (1 - w_i)^paths_i(x, y), as the exact engine computes."""
    weights = [0.7, 0.2, 0.4, 0.9]
    program = nesy.parse(TEMPLATE + KB)
    rules = chain_rules(program, "located")
    text = KB + "\n".join(r.text(w) for r, w in zip(rules, weights, strict=True))
    pairs = [("d", "s1"), ("d", "s2"), ("d", "r1"), ("a", "r1"), ("a", "s1"), ("d", "b"), ("c", "r1")]
    text += "\n" + "\n".join(f"query(located({x}, {y}))." for x, y in pairs)
    engine = nesy.query(text).probabilities
    facts = {r: facts_of(program, r) for r in ("locatedIn", "neighborOf")}
    names = sorted({e for ps in facts.values() for p in ps for e in p})
    index = {e: i for i, e in enumerate(names)}
    counts = path_counts(rules, facts, index)
    assert counts[2, index["d"], index["s1"]] == 2  # d -> a -> s1 and d -> b -> s1
    model = ChainRuleModel(rules)
    with torch.no_grad():
        model.logits.copy_(torch.logit(torch.tensor(weights, dtype=torch.float64)))
        for x, y in pairs:
            tensor = float(model(counts[:, index[x], index[y]]))
            assert tensor == pytest.approx(engine[f"located({x},{y})"], abs=1e-4), (x, y)
    # d reaches s1 through neighbours a and b (two paths of rule 3), s2 through c (one):
    # 1 - 0.6^2 = 0.64 against 0.4; r1 is 3 hops away, beyond these 2-hop rules
    assert engine["located(d,s1)"] == pytest.approx(0.64)
    assert engine["located(d,s2)"] == pytest.approx(0.4)
    assert engine["located(d,r1)"] == 0.0


def test_grounding_is_query_directed():
    """A query grounds only what it needs: a large unrelated part of the KB (and the template
    instances' other heads) adds nothing to the ground program."""
    noise = "\n".join(f"locatedIn(x{i}, y{i}). neighborOf(x{i}, x{i + 1})." for i in range(300))
    sizes = []
    for extra in ("", noise):
        program = nesy.parse(TEMPLATE + KB + extra)
        ground = ground_queries(program, [Term("located", (Term("d"), Term("r1")))], [])
        names = {str(n) for n in ground.names[1:]}
        assert not any("x1" in n or "y1" in n for n in names)
        sizes.append(ground.size)
    assert sizes[0] == sizes[1]
    assert sizes[0] < 30  # d's neighbours' locations and the rule choices, nothing else


def test_the_right_rule_is_learned_with_the_highest_weight():
    """A tiny KG where grandparent = parent ∘ parent exactly; the other three chains over
    {parent, sibling} fire on corruptions too and must end lower."""
    people = [f"p{i}" for i in range(12)]
    parent = [(people[i], people[i + 4]) for i in range(8)]  # p0 -> p4 -> p8, ...
    sibling = [("p0", "p1"), ("p1", "p0"), ("p4", "p5"), ("p5", "p4"), ("p2", "p3"), ("p3", "p2")]
    text = (":- template((t(_) :: grandparent(X, Y) :- call(P, X, Z), call(Q, Z, Y)),"
            " [P, Q], [parent, sibling]).\n"
            + "\n".join(f"parent({a}, {b})." for a, b in parent)
            + "\n" + "\n".join(f"sibling({a}, {b})." for a, b in sibling))
    program = nesy.parse(text)
    rules = chain_rules(program, "grandparent")
    facts = {r: facts_of(program, r) for r in ("parent", "sibling")}
    index = {p: i for i, p in enumerate(people)}
    counts = path_counts(rules, facts, index).permute(1, 2, 0)  # [E, E, rules]
    truth = torch.zeros(len(people), len(people), dtype=torch.float64)
    for i in range(4):
        truth[index[people[i]], index[people[i + 8]]] = 1.0
    torch.manual_seed(0)
    model = ChainRuleModel(rules)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(200):
        loss = -(truth * model.log_prob(counts) + (1 - truth) * model.log_false(counts)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    table = model.rule_table()
    assert table[0][1].endswith(":: grandparent(X, Y) :- parent(X, Z1), parent(Z1, Y).")
    assert table[0][0] > 0.9 and all(w < 0.5 for w, _ in table[1:])


def test_non_chain_clauses_are_refused():
    with pytest.raises(NesyError, match="learnable chain rule"):
        chain_rules(nesy.parse("e(a, b). t(_) :: h(X, Y) :- e(Y, X)."), "h")
    with pytest.raises(NesyError, match="ground facts only"):
        facts_of(nesy.parse("0.5 :: e(a, b)."), "e")
