"""Head aggregates (library(aggregate)) and library(collect)'s `=>`, beyond the corpus program
tests/programs/aggregates_head.pl (whose answers problog computed)."""

from __future__ import annotations

import pytest

import nesy
from nesy.errors import NesyError

ITEMS = "item(pen, office). item(ink, office). item(mug, kitchen). 0.5::item(cup, kitchen).\n"


def answers(text: str) -> dict[str, float]:
    return nesy.query(text).probabilities


def test_count_aggregate_is_a_distribution_over_counts():
    got = answers(ITEMS + "n(Room, count<I>) :- item(I, Room). query(n(_, _)).")
    assert got == pytest.approx({"n(office,2)": 1.0, "n(kitchen,1)": 0.5, "n(kitchen,2)": 0.5})


def test_aggregate_in_a_scoped_head():
    got = answers(ITEMS + "s:n(count<I>) :- item(I, office). query(s:n(_)).")
    assert got == pytest.approx({"s:n(2)": 1.0})


@pytest.mark.parametrize("text", [
    "p(X) :- X = sum<Y>, q(Y). q(1). query(p(_)).",
    "0.5::p(sum<Y>) :- q(Y). q(1). query(p(_)).",
    "p(sum<X>, max<Y>) :- q(X, Y). q(1, 2). query(p(_, _)).",
])
def test_misplaced_aggregates_are_errors_with_a_location(text):
    with pytest.raises(NesyError) as info:
        nesy.parse(text)
    assert "head aggregate" in info.value.render() or "one aggregate" in info.value.render()
    assert "<string>:1:" in info.value.render()


def test_comparison_with_spaces_is_not_an_aggregate():
    assert answers("sum(3). p :- sum(X), X < 4. q :- count < 5. query(p).") == {"p": 1.0}


def test_collect_with_a_program_collector():
    text = ITEMS + ("collect_n(Goal, Group, _, N) :- aggregate(count, x, Group, Goal, (Group, N)).\n"
                    "rooms(R, N) :- item(_, R) => R/n(_, N). query(rooms(_, _)).")
    assert answers(text) == pytest.approx(
        {"rooms(office,2)": 1.0, "rooms(kitchen,1)": 0.5, "rooms(kitchen,2)": 0.5})


def test_collect_list_groups_values():
    # problog 2.3's own collect_list/4 fails (its enum_groups/3 is not loaded); ours groups
    text = ITEMS + "names(R, L) :- item(I, R) => R/list(I, L). query(names(_, _))."
    assert answers(text) == pytest.approx({"names(office,[pen, ink])": 1.0,
                                           "names(kitchen,[mug])": 0.5,
                                           "names(kitchen,[mug, cup])": 0.5})
