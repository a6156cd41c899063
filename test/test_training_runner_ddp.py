"""The shared loop under DistributedDataParallel: two CPU processes over gloo, as under torchrun."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.utils.data import TensorDataset

from omnibind_ros.training.runner import (
    CHECKPOINT_NAME,
    LOG_NAME,
    LoopConfig,
    leave_process_group,
    seed_everything,
    train,
)

pytestmark = pytest.mark.slow  # three two-process launches, about 10 s

WORLD = 2


class DropoutRegression(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 12), nn.Tanh(), nn.Dropout(0.1), nn.Linear(12, 1))

    def forward(self, batch):
        x, y = batch
        return nn.functional.mse_loss(self.net(x).squeeze(-1), y), {}


def _worker(rank: int, port: int, out_dir: str, stop_after: int | None, resume: bool) -> None:
    # The environment torchrun would give each process.
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE=str(WORLD),
                      RANK=str(rank), LOCAL_RANK=str(rank))  # fmt: skip
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, 6, generator=gen)
    data = TensorDataset(x, x.sum(dim=1))
    cfg = LoopConfig(steps=12, batch_size=8, lr=0.05, seed=5, device="cpu", log_every=3,
                     checkpoint_every=4)  # fmt: skip
    seed_everything(cfg.seed)
    objective = DropoutRegression()
    result = train(objective, data, cfg, Path(out_dir), stop_after=stop_after, resume=resume)
    torch.save(
        {"state": objective.state_dict(), "losses": result.losses, "step": result.step},
        Path(out_dir).parent / f"{Path(out_dir).name}-rank{rank}-{result.step}.pt",
    )
    leave_process_group()
    assert not dist.is_initialized()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(out_dir: Path, stop_after: int | None = None, resume: bool = False) -> None:
    mp.spawn(_worker, args=(_free_port(), str(out_dir), stop_after, resume), nprocs=WORLD)


def _result(out_dir: Path, rank: int, step: int) -> dict:
    return torch.load(out_dir.parent / f"{out_dir.name}-rank{rank}-{step}.pt", weights_only=False)


def test_two_process_gloo_run_keeps_ranks_in_sync_and_resumes_exactly(tmp_path: Path) -> None:
    whole, part = tmp_path / "whole", tmp_path / "part"
    _launch(whole)
    rank0, rank1 = _result(whole, 0, 12), _result(whole, 1, 12)
    for a, b in zip(rank0["state"].values(), rank1["state"].values(), strict=True):
        assert torch.equal(a, b)  # DDP averaged the gradients of both shards
    assert rank0["losses"] != rank1["losses"]  # ...which saw different batches
    assert sum(rank0["losses"][-3:]) < sum(rank0["losses"][:3])
    # Only rank 0 writes: one log and one checkpoint, no per-rank copies.
    assert sorted(p.name for p in whole.iterdir()) == sorted([CHECKPOINT_NAME, LOG_NAME])
    assert len(torch.load(whole / CHECKPOINT_NAME, weights_only=False)["rng"]) == WORLD

    _launch(part, stop_after=6)
    _launch(part, resume=True)
    for rank in range(WORLD):
        first, rest = _result(part, rank, 6), _result(part, rank, 12)
        assert first["losses"] + rest["losses"] == _result(whole, rank, 12)["losses"]
        for a, b in zip(rest["state"].values(), rank0["state"].values(), strict=True):
            assert torch.equal(a, b)
