"""A corpus of bad inputs, through the Python API and the CLI: each must end in the right
NesyError subclass (or argparse's usage error for bad flags), with file:line:col where the
error has a place in the program, and never a traceback, a crash or a hang."""

from __future__ import annotations

import re

import pytest

import nesy
from nesy.cli import main
from nesy.errors import (
    CheckError,
    EvaluationError,
    GroundingError,
    InferenceError,
    LimitError,
    MultipleErrors,
    NesyError,
    ParseError,
)

LOCATED = re.compile(r"(<string>|\.pl):\d+:\d+: ")

# (program, error class, located): syntax errors of every kind
SYNTAX = [
    "a", "a :- .", "a :- b", "p(.", "p(a,).", "p(a b).", "::a.", "0.5:: .", "a :- b,, c.",
    "p([1,2).", "p([1,2|]).", "p([|]).", "p('abc).", 'p("abc).', "/* open comment\na.",
    "p(X) :- X is .", "a :- b ; .", "f(", "f).", ").", "p(a)).", "p((a).", "1.", "X.",
    "a :- b :- c.", "a. b", "p(a,,b).", "p(a;).", "p :- q(.", ":- .", "a :- (b.", "a :- b).",
    "0.5::a :- .", "0.5::a; ::b.", "0.5::a;.", "nn(m, [X], Y, [a,b]) :: .", "p(X) :- X = [a|b|c].",
    "p(\"unterminated\n).", "a :- b -> .", "p(0'.", "p(0x).", "p(1e).",
    "a.\nb :- c\nd.", "a :- b.\n\nc :- ,d.", "p(a) q(b).", "1.5e3::a :- b", "é :- .",
    "{a.", "p({).", "a :- b | c.", "p(a) :- [.",
]
SYNTAX_CASES = [(text, (ParseError, MultipleErrors), True) for text in SYNTAX]

# programs that parse but are wrong: checking, grounding and evaluation errors
ERR = (CheckError, GroundingError, EvaluationError, InferenceError, ParseError, MultipleErrors)
PROGRAM_CASES = [
    # unknown predicates and wrong arities
    ("query(foo).", GroundingError, True),
    ("a :- b. query(a).", GroundingError, True),
    ("p(a). query(p(a,b)).", GroundingError, True),
    ("p(a,b). query(p(a)).", GroundingError, True),
    ("p(a). q :- p(a, b). query(q).", GroundingError, True),
    ("p(a). q :- \\+ r. query(q).", GroundingError, True),
    ("p(a). q :- call(r, 1). query(q).", GroundingError, True),
    ("0.5::a. query(b).", GroundingError, True),
    ("query(X).", CheckError, True),
    ("query(1).", CheckError, True),
    ("query(\"s\").", CheckError, True),
    ("query(\\+ X).", CheckError, True),
    ("p(1). query(X) :- member(X, [p(1), 3]).", GroundingError, True),
    ("evidence(a, maybe). a. query(a).", ERR, True),
    ("evidence(X). a. query(a).", CheckError, True),
    ("evidence(X, true). a. query(a).", CheckError, True),
    # non-ground probabilistic clauses
    ("0.5::p(X) :- true. query(p(_)).", GroundingError, True),
    ("0.5::p(X, Y) :- q(X). q(a). query(p(_, _)).", GroundingError, True),
    ("0.3::a(X); 0.3::b(X). query(a(_)).", GroundingError, True),
    # bad probabilities
    ("1.5::a. query(a).", ERR, True),
    ("-0.1::a. query(a).", ERR, True),
    ("abc::a. query(a).", ERR, True),
    ("p(X) :- X::a. query(p(1)).", ERR, True),
    ("0.6::a; 0.6::b. query(a).", ERR, True),
    ("2/1::a. query(a).", ERR, True),
    ("t(2)::a. query(a).", ERR, True),
    ("t(a)::a. query(a).", ERR, True),
    ("inf::a. query(a).", ERR, True),
    ("nan::a. query(a).", ERR, True),
    ("1/0::a. query(a).", ERR, True),
    ("P::a :- P is 2. query(a).", ERR, True),
    # instantiation and type errors in arithmetic, division by zero
    ("p(X) :- X is Y + 1. query(p(_)).", EvaluationError, True),
    ("p(X) :- X is a + 1. query(p(_)).", EvaluationError, True),
    ("p(X) :- X is 1 / 0. query(p(_)).", EvaluationError, True),
    ("p(X) :- X is 1 // 0. query(p(_)).", EvaluationError, True),
    ("p(X) :- X is 1 mod 0. query(p(_)).", EvaluationError, True),
    ("p(X) :- X is 1.0 / 0. query(p(_)).", EvaluationError, True),
    ("p(X) :- X is inf - inf. query(p(_)).", EvaluationError, True),
    ("p(X) :- X is 0 * inf. query(p(_)).", EvaluationError, True),
    ("p(X) :- X is 1.5 // 0. query(p(_)).", EvaluationError, True),
    ("p(X) :- X is foo(1). query(p(_)).", EvaluationError, True),
    ("p(X) :- X is \"abc\" + 1. query(p(_)).", EvaluationError, True),
    ("p(X) :- X is [1,2] + 1. query(p(_)).", EvaluationError, True),
    ("p :- 1 < a. query(p).", EvaluationError, True),
    ("p :- X < 1. query(p).", EvaluationError, True),
    ("p :- 1 =:= Y. query(p).", EvaluationError, True),
    ("p(X) :- X is log(0). query(p(_)).", EvaluationError, True),
    ("p(X) :- X is sqrt(-1). query(p(_)).", EvaluationError, True),
    ("p(X) :- X is 10.0 ** 400. query(p(_)).", EvaluationError, True),
    ("p(X) :- X is 1 << -1. query(p(_)).", EvaluationError, True),
    ("p(X) :- X is f(a). query(p(_)).", EvaluationError, True),
    ("p(X) :- between(1, a, X). query(p(_)).", EvaluationError, True),
    ("p(X) :- between(Y, 3, X). query(p(_)).", EvaluationError, True),
    ("p(X) :- length(X, a). query(p(_)).", ERR, True),
    ("p :- X. query(p).", EvaluationError, True),  # located at its clause
    ("q(X) :- X. query(q(_)).", EvaluationError, True),
    ("q(X) :- X. r :- q(_). query(r).", EvaluationError, True),
    ("p :- call(1). query(p).", EvaluationError, True),
    ("p :- call(X). query(p).", EvaluationError, True),
    # cyclic negation
    ("a :- \\+ a. query(a).", CheckError, True),
    ("a :- \\+ b. b :- \\+ a. query(a).", CheckError, True),
    ("0.5::c. a :- c, \\+ a. query(a).", CheckError, True),
    ("p(X) :- \\+ p(X). query(p(1)).", CheckError, True),
    # evidence that cannot hold
    ("0.5::a. evidence(a, true). evidence(a, false). query(a).", InferenceError, False),
    ("a :- fail. evidence(a). query(a).", InferenceError, False),
    # deterministic failure to terminate: limits
    ("p(X) :- p(f(X)). query(p(a)).", LimitError, True),
    ("nat(0). nat(s(X)) :- nat(X). query(nat(_)).", LimitError, False),
    ("n(0). n(Y) :- n(X), Y is X + 1. query(n(_)).", LimitError, False),
]

