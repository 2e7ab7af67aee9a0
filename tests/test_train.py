"""The training loop: metrics files, weights-only checkpoints, exact resume, monitors, networks."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nesy.errors import TrainingError
from nesy.neural.networks import MLP, MnistNet
from nesy.train import TrainConfig, fit, load_checkpoint, plain_epoch


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest (and steadiest on a busy machine) on one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def make_data(n: int = 96, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 6, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long() + (x[:, 2] > 1).long()
    return {"x": x, "y": y}


def make_model(seed: int = 0, hidden: int = 16) -> nn.Module:
    torch.manual_seed(seed)
    # dropout consumes the torch RNG, so exact resume needs the RNG state restored
    return nn.Sequential(nn.Linear(6, hidden), nn.ReLU(), nn.Dropout(0.2), nn.Linear(hidden, 3))


def loss_fn(model: nn.Module, batch: Mapping[str, torch.Tensor]) -> torch.Tensor:
    return F.cross_entropy(model(batch["x"]), batch["y"])


def accuracy(data: Mapping[str, torch.Tensor]):
    def evaluate(model: nn.Module) -> dict[str, float]:
        assert not model.training and not torch.is_grad_enabled()
        return {"accuracy": (model(data["x"]).argmax(-1) == data["y"]).float().mean()}

    return evaluate


def config(tmp_path: Path, **kw) -> TrainConfig:
    options = dict(output_dir=tmp_path, epochs=4, batch_size=8, lr=0.02, seed=3, progress=False)
    options.update(kw)
    return TrainConfig(**options)


def test_fit_writes_metrics_and_checkpoint(tmp_path: Path) -> None:
    data = make_data()
    result = fit(make_model(), loss_fn, data, config(tmp_path, epochs=5), accuracy(data))
    losses = [row["train_loss"] for row in result.history]
    assert len(losses) == 5 and losses[-1] < losses[0] * 0.8
    assert result.start_epoch == 1
    rows = list(csv.DictReader((tmp_path / "metrics.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4, 5]
    assert list(rows[0]) == ["epoch", "train_loss", "epoch_time_s", "samples_per_s", "accuracy"]
    assert float(rows[-1]["accuracy"]) > 0.6
    history = json.loads((tmp_path / "metrics.json").read_text())
    assert history[-1]["epoch"] == 5 and history[-1]["samples_per_s"] > 0
    assert (tmp_path / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert state["epoch"] == 5 and state["config"]["lr"] == 0.02
    assert set(state) >= {"model", "optimizer", "rng", "history", "config"}
    assert isinstance(state["rng"]["torch"], torch.Tensor)
    assert not list(tmp_path.glob("*.tmp"))


def test_keyword_form(tmp_path: Path) -> None:
    result = fit(
        make_model(),
        loss_fn,
        make_data(),
        epochs=1,
        batch_size=32,
        lr=1e-3,
        seed=0,
        output_dir=tmp_path,
        progress=False,
    )
    assert len(result.history) == 1 and result.checkpoint.is_file()


def final_state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_resume_matches_uninterrupted_run(tmp_path: Path) -> None:
    data = make_data()
    full_model = make_model()
    full = fit(full_model, loss_fn, data, config(tmp_path / "full"), accuracy(data))

    part = tmp_path / "part"
    first = fit(make_model(), loss_fn, data, config(part, epochs=2))
    assert [r["epoch"] for r in first.history] == [1, 2]
    model = make_model(seed=99)  # different weights: the checkpoint must overwrite them
    resumed = fit(model, loss_fn, data, config(part, resume=True), accuracy(data))
    assert resumed.start_epoch == 3
    assert [r["epoch"] for r in resumed.history] == [1, 2, 3, 4]
    assert [r["train_loss"] for r in resumed.history] == [r["train_loss"] for r in full.history]
    for key, value in final_state(full_model).items():
        assert torch.equal(model.state_dict()[key], value), key


class Killed(Exception):
    pass


def test_kill_mid_epoch_then_resume(tmp_path: Path) -> None:
    data = make_data()
    reference = make_model()
    fit(reference, loss_fn, data, config(tmp_path / "ref"))

    calls = {"n": 0}

    def dying_loss(model: nn.Module, batch: Mapping[str, torch.Tensor]) -> torch.Tensor:
        calls["n"] += 1
        if calls["n"] == 2 * 12 + 5:  # 12 batches per epoch: dies inside epoch 3
            raise Killed
        return loss_fn(model, batch)

    out = tmp_path / "run"
    with pytest.raises(Killed):
        fit(make_model(), dying_loss, data, config(out))
    assert load_checkpoint(out / "checkpoint.pt")["epoch"] == 2
    model = make_model(seed=7)
    result = fit(model, loss_fn, data, config(out, resume=True))
    assert result.start_epoch == 3 and len(result.history) == 4
    for key, value in reference.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


class Recorder:
    def __init__(self, fail_at: int | None = None) -> None:
        self.seen: list[dict] = []
        self.fail_at = fail_at

    def on_epoch_end(self, metrics: Mapping[str, float]) -> None:
        with pytest.raises(TypeError):
            metrics["train_loss"] = 0.0  # type: ignore[index]
        self.seen.append(dict(metrics))
        if metrics["epoch"] == self.fail_at:
            raise Killed


def test_monitors_are_passive_and_a_failing_one_keeps_the_epoch(tmp_path: Path) -> None:
    recorder = Recorder(fail_at=3)
    with pytest.raises(Killed):
        fit(make_model(), loss_fn, make_data(), config(tmp_path, monitors=(recorder,)))
    assert [m["epoch"] for m in recorder.seen] == [1, 2, 3]
    later = Recorder()
    result = fit(
        make_model(), loss_fn, make_data(), config(tmp_path, resume=True, monitors=[later])
    )
    assert result.start_epoch == 4 and [m["epoch"] for m in later.seen] == [4]


def test_resume_refuses_changed_config(tmp_path: Path) -> None:
    data = make_data()
    fit(make_model(), loss_fn, data, config(tmp_path, epochs=1))
    with pytest.raises(TrainingError, match="lr"):
        fit(make_model(), loss_fn, data, config(tmp_path, lr=0.5, resume=True))
    with pytest.raises(TrainingError, match="shape"):
        fit(make_model(hidden=8), loss_fn, data, config(tmp_path, resume=True))
    with pytest.raises(TrainingError, match="examples"):
        fit(make_model(), loss_fn, make_data(n=50), config(tmp_path, resume=True))


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="first dimension"):
        fit(make_model(), loss_fn, {"x": torch.zeros(4, 6), "y": torch.zeros(3)}, config(tmp_path))
    with pytest.raises(TrainingError, match="batch_size"):
        config(tmp_path, batch_size=0)
    with pytest.raises(TrainingError, match="optimizer"):
        config(tmp_path, optimizer="lbfgs")
    with pytest.raises(TrainingError, match="scalar"):
        fit(make_model(), lambda m, b: m(b["x"]), make_data(), config(tmp_path, epochs=1))


def test_networks_shapes() -> None:
    probs = MLP(64, 128, 10)(torch.rand(3, 5, 64))
    assert probs.shape == (3, 5, 10)
    assert torch.allclose(probs.sum(-1), torch.ones(3, 5))
    net = MnistNet()
    assert net(torch.rand(2, 3, 784)).shape == (2, 3, 10)
    assert net(torch.rand(4, 1, 28, 28)).shape == (4, 10)


def test_plain_epoch() -> None:
    torch.manual_seed(0)
    net = MLP(6, 32, 3)
    data = make_data(n=256)
    first = plain_epoch(net, data["x"], data["y"], batch_size=16, lr=1e-2)
    assert set(first) >= {"epoch_time_s", "samples_per_s"} and first["samples_per_s"] > 0
    later = [plain_epoch(net, data["x"], data["y"], batch_size=16, lr=1e-2) for _ in range(3)]
    assert later[-1]["train_loss"] < first["train_loss"]


def _metric_epochs(out: Path) -> list[int]:
    with open(out / "metrics.csv", newline="") as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict[str, torch.Tensor]:
    model = make_model()
    fit(model, loss_fn, make_data(), config(tmp_path_factory.mktemp("ref")))
    return model.state_dict()


@pytest.mark.parametrize("trial", range(5))
def test_kill_at_random_points_keeps_metrics_and_checkpoint_in_step(tmp_path: Path, trial: int,
                                                                    monkeypatch,
                                                                    uninterrupted) -> None:
    """Killed anywhere (mid-epoch, between or inside the checkpoint and metrics writes), the
    metrics never list an epoch the checkpoint lacks, and a resume trains each epoch once."""
    import random

    import nesy.train.loop as loop

    rng = random.Random(trial)
    data = make_data()
    out = tmp_path / "run"
    events = {"n": 0}
    kill_at = rng.randint(1, 4 * 15)

    def tick() -> None:
        events["n"] += 1
        if events["n"] == kill_at:
            raise Killed

    def dying(fn):
        def wrapped(*args, **kwargs):
            tick()
            result = fn(*args, **kwargs)
            tick()
            return result
        return wrapped

    for name in ("save_checkpoint", "write_metrics", "plot_learning_curve"):
        monkeypatch.setattr(loop, name, dying(getattr(loop, name)))

    def dying_loss(model, batch):
        tick()
        return loss_fn(model, batch)

    try:
        fit(make_model(), dying_loss, data, config(out))
    except Killed:
        pass
    monkeypatch.undo()
    trained = []
    if (out / "checkpoint.pt").exists():
        done = load_checkpoint(out / "checkpoint.pt")["epoch"]
        if (out / "metrics.csv").exists():
            assert _metric_epochs(out) in (list(range(1, done + 1)), list(range(1, done)))
    else:
        done = 0
        assert not (out / "metrics.csv").exists()

    def counting_loss(model, batch):
        trained.append(1)
        return loss_fn(model, batch)

    model = make_model(seed=7)
    result = fit(model, counting_loss, data, config(out, resume=True))
    assert result.start_epoch == done + 1
    assert len(trained) == (4 - done) * 12  # 12 batches per epoch, each epoch trained once
    state = load_checkpoint(out / "checkpoint.pt")
    assert _metric_epochs(out) == [row["epoch"] for row in state["history"]] == [1, 2, 3, 4]
    if done:  # resumed mid-run: the same weights as a run never killed
        for key, value in uninterrupted.items():
            assert torch.equal(model.state_dict()[key], value), key


def test_resume_refuses_a_changed_task(tmp_path: Path) -> None:
    data = make_data()
    task = {"task": "digit-addition", "n_digits": 1, "semantics": "exact"}
    fit(make_model(), loss_fn, data, config(tmp_path, epochs=1, task=task))
    changed = {**task, "n_digits": 2, "semantics": "mpe"}
    with pytest.raises(TrainingError, match="n_digits: saved 1, now 2") as info:
        fit(make_model(), loss_fn, data, config(tmp_path, epochs=2, task=changed, resume=True))
    assert "semantics" in info.value.render()


def test_a_checkpoint_with_foreign_objects_is_refused_in_nesy_words(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.pt"
    torch.save({"format": 1, "payload": Killed()}, path)
    with pytest.raises(TrainingError) as info:
        load_checkpoint(path)
    text = info.value.render()
    assert "never unpickles" in text and "weights_only" not in text
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(TrainingError, match="damaged or not a checkpoint"):
        load_checkpoint(path)


def test_paired_timing_alternates_and_measures_long_enough() -> None:
    """Two sides on the same K batches: K makes the faster side last >= min_seconds, the order
    alternates round by round, and the median ratio reads the sides' true cost ratio."""
    import time

    from nesy.train.timing import TimingOptions, paired_timing

    order: list[str] = []

    def side(name: str, seconds: float):
        def step(i: int) -> None:
            if i == 0:
                order.append(name)
            time.sleep(seconds)
        return step

    options = TimingOptions(min_seconds=0.04, rounds=4, warmup_seconds=0.0)
    timing = paired_timing(side("a", 0.004), side("b", 0.002), options)
    assert timing.batches & (timing.batches - 1) == 0  # a power of two
    assert min(timing.second_s) >= timing.batches * 0.002 and max(timing.second_s) >= 0.04 * 0.8
    assert order[-8:] == ["a", "b", "b", "a", "a", "b", "b", "a"]
    summary = timing.summary()
    assert 1.4 < summary["median"] < 2.6
    assert summary["min"] <= summary["q1"] <= summary["median"] <= summary["q3"] <= summary["max"]
    with pytest.raises(TrainingError, match="clock"):
        TimingOptions(clock="sundial")
