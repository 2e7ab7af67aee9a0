"""`nesy rules RUN_DIR`: the learned rules of a Countries or CLUTRR run, read from its
checkpoint, sorted and filtered; a clean error for a folder that is no such run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

from nesy.cli import main
from nesy.train.checkpoint import FORMAT_VERSION, save_checkpoint
from nesy.train.clutrr_task import composition_model
from nesy.train.kg_task import EXAMPLES, KGOptions, train_countries

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@pytest.mark.skipif(not (DATA / "countries").is_dir(), reason="no shared datasets")
def test_countries_rules_are_the_runs_rules_sorted_and_filtered(tmp_path, capsys):
    torch.set_num_threads(1)
    train_countries(KGOptions(split="S1", data_dir=str(DATA / "countries"), epochs=2),
                    str(tmp_path), progress=False, check_engine=False)
    assert main(["rules", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    written = (tmp_path / "rules.txt").read_text().splitlines()
    assert sorted(lines[:-1]) == sorted(written)  # every rule the run wrote, same weights
    shown = [float(line.split("::")[0]) for line in lines[:-1]]
    assert shown == sorted(shown, reverse=True)
    assert lines[-1].startswith(f"% {len(written)} of {len(written)} rules of the countries")
    assert main(["rules", str(tmp_path), "--format", "json"]) == 0
    every = json.loads(capsys.readouterr().out)["rules"]
    assert main(["rules", str(tmp_path), "--top", "2", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rules"] == every[:2] and report["total"] == len(written)
    cut = every[0]["weight"]  # the heaviest rule; the 2-epoch run leaves many tied below
    assert main(["rules", str(tmp_path), "--min-weight", str(cut), "--format", "json"]) == 0
    kept = json.loads(capsys.readouterr().out)["rules"]
    assert kept == [r for r in every if r["weight"] >= cut] and 0 < len(kept) < len(every)


def _clutrr_run(folder: Path, task: str = "clutrr") -> torch.Tensor:
    model = composition_model((EXAMPLES / "clutrr.pl").read_text("utf-8"))
    weights = torch.rand(model.logits.shape, generator=torch.Generator().manual_seed(0),
                         dtype=torch.float64) * 0.98 + 0.01
    with torch.no_grad():
        model.logits.copy_(torch.logit(weights))
    save_checkpoint(folder / "checkpoint.pt", {"format": FORMAT_VERSION,
                                               "config": {"task": {"task": task}},
                                               "model": model.state_dict()})
    return weights


def test_clutrr_rules_from_the_checkpoint(tmp_path, capsys):
    weights = _clutrr_run(tmp_path)
    assert main(["rules", str(tmp_path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["total"] == weights.numel()
    assert report["shown"] == int((weights >= 0.5).sum())  # CLUTRR's default --min-weight 0.5
    got = [r["weight"] for r in report["rules"]]
    assert got == sorted(got, reverse=True)
    assert got[0] == pytest.approx(float(weights.max()))
    name = r"(\w+|'[\w-]+')"
    assert re.fullmatch(rf"0\.\d{{4}} :: {name}\(X, Y\) :- {name}\(X, Z\), {name}\(Z, Y\)\.",
                        report["rules"][0]["clause"])
    assert main(["rules", str(tmp_path), "--min-weight", "0", "--top", "5"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 6 and out[0].startswith(f"{float(weights.max()):.4f} :: ")


def test_a_folder_that_is_not_a_rule_run_is_a_clean_error(tmp_path, capsys):
    assert main(["rules", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err
    assert "not a countries or clutrr run" in err and "Traceback" not in err
    _clutrr_run(tmp_path, task="sudoku-solve")
    assert main(["rules", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "sudoku-solve run" in err and "learned no rules" in err
    (tmp_path / "checkpoint.pt").write_bytes(b"not a checkpoint")
    assert main(["rules", str(tmp_path)]) == 1
    assert "refusing checkpoint" in capsys.readouterr().err
