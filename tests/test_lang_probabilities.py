"""Learnable probabilities whose start value is an expression: `t(1/4)::f.`

Plain problog inference rejects t(...) ("Unknown function t/1"); its LFI reads the start value
as `float(Term)` (problog/learning/lfi.py `_process_atom`), which is the oracle here.
"""

from __future__ import annotations

import pytest
from problog.program import PrologString

import nesy


@pytest.mark.parametrize("start", ["1/4", "0.5*0.5", "1-0.75", "2**(-2)", "0.25"])
def test_t_start_value_is_evaluated_like_problog_lfi(start):
    text = f"t({start})::f."
    (fact,) = list(PrologString(text))
    expected = float(fact.probability.args[0])
    (spec,) = nesy.parse(text).params.values()
    assert spec.initial == pytest.approx(expected)


def test_t_start_values_in_an_annotated_disjunction():
    program = nesy.parse("t(1/4)::a; t(1/2)::b.")
    assert sorted(s.initial for s in program.params.values()) == [0.25, 0.5]


def test_t_expression_is_used_when_querying():
    assert nesy.query("t(1/4)::f. query(f).").probabilities == pytest.approx({"f": 0.25})


def test_t_start_value_outside_unit_interval_is_an_error():
    with pytest.raises(nesy.NesyError, match="outside"):
        nesy.parse("t(3/2)::f.")
