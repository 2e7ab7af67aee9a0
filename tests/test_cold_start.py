"""Cold start: `nesy query` on a program without networks loads neither torch nor numpy (nor
the other heavy libraries), under every semantics and output format, and answers correctly; a
program that names no library predicate does not parse the library.

The import tests run a fresh interpreter, since this process has long imported torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import nesy
from nesy.ground.library import library_names, library_rules
from nesy.semiring import REGISTRY
from nesy.testing import expect_answers

SMALL = "0.3::a. 0.5::b.\nq :- a, b. query(q).\n"
HEAVY = ("torch", "numpy", "tqdm", "sklearn", "matplotlib", "scipy", "pandas", "sqlite3")

# runs `nesy query` once per argument list (argv[1] is a JSON list of them) in this process,
# then prints the heavy modules it loaded
DRIVER = f"""
import json, sys
from nesy.cli import _main
for args in json.loads(sys.argv[1]):
    assert _main(args) == 0, args
print("LOADED", json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & {set(HEAVY)!r})))
"""


def _run(arg_lists: list[list[str]]) -> tuple[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(arg_lists)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out, _, loaded = done.stdout.rpartition("LOADED ")
    return out, json.loads(loaded)


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.pl"
    path.write_text(SMALL)
    return str(path)


def test_a_two_line_query_loads_no_torch_and_is_right(small):
    out, loaded = _run([["query", small]])
    assert out.strip() == "q:\t0.15"
    assert loaded == []


def test_every_semantics_explain_and_json_load_no_torch(small):
    runs = [["query", small, "--semantics", name] for name in REGISTRY]
    runs += [["query", small, "--explain"], ["query", small, "--format", "json"],
             ["query", small, "--format", "json", "--explain"]]
    out, loaded = _run(runs)
    assert loaded == []
    lines = out.splitlines()
    # fuzzy-lukasiewicz: max(0, 0.3 + 0.5 - 1) = 0; the t-conorms of a single body are its value
    expected = {"exact": "0.15", "topk": "0.15", "fuzzy-product": "0.15", "fuzzy-godel": "0.3",
                "fuzzy-lukasiewicz": "0", "possibilistic": "0.3", "mpe": "0.15", "boolean": "1",
                "mpe-maxsat": "0.15", "asp": "0.15", "mpe-smt": "0.15",
                # k = 3 worlds sampled with seed 0 (in plain Python): none is a model of q
                "sample": "0"}
    answers = [line.split("\t")[1] for line in lines if line.startswith("q:\t")]
    assert answers[:len(REGISTRY)] == [expected[name] for name in REGISTRY]
    assert "best proof" in out
    assert '{"q": 0.15}' in out


def test_semantics_without_a_circuit_do_not_load_the_compiler(small):
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from nesy.cli import _main; "
         f"_main(['query', {small!r}, '--semantics', 'fuzzy-product']); "
         "print('pysdd' in sys.modules)"],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["q:", "0.15", "False"]


def test_a_plain_program_does_not_parse_the_library(small):
    done = subprocess.run(
        [sys.executable, "-c", "from nesy.cli import _main; "
         "from nesy.ground.library import library_rules; "
         f"_main(['query', {small!r}]); print(library_rules.cache_info().currsize)"],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["q:", "0.15", "0"]


def test_the_library_names_are_those_of_its_parsed_clauses():
    # read off the clause heads without parsing; a head this misses would hide the library
    parsed = {name for name, _ in library_rules() if not name.startswith("$")}
    assert parsed and parsed <= library_names()


@pytest.mark.parametrize("source, expected", [
    # named in a body, in a goal passed as data, in a directive, in an asserted clause
    ("q(L) :- flatten([[1], [2]], L).\nquery(q(_)).", {"q([1, 2])": 1.0}),
    ("g(flatten([[1], [2]], L), L).\nq(L) :- g(G, L), call(G).\nquery(q(_)).",
     {"q([1, 2])": 1.0}),
    (":- use_module(library(assert)).\n:- flatten([[1], [2]], L), assertz(p(L)).\n"
     "query(p(_)).", {"p([1, 2])": 1.0}),
    (":- use_module(library(assert)).\n:- assertz((r(L) :- flatten([[1], [2]], L))).\n"
     "query(r(_)).", {"r([1, 2])": 1.0}),
    # a name made from text
    ("q(L) :- atom_concat(flat, ten, F), G =.. [F, [[1], [2]], L], call(G).\nquery(q(_)).",
     {"q([1, 2])": 1.0}),
    # the program's own definition of a library predicate wins
    ("flatten(_, mine).\nq(L) :- flatten([[1]], L).\nquery(q(_)).", {"q(mine)": 1.0}),
])
def test_a_program_that_names_a_library_predicate_gets_it(source, expected):
    expect_answers(source, expected)
    assert nesy.query(source).probabilities == pytest.approx(expected)


def test_the_grammar_cache_is_in_the_users_cache_directory(tmp_path, small):
    def query(cache_home):
        env = dict(os.environ, XDG_CACHE_HOME=str(cache_home))
        return subprocess.run([sys.executable, "-m", "nesy.cli", "query", small],
                              capture_output=True, text=True, timeout=120, env=env)

    for _ in range(2):  # writes the cache, then loads it
        done = query(tmp_path / "cache")
        assert (done.returncode, done.stdout, done.stderr) == (0, "q:\t0.15\n", "")
    assert len(list((tmp_path / "cache" / "nesy").glob("problog-grammar-*.lark"))) == 1
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    done = query(blocked)  # no cache directory can be made there: no cache, same answer
    assert (done.returncode, done.stdout, done.stderr) == (0, "q:\t0.15\n", "")


@pytest.mark.parametrize("name", [n for n in REGISTRY if n != "topk"])
def test_float_and_tensor_values_agree_under_every_semiring(name):
    # a fixed-probability query computes on floats, a Module on tensors: the same operations
    torch = pytest.importorskip("torch")
    from nesy.circuit.evaluate import CircuitPlan

    semiring = REGISTRY[name]()
    pairs = [(0.0, 0.0), (0.2, 0.5), (0.7, 0.4), (1.0, 0.3), (0.6, 0.6)]
    a = torch.tensor([p for p, _ in pairs], dtype=torch.float64)
    b = torch.tensor([q for _, q in pairs], dtype=torch.float64)
    for op in ("add", "mul"):
        batched = getattr(semiring, op)(a, b).tolist()
        assert batched == pytest.approx([getattr(semiring, op)(p, q) for p, q in pairs])
    assert semiring.from_probability(a).tolist() == [semiring.from_probability(p) for p, _ in pairs]
    assert semiring.converged(0.5, 0.5) and not semiring.converged(0.5, 0.6)
    # one circuit, evaluated on one example's floats and on a batch of one
    result = nesy.query("0.3::a. 0.6::b. 0.2::c.\nq :- a, \\+b. q :- c, b.\nr :- \\+q.\n"
                        "query(q). query(r).")
    circuit = result.circuit
    pos = [0.5 + 0.4 * ((3 * v) % 5) / 5 for v in range(circuit.num_vars + 1)]
    neg = [1.0 - p for p in pos]
    plan = CircuitPlan(circuit)
    floats = plan.evaluate(pos, neg, semiring)
    batch = plan.evaluate(torch.tensor([pos], dtype=torch.float64),
                          torch.tensor([neg], dtype=torch.float64), semiring)
    assert floats == pytest.approx(batch[0].tolist())
