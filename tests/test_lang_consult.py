"""`consult/1`, `use_module/1` of Prolog files and `:- unknown(fail).`, checked against problog."""

from __future__ import annotations

from pathlib import Path

import pytest
from problog import get_evaluatable
from problog.program import PrologFile

import nesy
from nesy.errors import NesyError


def problog(path: Path) -> dict[str, float]:
    result = get_evaluatable().create_from(PrologFile(str(path))).evaluate()
    return {str(t): float(p) for t, p in result.items()}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path, {
        # lib.pl and other.pl consult each other: each is read once
        "sub/lib.pl": "0.4::edge(a,b).\n:- consult(other).\n",
        "sub/other.pl": "0.5::edge(b,c).\n:- consult(lib).\n",
        "main.pl": (":- consult('sub/lib.pl').\n"
                    "path(X,Y) :- edge(X,Y).\n"
                    "path(X,Y) :- edge(X,Z), path(Z,Y).\n"
                    "query(path(a,c)).\nquery(edge(b,c)).\n"),
        "module.pl": ":- use_module(sub/lib).\nquery(edge(a,b)).\n",
        "quoted.pl": ":- use_module('sub/other.pl').\nquery(edge(a,b)).\n",
    })
    return tmp_path


@pytest.mark.parametrize("name", ["main.pl", "module.pl", "quoted.pl"])
def test_consulted_files_match_problog(project: Path, name: str):
    path = project / name
    got = nesy.query(nesy.load(path)).probabilities
    assert got == pytest.approx(problog(path))


def test_consult_is_relative_to_the_consulting_file(project: Path, monkeypatch):
    monkeypatch.chdir(project / "sub")  # not where main.pl is
    got = nesy.query(nesy.load(project / "main.pl")).probabilities
    assert got == pytest.approx({"path(a,c)": 0.2, "edge(b,c)": 0.5})


def test_consult_of_a_text_program_is_relative_to_the_current_directory(project, monkeypatch):
    monkeypatch.chdir(project)
    got = nesy.query(":- consult('sub/other').\nquery(edge(b,c)).").probabilities
    assert got == pytest.approx({"edge(b,c)": 0.5})


def test_missing_file_is_a_clean_error(tmp_path: Path):
    write(tmp_path, {"main.pl": "a.\n:- consult(nothere).\nquery(a).\n"})
    with pytest.raises(NesyError, match="file not found 'nothere'") as info:
        nesy.load(tmp_path / "main.pl")
    assert info.value.span.line == 2


def test_syntax_error_in_a_consulted_file_names_that_file(tmp_path: Path):
    write(tmp_path, {"bad.pl": "a :- .\n", "main.pl": ":- consult(bad).\n"})
    with pytest.raises(NesyError) as info:
        nesy.load(tmp_path / "main.pl")
    assert info.value.span.source.name.endswith("bad.pl")


def test_python_modules_are_not_loaded(tmp_path: Path):
    write(tmp_path, {"ext.py": "raise SystemExit('must not run')\n",
                     "main.pl": ":- use_module(ext).\n"})
    with pytest.raises(NesyError, match="loads Python code, which runs only when you allow it"):
        nesy.load(tmp_path / "main.pl")


def test_unknown_fail(tmp_path: Path):
    write(tmp_path, {"main.pl": ":- unknown(fail).\n0.5::a.\nb :- a, c.\nb :- a.\n"
                                "query(b).\nquery(zz).\n"})
    path = tmp_path / "main.pl"
    assert nesy.query(nesy.load(path)).probabilities == pytest.approx(problog(path))


def test_unknown_predicates_are_errors_by_default():
    with pytest.raises(NesyError, match="unknown predicate c/0"):
        nesy.query("0.5::a.\nb :- a, c.\nquery(b).")


def test_unknown_mode_must_be_fail_or_error():
    with pytest.raises(NesyError, match="fail or error"):
        nesy.parse(":- unknown(warning).")
