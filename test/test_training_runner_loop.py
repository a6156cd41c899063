"""The shared training loop: loss goes down, resume is exact, logs and checkpoints, bad config."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.training.runner import (
    CHECKPOINT_NAME,
    LOG_NAME,
    LoopConfig,
    seed_everything,
    train,
)


class NoisyRegression(nn.Module):
    """A small regression objective; dropout makes the result depend on the global RNG."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 1))

    def forward(self, batch):
        x, y = batch
        loss = nn.functional.mse_loss(self.net(x).squeeze(-1), y)
        return loss, {"abs_err": (self.net(x).squeeze(-1) - y).abs().mean().detach()}


def _data() -> TensorDataset:
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(96, 8, generator=gen)
    return TensorDataset(x, x @ torch.linspace(-1, 1, 8) + 0.5)


def _run(tmp: Path, steps: int = 24, **kwargs):
    cfg = LoopConfig(steps=steps, batch_size=16, lr=0.02, warmup_steps=2, seed=3,
                     log_every=4, checkpoint_every=5)  # fmt: skip
    seed_everything(cfg.seed)
    objective = NoisyRegression()
    return objective, train(objective, _data(), cfg, tmp, **kwargs)


def test_few_steps_lower_the_loss(tmp_path: Path) -> None:
    _, result = _run(tmp_path, steps=40)
    assert result.finished and result.step == 40
    first, last = sum(result.losses[:5]) / 5, sum(result.losses[-5:]) / 5
    assert last < 0.5 * first


def test_interrupted_then_resumed_run_matches_uninterrupted_run(tmp_path: Path) -> None:
    whole, whole_result = _run(tmp_path / "whole")
    # Stop mid-epoch (6 batches per epoch) and between two periodic checkpoints.
    _, part_result = _run(tmp_path / "part", stop_after=13)
    assert part_result.step == 13 and not part_result.finished
    resumed, resumed_result = _run(tmp_path / "part", resume=True)
    assert resumed_result.step == 24 and resumed_result.finished
    assert part_result.losses + resumed_result.losses == whole_result.losses
    for a, b in zip(whole.state_dict().values(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    with (tmp_path / "whole" / LOG_NAME).open() as f:
        whole_log = [r for r in csv.DictReader(f)]
    with (tmp_path / "part" / LOG_NAME).open() as f:
        resumed_log = [r for r in csv.DictReader(f)]
    assert [r["step"] for r in resumed_log] == [r["step"] for r in whole_log]
    assert [r["loss"] for r in resumed_log] == [r["loss"] for r in whole_log]


def test_resume_of_a_finished_run_trains_no_further(tmp_path: Path) -> None:
    _run(tmp_path, steps=8)
    saved = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=False)
    assert saved["step"] == 8
    _, again = _run(tmp_path, steps=8, resume=True)
    assert again.step == 8 and again.losses == []


def test_resume_refuses_a_changed_schedule(tmp_path: Path) -> None:
    _run(tmp_path, steps=8)
    with pytest.raises(ConfigError, match=r"loop\.steps"):
        _run(tmp_path, steps=9, resume=True)


def test_log_has_one_row_per_logged_step_with_metrics(tmp_path: Path) -> None:
    _run(tmp_path, steps=10)
    with (tmp_path / LOG_NAME).open() as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows] == [4, 8, 10]
    assert {"loss", "lr", "abs_err", "seconds"} <= set(rows[0])


def test_loop_config_rejects_unknown_and_bad_values() -> None:
    with pytest.raises(ConfigError, match="unknown keys"):
        LoopConfig.from_dict({"steps": 1, "batch_size": 1, "lr": 0.1, "epochs": 3})
    with pytest.raises(ConfigError, match="missing"):
        LoopConfig.from_dict({"steps": 1})
    with pytest.raises(ConfigError, match="batch_size"):
        LoopConfig.from_dict({"steps": 1, "batch_size": 0, "lr": 0.1})


def test_batch_larger_than_dataset_is_a_config_error(tmp_path: Path) -> None:
    cfg = LoopConfig(steps=2, batch_size=500, lr=0.1)
    with pytest.raises(ConfigError, match="cannot fill"):
        train(NoisyRegression(), _data(), cfg, tmp_path)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (none on this machine)")
def test_training_runs_on_cuda_and_lowers_the_loss(tmp_path: Path) -> None:
    cfg = LoopConfig(steps=20, batch_size=16, lr=0.02, seed=3, device="cuda")
    seed_everything(cfg.seed)
    objective = NoisyRegression()
    result = train(objective, _data(), cfg, tmp_path)
    assert next(objective.parameters()).is_cuda
    assert result.losses[-1] < 0.5 * result.losses[0]
