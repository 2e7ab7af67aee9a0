"""The `nesy` command: output formats, exit status, explanations, training with resume."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nesy.cli import main

PROGRAM = """
0.3::edge(1,2). 0.6::edge(2,3). 0.5::edge(1,3).
path(X,Y) :- edge(X,Y).
path(X,Y) :- path(X,Z), edge(Z,Y).
query(path(1,X)).
"""


@pytest.fixture
def program(tmp_path):
    path = tmp_path / "graph.pl"
    path.write_text(PROGRAM)
    return path


def test_text_output_is_one_tab_separated_line_per_query(program, capsys):
    assert main(["query", str(program)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == ["path(1,2):\t0.3", "path(1,3):\t0.59"]


def test_json_output_maps_atoms_to_probabilities(program, capsys):
    assert main(["query", str(program), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == pytest.approx({"path(1,2)": 0.3,
                                                                  "path(1,3)": 0.59})


@pytest.mark.parametrize("semantics", ["topk", "fuzzy-product", "fuzzy-godel",
                                       "fuzzy-lukasiewicz", "possibilistic", "mpe", "boolean"])
def test_every_semantics_runs_from_the_command_line(program, capsys, semantics):
    assert main(["query", str(program), "--semantics", semantics, "--k", "1"]) == 0
    out = capsys.readouterr().out
    assert "path(1,3):\t" in out


def test_explain_prints_the_best_proof(program, capsys):
    assert main(["query", str(program), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "best proof" in out and "0.5::edge(1,3)" in out
    assert main(["query", str(program), "--explain", "--explain-format", "dot"]) == 0
    assert "digraph proof" in capsys.readouterr().out


def test_errors_are_one_clean_message_with_status_1(tmp_path, capsys):
    bad = tmp_path / "bad.pl"
    bad.write_text("a :- b\nquery(a).\n")
    assert main(["query", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:1:" in err and "Traceback" not in err
    assert main(["query", str(tmp_path / "missing.pl")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_console_script_entry_point(program):
    result = subprocess.run([sys.executable, "-m", "nesy.cli", "query", str(program),
                             "--format", "json"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["path(1,2)"] == pytest.approx(0.3)


def test_dump_stages(program, capsys):
    for stage in ("ast", "program", "ground", "circuit"):
        assert main(["dump", str(program), "--stage", stage]) == 0
        assert capsys.readouterr().out.strip()


def test_train_writes_metrics_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "--n", "1", "--n-train", "200", "--n-test", "100", "--output", str(out),
            "--no-progress"]
    assert main(args + ["--epochs", "1"]) == 0
    assert (out / "checkpoint.pt").exists() and (out / "learning_curve.png").exists()
    assert main(args + ["--epochs", "2", "--resume", "--explain"]) == 0
    text = capsys.readouterr().out
    assert '"epoch": 2' in text and "best proof" in text
    rows = json.loads((out / "metrics.json").read_text())
    rows = rows["history"] if isinstance(rows, dict) else rows
    assert [r["epoch"] for r in rows] == [1, 2]


def test_bench_prints_the_protocol_report(capsys):
    assert main(["bench", "digit-addition", "--n", "2", "--n-train", "200", "--n-test", "100",
                 "--rounds", "3", "--min-time", "0.05", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("accuracy", "digit_accuracy", "epoch_time_s", "samples_per_s",
                "plain_epoch_time_s", "overhead", "first_epoch_time_s"):
        assert key in report
    # overhead: the median of three alternating rounds' ratios, each >= 0.05 s per side
    rounds = sorted(report["overhead_rounds"])
    assert len(rounds) == 3 and report["overhead"] == pytest.approx(rounds[1], rel=1e-3)
    assert report["overhead_min"] <= report["overhead_q1"] <= report["overhead"] \
        <= report["overhead_q3"] <= report["overhead_max"]
    plain_batch_s = report["plain_epoch_time_s"] / -(-200 // 8)
    assert report["timing_batches"] * plain_batch_s >= 0.05 * 0.5