LIMIT_CASES = [  # (program, Limits fields, located)
    ("l([]). l([H|T]) :- member(H, [a, b]), l(T). q :- length(L, 22), l(L), fail. q. "
     "query(q).", {"timeout_s": 1.0}),
    ("0.5::e(X, Y) :- between(1, 30, X), between(1, 30, Y). query(e(_, _)).",
     {"max_ground_atoms": 50}),
    ("p(0). p(N) :- N > 0, M is N - 1, p(M). query(p(500)).", {"max_depth": 20}),
    ("0.5::x(I) :- between(1, 40, I). p :- x(I), x(J), I < J. query(p).",
     {"max_circuit_nodes": 20}),
    ("p(L) :- length(L, 1000000). query(p(_)).", {"timeout_s": 1.0}),
    ("q(N) :- findall(X, between(1, 900000, X), L), length(L, N). query(q(_)).",
     {"timeout_s": 1.0}),
    ("p(N) :- length(L, 50000), length(L, N). query(p(_)).", {"max_stack_mb": 16}),
    ("q(N) :- findall(X, between(1, 300000, X), L), length(L, N). query(q(_)).",
     {"max_memory_mb": 1}),
]


def _deep(n: int) -> str:
    return "p(" + "f(" * n + "a" + ")" * n + ")."


HUGE_CASES = [
    (_deep(5000) + " query(p(_)).", (ParseError, LimitError), True),
    ("p(" + "[" * 2000 + "]" * 2000 + ").", (ParseError, LimitError), True),
    ("a :- " + "(" * 3000 + "b" + ")" * 3000 + ". query(a).", GroundingError, True),
    ("p :- " + " ; ".join(["q"] * 3000) + ". query(p).", GroundingError, True),
    ("p :- " + ", ".join(["true"] * 3000) + ", q. query(p).", GroundingError, True),
    ("p(X) :- X = " + "- " * 3000 + "1.", (ParseError, LimitError), True),
    ("\x00a.", ParseError, True),
    ("a.\x01", ParseError, True),
    ("\ufeffa :- .", ParseError, True),
]

