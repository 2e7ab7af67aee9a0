"""Python predicates (`:- use_module('lib.py').`): refused unless allowed, then called with
their modes, in nesy's own decorator and ProbLog's."""

from __future__ import annotations

import pytest

import nesy
from nesy.cli import main
from nesy.errors import CheckError, EvaluationError

NESY_LIB = '''
from nesy.extern import export, export_nondet

@export("+str", "+str", "-str")
def join(a, b):
    return a + b

@export("+int", "+int", "-int", "-int")
def sum_product(a, b):
    return a + b, a * b

@export_nondet("+int", "+int", "-int")
def upto(low, high):
    return list(range(low, high + 1))

@export("+list", "-int")
def size(items):
    return len(items)

@export("+int", "-int")
def broken(x):
    return 1 // (x - x)

@export("+int", "-int")
def only_small(x):
    return x if x < 3 else None
'''

PROBLOG_LIB = '''
from problog.extern import problog_export

@problog_export("+int", "+int", "-int")
def int_plus(a, b):
    return a + b
'''


@pytest.fixture
def lib(tmp_path):
    (tmp_path / "lib.py").write_text(NESY_LIB)
    (tmp_path / "plib.py").write_text(PROBLOG_LIB)
    return tmp_path


def run(lib, body: str, **kwargs) -> dict:
    path = lib / "main.pl"
    path.write_text(":- use_module('lib.py').\n:- use_module(plib).\n" + body)
    return nesy.query(nesy.load(path, allow_python=True), **kwargs).probabilities


def test_python_is_refused_without_the_opt_in(lib, capsys):
    path = lib / "main.pl"
    path.write_text(":- use_module('lib.py').\nquery(join(a, b, _)).\n")
    with pytest.raises(CheckError, match="allow_python=True"):
        nesy.load(path)
    assert main(["query", str(path)]) == 1
    err = capsys.readouterr().err
    assert "main.pl:1:1" in err and "--allow-python" in err and "Traceback" not in err


def test_exported_predicates_answer(lib):
    got = run(lib, "0.3::c.\nq(X) :- c, join(ab, \"cd\", X).\nquery(q(_)).\n"
                   "query(sum_product(2, 5, _, _)).\nquery(upto(1, 3, _)).\n"
                   "query(size([a, b, c], _)).\nquery(int_plus(1, 2, _)).\n"
                   "s(X) :- member(X, [1, 5]), only_small(X, _).\nquery(s(_)).\n")
    assert got == pytest.approx({"q(abcd)": 0.3, "sum_product(2,5,7,10)": 1.0,
                                 "upto(1,3,1)": 1.0, "upto(1,3,2)": 1.0, "upto(1,3,3)": 1.0,
                                 "size([a, b, c],3)": 1.0, "int_plus(1,2,3)": 1.0,
                                 "s(1)": 1.0})


def test_the_cli_allows_python_when_asked(lib, capsys):
    path = lib / "main.pl"
    path.write_text(":- use_module('lib.py').\nquery(join(a, b, _)).\n")
    assert main(["query", str(path), "--allow-python"]) == 0
    assert "join(a,b,ab):\t1" in capsys.readouterr().out


@pytest.mark.parametrize("goal, message", [
    ("broken(1, _)", "raised ZeroDivisionError"),
    ("join(f(x), b, _)", r"argument 1 \(\+str\) is not an atom or a string"),
    ("sum_product(_, 1, _, _)", r"argument 1 \(\+int\) is unbound"),
])
def test_python_failures_are_located_errors(lib, goal, message):
    with pytest.raises(EvaluationError, match=message) as info:
        run(lib, f"q :- {goal}.\nquery(q).\n")
    assert "main.pl:" in info.value.render()


def test_a_module_that_fails_to_load_is_a_check_error(tmp_path):
    (tmp_path / "bad.py").write_text("raise RuntimeError('no')\n")
    (tmp_path / "main.pl").write_text(":- use_module('bad.py').\n")
    with pytest.raises(CheckError, match="raised RuntimeError: no"):
        nesy.load(tmp_path / "main.pl", allow_python=True)
