"""Whole-process checks of the CLI: no SIGSEGV on deep work, the timeout holds for the whole
process, a closed pipe is quiet, and output cannot be spoofed by an atom's characters."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest


def _nesy(tmp_path, text: str, *args: str, pipe_head: bool = False):
    path = tmp_path / "p.pl"
    path.write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "nesy.cli", *(args or ("query",)), str(path)]
    if args and args[0] != "query":
        command = [sys.executable, "-m", "nesy.cli", args[0], str(path), *args[1:]]
    if pipe_head:
        shell = " ".join(command) + " | head -1"
        return subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True,
                              text=True, timeout=120)
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("program", [
    "p(L) :- length(L, 100000). query(p(_)).",
    "q(N) :- findall(X, between(1, 20000, X), L), length(L, N). query(q(_)).",
    "p(N) :- length(L, 1000000), length(L, N). query(p(_)).",
])
def test_deep_work_never_crashes(tmp_path, program):
    done = _nesy(tmp_path, program + "\n", "query", "--timeout-s", "4")
    assert done.returncode in (0, 1), (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    if done.returncode == 1:
        assert "limit exceeded" in done.stderr or "error" in done.stderr


def test_timeout_bounds_the_whole_process(tmp_path):
    program = ("l([]). l([H|T]) :- member(H,[a,b]), l(T). q :- length(L,22), l(L), fail. q. "
               "query(q).\n")
    start = time.monotonic()
    done = _nesy(tmp_path, program, "query", "--timeout-s", "4")
    elapsed = time.monotonic() - start
    assert done.returncode == 1 and "--timeout-s" in done.stderr, done.stderr
    assert elapsed < 4 + 3.0, elapsed


def test_closed_pipe_is_quiet(tmp_path):
    program = "".join(f"a({i}).\n" for i in range(3000)) + "query(a(_)).\n"
    done = _nesy(tmp_path, program, pipe_head=True)
    assert done.stdout == "a(0):\t1\n"
    assert done.stderr == ""


def test_atoms_print_quoted_and_huge_integers_print(tmp_path):
    program = "p('a\\nb'). p('x\\ty'). p('it''s'). p(X) :- X is 10**5000. query(p(_)).\n"
    done = _nesy(tmp_path, program)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "p('a\\nb'):\t1" in lines and "p('x\\ty'):\t1" in lines
    assert "p('it\\'s'):\t1" in lines
    assert "p(1" + "0" * 5000 + "):\t1" in lines


def test_dump_ast_prints_each_item_once(tmp_path):
    program = "".join(f"p{i}(a) :- q{i}(b).\n" for i in range(300))
    done = _nesy(tmp_path, program, "dump", "--stage", "ast")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 300
    assert len(done.stdout) < 20 * len(program)
