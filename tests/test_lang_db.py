"""library(db): csv_load/2 and sqlite_load/1 against problog 2.3 on the same files
(tests/programs/lang_db.pl is the corpus program), and their errors."""

from __future__ import annotations

import sqlite3
import warnings
from pathlib import Path

import pytest

import nesy
from nesy.errors import GroundingError

problog = pytest.importorskip("problog")

LIB = ":- use_module(library(db)).\n"


def _problog(path: Path) -> dict[str, float]:
    from problog import get_evaluatable
    from problog.program import PrologFile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = get_evaluatable().create_from(PrologFile(str(path))).evaluate()
    return {str(t): float(p) for t, p in result.items()}


def _shop(directory: Path) -> None:
    connection = sqlite3.connect(directory / "shop.sqlite")
    connection.execute("CREATE TABLE item(name TEXT, price REAL, qty INTEGER)")
    connection.executemany("INSERT INTO item VALUES (?, ?, ?)",
                           [("Green apple", 0.5, 3), ("Big pear", 1.25, 0), ("Red fig", 2, 1)])
    connection.execute("CREATE TABLE empty(a TEXT)")
    connection.commit()
    connection.close()


def test_sqlite_load_defines_one_predicate_per_table(tmp_path):
    _shop(tmp_path)
    program = tmp_path / "shop.pl"
    program.write_text(LIB + ":- sqlite_load('shop.sqlite').\n"
                       "0.5::wanted(N) :- item(N, P, Q), Q > 0, P < 1.0.\n"
                       "none :- \\+ empty(_).\n"
                       "query(item(_, _, _)). query(wanted(_)). query(item(_, 1.25, _)).\n"
                       "query(none).\n")
    expected = _problog(program)
    assert expected["item('Red fig',2.0,1)"] == 1.0  # REAL column: 2 is a float
    assert nesy.query(nesy.load(program)).probabilities == pytest.approx(expected)


def test_a_program_given_as_text_resolves_against_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "t.csv").write_text("a,b\n1,x\n2,y\n")
    monkeypatch.chdir(tmp_path)
    result = nesy.query(LIB + ":- csv_load('t.csv', t).\nquery(t(_, _)).").probabilities
    assert result == {"t(1,x)": 1.0, "t(2,y)": 1.0}


def test_csv_load_inside_a_rule(tmp_path):
    (tmp_path / "t.csv").write_text("a\n1\n2\n")
    program = tmp_path / "p.pl"
    program.write_text(LIB + "q(X) :- csv_load('t.csv', t), t(X).\nquery(q(_)).\n")
    assert nesy.query(nesy.load(program)).probabilities == _problog(program)


def test_a_missing_file_is_an_error_at_the_directive(tmp_path):
    program = tmp_path / "p.pl"
    program.write_text(LIB + "\n:- csv_load('nope.csv', t).\nquery(t(_)).\n")
    with pytest.raises(GroundingError, match="cannot find the CSV file 'nope.csv'") as info:
        nesy.query(nesy.load(program))
    assert info.value.span.line == 3


def test_a_missing_database_is_an_error(tmp_path):
    program = tmp_path / "p.pl"
    program.write_text(LIB + ":- sqlite_load('nope.sqlite').\nquery(t(_)).\n")
    with pytest.raises(GroundingError, match="cannot find the SQLite database"):
        nesy.query(nesy.load(program))


def test_a_value_of_another_type_names_its_line(tmp_path):
    (tmp_path / "t.csv").write_text("a,b\n1,x\n2.5,y\n")
    program = tmp_path / "p.pl"
    program.write_text(LIB + ":- csv_load('t.csv', t).\nquery(t(_, _)).\n")
    with pytest.raises(GroundingError, match=r"t.csv:3: expected type int, found value '2.5'"):
        nesy.query(nesy.load(program))


def test_a_row_of_the_wrong_length_is_an_error(tmp_path):
    (tmp_path / "t.csv").write_text("a,b\n1,x\n2\n")
    program = tmp_path / "p.pl"
    program.write_text(LIB + ":- csv_load('t.csv', t).\nquery(t(_, _)).\n")
    with pytest.raises(GroundingError, match="t.csv:3: 1 values for the 2 columns"):
        nesy.query(nesy.load(program))


def test_null_has_no_term(tmp_path):
    connection = sqlite3.connect(tmp_path / "n.sqlite")
    connection.execute("CREATE TABLE t(a TEXT)")
    connection.execute("INSERT INTO t VALUES (NULL)")
    connection.commit()
    connection.close()
    program = tmp_path / "p.pl"
    program.write_text(LIB + ":- sqlite_load('n.sqlite').\nquery(t(_)).\n")
    with pytest.raises(GroundingError, match="NULL"):
        nesy.query(nesy.load(program))


def test_the_library_must_be_loaded(tmp_path):
    (tmp_path / "t.csv").write_text("a\n1\n")
    program = tmp_path / "p.pl"
    program.write_text(":- csv_load('t.csv', t).\nquery(t(_)).\n")
    with pytest.raises(GroundingError, match=r"use_module\(library\(db\)\)"):
        nesy.query(nesy.load(program))


def test_text_values_unify_with_the_programs_atoms(tmp_path):
    # a documented difference: ProbLog 2.3 reads text as quoted atoms ('x') that match x in a
    # call of the table but not as the argument of another predicate; nesy has one atom x
    (tmp_path / "t.csv").write_text("a\nx\n")
    program = tmp_path / "p.pl"
    program.write_text(LIB + ":- csv_load('t.csv', t).\n0.4::likes(x).\nq :- t(X), likes(X).\n"
                       "r :- t(x).\nquery(q). query(r).\n")
    assert nesy.query(nesy.load(program)).probabilities == {"q": 0.4, "r": 1.0}
    assert _problog(program) == {"q": 0.0, "r": 1.0}