API_CASES = SYNTAX_CASES + PROGRAM_CASES + HUGE_CASES


def _ids(cases):
    return [re.sub(r"\s+", " ", c[0])[:40] for c in cases]


def _check_error(exc: NesyError, expected, located: bool, text: str) -> None:
    assert isinstance(exc, expected), (type(exc).__name__, text)
    message = exc.render()
    assert "Traceback" not in message and "internal" not in message, message
    if located:
        assert LOCATED.search(message), f"no file:line:col in {message!r} for {text!r}"


@pytest.mark.parametrize(("text", "expected", "located"), API_CASES, ids=_ids(API_CASES))
def test_api(text, expected, located):
    limits = nesy.Limits(timeout_s=2.0)
    with pytest.raises(NesyError) as info:
        nesy.query(text, limits=limits)
    _check_error(info.value, expected, located, text)


@pytest.mark.parametrize(("text", "expected", "located"), API_CASES, ids=_ids(API_CASES))
def test_cli(text, expected, located, tmp_path, capsys):
    path = tmp_path / "bad.pl"
    path.write_text(text, encoding="utf-8")
    assert main(["query", str(path), "--timeout-s", "2"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    if located:
        assert re.search(re.escape(str(path)) + r":\d+:\d+: ", err), err


@pytest.mark.parametrize(("text", "fields"), LIMIT_CASES, ids=_ids(LIMIT_CASES))
def test_limits(text, fields, capsys, tmp_path):
    with pytest.raises(LimitError) as info:
        nesy.query(text, limits=nesy.Limits(**fields))
    (name,) = fields
    assert name in info.value.render() and f"Limits({name}=...)" in info.value.render()
    path = tmp_path / "big.pl"
    path.write_text(text, encoding="utf-8")
    flag = "--" + name.replace("_", "-")
    assert main(["query", str(path), flag, str(fields[name])]) == 1
    err = capsys.readouterr().err
    assert "limit exceeded" in err and flag in err and "Traceback" not in err, err


FILE_CASES = [
    ("missing", "no such file"),
    ("directory", "is a directory"),
    ("latin1", "not UTF-8"),
    ("binary", "not UTF-8"),
]


@pytest.mark.parametrize(("kind", "words"), FILE_CASES)
def test_bad_files(kind, words, tmp_path, capsys):
    path = tmp_path / "f.pl"
    if kind == "directory":
        path.mkdir()
    elif kind == "latin1":
        path.write_bytes("p('caf\xe9').\nquery(p(_)).\n".encode("latin-1"))
    elif kind == "binary":
        path.write_bytes(bytes(range(256)))
    with pytest.raises(NesyError, match=words):
        nesy.load(path)
    for verb in (["query"], ["dump", "--stage", "ast"], ["dump", "--stage", "ground"]):
        assert main([verb[0], str(path), *verb[1:]]) == 1
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err, err


FLAG_CASES = [
    ["query", "F", "--semantics", "nope"], ["query", "F", "--k", "x"],
    ["query", "F", "--timeout-s", "-1"], ["query", "F", "--timeout-s", "nan"],
    ["query", "F", "--timeout-s", "inf"], ["query", "F", "--max-depth", "0"],
    ["query", "F", "--max-depth", "1.5"], ["query", "F", "--max-ground-atoms", "-5"],
    ["query", "F", "--max-stack-mb", "abc"], ["query", "F", "--format", "xml"],
    ["query", "F", "--explain-format", "svg"], ["query", "F", "--frobnicate"],
    ["query"], ["dump", "F", "--stage", "bogus"], ["dump"], ["nope", "F"], [],
    ["query", "F", "--max-memory-mb", "0"], ["bench", "nope"], ["train", "--task", "nope"],
]


@pytest.mark.parametrize("argv", FLAG_CASES, ids=[" ".join(a) or "(none)" for a in FLAG_CASES])
def test_bad_flags(argv, tmp_path, capsys):
    path = tmp_path / "ok.pl"
    path.write_text("a. query(a).", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main([str(path) if a == "F" else a for a in argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err, err


def test_k_must_be_positive(tmp_path, capsys):
    path = tmp_path / "ok.pl"
    path.write_text("0.5::a. query(a).", encoding="utf-8")
    assert main(["query", str(path), "--semantics", "topk", "--k", "0"]) == 1
    assert "k >= 1" in capsys.readouterr().err


def test_corpus_size():
    total = (2 * len(API_CASES) + 2 * len(LIMIT_CASES) + len(FILE_CASES) * 4
             + len(FLAG_CASES))
    assert total >= 150
