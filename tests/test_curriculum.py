"""Curricula: stages carry one network, each stage checkpoints, a killed run resumes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nesy.errors import TrainingError
from nesy.train import TrainConfig, load_checkpoint
from nesy.train.curriculum import Stage, StageRun, fit_curriculum


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class Killed(Exception):
    pass


class Head(nn.Module):
    """A stage's model: the carried network plus a stage-specific input scaling."""

    def __init__(self, carried: nn.Module, scale: float) -> None:
        super().__init__()
        self.carried, self.scale = carried, scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.carried(x * self.scale)


def toy_data(n: int, seed: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    return {"x": x, "y": (x[:, 0] > x[:, 1]).long()}


def toy_loss(model: nn.Module, batch) -> torch.Tensor:
    return F.cross_entropy(model(batch["x"]), batch["y"])


STAGES = [Stage(f"s{i}", epochs, {"scale": float(i)}) for i, epochs in ((1, 1), (2, 2), (3, 1))]


def run_toy(out: Path, resume: bool = False, kill_at: int | None = None):
    """Three stages; returns (carried network, rows, the network's weights as each stage was
    built, the stage indices built)."""
    torch.manual_seed(0)
    carried = nn.Linear(4, 2)
    seen, built, calls = [], [], {"n": 0}

    def loss(model, batch):
        calls["n"] += 1
        if calls["n"] == kill_at:
            raise Killed
        return toy_loss(model, batch)

    def make_stage(index: int, stage: Stage) -> StageRun:
        built.append(index)
        seen.append({k: v.clone() for k, v in carried.state_dict().items()})
        data = toy_data(32, index)
        return StageRun(Head(carried, stage.task["scale"]), loss, data,
                        evaluate=lambda m: {"accuracy": (m(data["x"]).argmax(-1) == data["y"])
                                            .float().mean()})

    config = TrainConfig(output_dir=out, batch_size=8, lr=0.05, progress=False, resume=resume)
    rows = fit_curriculum(STAGES, make_stage, carried, config)
    return carried, rows, seen, built


def test_stages_carry_the_network_and_log_every_epoch(tmp_path: Path, monkeypatch) -> None:
    import nesy.train.loop

    # each stage's own curve is fit's (tests/test_train.py); the curriculum's is checked here
    monkeypatch.setattr(nesy.train.loop, "plot_learning_curve", lambda *args: None)
    carried, rows, seen, built = run_toy(tmp_path)
    assert built == [0, 1, 2]
    # each stage starts from the weights the previous one ended with (its carried.pt)
    for index in (1, 2):
        folder = tmp_path / f"stage-{index:02d}-s{index}"
        previous = torch.load(folder / "carried.pt", weights_only=True)["network"]
        for key, value in previous.items():
            assert torch.equal(seen[index][key], value), key
        assert not torch.equal(seen[index]["weight"], seen[index - 1]["weight"])
    assert [(r["epoch"], r["stage"], r["stage_epoch"]) for r in rows] == [
        (1, 1, 1), (2, 2, 1), (3, 2, 2), (4, 3, 1)]
    written = json.loads((tmp_path / "metrics.json").read_text())
    assert [r["stage_name"] for r in written] == ["s1", "s2", "s2", "s3"]
    summary = json.loads((tmp_path / "curriculum.json").read_text())
    assert [s["stage"] for s in summary] == [1, 2, 3] and summary[1]["epochs"] == 2
    assert all(s["train_time_s"] > 0 and "accuracy" in s for s in summary)
    assert (tmp_path / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"


def test_a_killed_curriculum_resumes_where_it_stopped(tmp_path: Path, monkeypatch) -> None:
    import nesy.train.curriculum
    import nesy.train.loop

    # the plots are checked above; here they would be most of the test's time
    monkeypatch.setattr(nesy.train.loop, "plot_learning_curve", lambda *args: None)
    monkeypatch.setattr(nesy.train.curriculum, "plot_curriculum", lambda *args: None)
    reference, reference_rows, _, _ = run_toy(tmp_path / "ref")
    out = tmp_path / "run"
    with pytest.raises(Killed):
        run_toy(out, kill_at=4 + 4 + 2)  # 4 batches an epoch: inside stage 2's second epoch
    assert (out / "stage-01-s1" / "carried.pt").exists()
    assert not (out / "stage-02-s2" / "carried.pt").exists()
    assert load_checkpoint(out / "stage-02-s2" / "checkpoint.pt")["epoch"] == 1
    carried, rows, _, built = run_toy(out, resume=True)
    assert built == [1, 2]  # stage 1 is not rebuilt: its network comes from carried.pt
    assert [r["train_loss"] for r in rows] == [r["train_loss"] for r in reference_rows]
    for key, value in reference.state_dict().items():
        assert torch.equal(carried.state_dict()[key], value), key
    # a finished stage resumed with other settings is refused, naming what changed
    changed = [Stage("s1", 2, {"scale": 1.0}), *STAGES[1:]]
    with pytest.raises(TrainingError, match="epochs: saved 1, now 2"):
        fit_curriculum(changed, lambda i, s: None, nn.Linear(4, 2),
                       TrainConfig(output_dir=out, batch_size=8, lr=0.05, progress=False,
                                   resume=True))


def test_digit_addition_curriculum_from_the_cli(tmp_path: Path, capsys) -> None:
    from nesy.cli import main

    out = tmp_path / "run"
    args = ["train", "--curriculum", "1,3", "--stage-epochs", "1", "--stage-n-train", "96,24",
            "--n-test", "40", "--output", str(out), "--no-progress"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "stage 2 (N=3, 24 examples" in text and "digit accuracy" in text
    summary = json.loads((out / "curriculum.json").read_text())
    assert [s["n_digits"] for s in summary] == [1, 3]
    assert summary[1]["ideal_accuracy"] == pytest.approx(summary[1]["digit_accuracy"] ** 6)
    assert 0 < summary[1]["grounding_compile_s"] < summary[1]["wall_time_s"]
    state = torch.load(out / "stage-02-n3" / "checkpoint.pt", weights_only=True)
    assert state["config"]["task"]["n_digits"] == 3 and state["config"]["task"]["stage"] == 2
    assert main(args + ["--resume"]) == 0  # every stage done: nothing is trained again
    assert json.loads((out / "curriculum.json").read_text()) == summary
    assert main(["train", "--curriculum", "1,3", "--stage-epochs", "1,2,3", "--output",
                 str(out)]) == 1
    assert "--stage-epochs has 3 values for 2 stages" in capsys.readouterr().err
    assert main(["train", "--curriculum", "1,3", "--stage-n-test", "0", "--output",
                 str(out)]) == 1
    assert "n_test >= 1" in capsys.readouterr().err


def test_the_sum_read_off_the_digits_is_the_modules_mpe_prediction() -> None:
    """Above N = 15 the curriculum's evaluation reads the MPE sum off the network's digits
    instead of asking Module.predict (which would ground the query once more): the same sums."""
    from nesy.datasets.digit_addition import digits_to_int
    from nesy.train.digit_addition_task import AdditionOptions, build, evaluate, module_inputs

    module, net, data = build(AdditionOptions(n_digits=7, n_train=1, n_test=12))
    batch = data.test.tensors()
    with torch.no_grad():
        predicted = module.predict(module_inputs(batch))
        a, b = (digits_to_int(net(batch[k]).argmax(-1)) for k in ("a_images", "b_images"))
    assert predicted == [x + y for x, y in zip(a, b, strict=True)]
    assert len(set(predicted)) > 1
    assert evaluate(module, net, data.test) == evaluate(module, net, data.test,
                                                        mpe_from_readings=True)


def test_training_and_benchmarks_have_no_whole_run_time_bound() -> None:
    """The CLI's watchdog bounds a whole command by Limits.timeout_s (600 s): a training run
    (a curriculum reaching N = 1000 takes longer) gets no such bound; its grounding keeps one."""
    from nesy.cli import build_parser, limits_from
    from nesy.limits import Limits

    for argv in (["train", "--curriculum", "1,2"], ["bench", "digit-addition"]):
        limits = limits_from(build_parser().parse_args(argv))
        assert limits.timeout_s >= 1e9 and limits.max_memory_mb == Limits().max_memory_mb
