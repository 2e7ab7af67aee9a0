"""Cold start: `nesy query` on a program without networks loads neither torch nor numpy (nor
the other heavy libraries), under every semantics and output format, and answers correctly.

Each test runs a fresh interpreter, since this process has long imported torch.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nesy.semiring import REGISTRY

SMALL = "0.3::a. 0.5::b.\nq :- a, b. query(q).\n"
HEAVY = ("torch", "numpy", "tqdm", "sklearn", "matplotlib", "scipy", "pandas")

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
                "fuzzy-lukasiewicz": "0", "possibilistic": "0.3", "mpe": "0.15", "boolean": "1"}
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
