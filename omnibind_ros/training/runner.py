"""The training loop every stage shares: seeds, devices, DDP, progress, logs, checkpoints, resume.

A stage hands the loop an *objective*: an ``nn.Module`` whose ``forward(batch)`` returns
``(loss, metrics)``; its parameters with ``requires_grad`` are the ones trained, everything
else in it (frozen teachers, label embeddings) rides along. Keeping the loss inside
``forward`` is what lets DistributedDataParallel synchronise gradients.

Resume is exact: the data order is a pure function of (seed, epoch) (DistributedSampler), the
loop skips the batches an interrupted epoch already consumed, and the checkpoint carries the
model, optimizer, scheduler and every random generator of every rank.
"""

from __future__ import annotations

import csv
import gc
import logging
import math
import os
import random
import re
import time
import typing
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import BatchSampler, DataLoader, Dataset, DistributedSampler
from tqdm import tqdm

from omnibind_ros.core.errors import ConfigError

log = logging.getLogger(__name__)

CHECKPOINT_NAME = "checkpoint.pt"
LOG_NAME = "log.csv"


@dataclass(frozen=True)
class LoopConfig:
    """Optimisation settings of one stage (the ``loop:`` section of a stage config)."""

    steps: int
    batch_size: int
    lr: float
    weight_decay: float = 0.0
    warmup_steps: int = 0
    grad_clip: float | None = None
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    threads: int | None = None  # torch intra-op threads; None leaves the process setting
    log_every: int = 10
    checkpoint_every: int = 100

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> LoopConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(f"loop: unknown keys {unknown}; known keys are {sorted(known)}")
        missing = sorted(k for k in ("steps", "batch_size", "lr") if k not in raw)
        if missing:
            raise ConfigError(f"loop: missing required keys {missing}")
        from omnibind_ros.training.config_types import (
            checked,  # the config layer imports this module
        )

        hints = typing.get_type_hints(cls)
        cfg = cls(**{k: checked(v, hints[k], f"loop.{k}") for k, v in raw.items()})
        if not re.fullmatch(r"auto|cpu|cuda(:\d+)?", cfg.device):
            raise ConfigError(f"loop.device must be auto, cpu, cuda or cuda:N, got {cfg.device!r}")
        for name in ("steps", "batch_size", "log_every", "checkpoint_every"):
            value = getattr(cfg, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"loop.{name} must be a positive integer, got {value!r}")
        if not cfg.lr > 0:
            raise ConfigError(f"loop.lr must be > 0, got {cfg.lr!r}")
        if cfg.warmup_steps < 0 or cfg.weight_decay < 0:
            raise ConfigError("loop.warmup_steps and loop.weight_decay must be >= 0")
        return cfg


@dataclass(frozen=True)
class TrainResult:
    """What one call of :func:`train` did: the step reached and the losses it computed."""

    step: int
    losses: list[float]  # per step, this call only (a resumed call starts mid-way)
    finished: bool  # reached cfg.steps (False when stopped early by ``stop_after``)


@dataclass(frozen=True)
class DistContext:
    """This process's place in a torchrun job (world of one when not launched by torchrun)."""

    world_size: int = 1
    rank: int = 0
    local_rank: int = 0

    @classmethod
    def from_env(cls) -> DistContext:
        return cls(
            world_size=int(os.environ.get("WORLD_SIZE", "1")),
            rank=int(os.environ.get("RANK", "0")),
            local_rank=int(os.environ.get("LOCAL_RANK", "0")),
        )

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) so a run is a function of its seed."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def resolve_device(name: str, ctx: DistContext) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(f"device {name!r} requested but CUDA is not available")
        # Under torchrun each process owns the GPU of its local rank.
        return torch.device("cuda", ctx.local_rank) if ctx.distributed else torch.device(name)
    if name != "cpu":
        raise ConfigError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:N")
    return torch.device("cpu")


def init_distributed(ctx: DistContext, device: torch.device) -> None:
    """Join the torchrun process group once: nccl on CUDA, gloo on CPU."""
    if ctx.distributed and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")


def leave_process_group() -> None:
    """End a torchrun run cleanly: every rank done, then the process group torn down.

    A gloo worker thread still releasing its last tensors while Python shuts down aborts the
    process (SIGABRT, which torchrun reports as a failed run); destroying the group alone did
    not prevent it, as DistributedDataParallel wrappers left in reference cycles can keep the
    group alive. Collecting them first lets the destroy join the worker threads while the
    interpreter still runs.
    """
    if not dist.is_initialized():
        return
    dist.barrier()
    gc.collect()
    dist.destroy_process_group()


def warmup_cosine(warmup_steps: int, total_steps: int):
    """Learning-rate factor: linear warm-up, then cosine decay to zero at ``total_steps``."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return factor


def move_to(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: move_to(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(move_to(v, device) for v in batch)
    return batch


def rng_state() -> dict[str, Any]:
    state = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Mapping[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def gather_rng_states(ctx: DistContext) -> list[dict[str, Any]]:
    """Every rank's generators (rank 0 alone writes the checkpoint, all ranks must resume)."""
    mine = rng_state()
    if not ctx.distributed:
        return [mine]
    gathered: list[Any] = [None] * ctx.world_size
    dist.all_gather_object(gathered, mine)
    return gathered


class CsvLog:
    """Appends one row per logged step to ``log.csv``; on resume drops rows past the checkpoint."""

    def __init__(self, path: Path, resume_step: int | None) -> None:
        self.path = path
        self.columns: list[str] | None = None
        if resume_step is not None and path.exists():
            with path.open(newline="") as f:
                rows = [r for r in csv.DictReader(f) if int(r["step"]) <= resume_step]
            if rows:
                self.columns = list(rows[0])
                self._write(rows, mode="w")
                return
        path.unlink(missing_ok=True)

    def append(self, row: Mapping[str, float]) -> None:
        if self.columns is None:
            self.columns = list(row)
            self._write([], mode="w")
        self._write([row], mode="a")

    def _write(self, rows: list[Mapping[str, Any]], mode: str) -> None:
        with self.path.open(mode, newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self.columns, extrasaction="ignore")
            if mode == "w":
                writer.writeheader()
            writer.writerows(rows)


def tensorboard_writer(out_dir: Path):
    """A TensorBoard SummaryWriter when the tensorboard package is installed, else None."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter(log_dir=str(out_dir / "tensorboard"))


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    # Write then rename, so an interruption mid-write never leaves a truncated checkpoint.
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    return torch.load(path, map_location="cpu", weights_only=False)


def _check_resumable(saved: Mapping[str, Any], cfg: LoopConfig) -> None:
    # Changing what decides the data order or the schedule would silently break "exact".
    for key in ("steps", "batch_size", "seed", "lr", "warmup_steps"):
        if saved.get(key) != getattr(cfg, key):
            raise ConfigError(
                f"cannot resume: loop.{key} is {getattr(cfg, key)!r} but the checkpoint was "
                f"written with {saved.get(key)!r}"
            )


def _reduce_mean(
    values: dict[str, float], ctx: DistContext, device: torch.device
) -> dict[str, float]:
    if not ctx.distributed:
        return values
    tensor = torch.tensor(list(values.values()), dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return dict(zip(values, (tensor / ctx.world_size).tolist(), strict=True))


def train(
    objective: nn.Module,
    dataset: Dataset,
    cfg: LoopConfig,
    out_dir: Path,
    *,
    resume: bool = False,
    stop_after: int | None = None,
    desc: str = "train",
    collate_fn: Callable[[Any], Any] | None = None,
) -> TrainResult:
    """Optimise ``objective``'s trainable parameters on ``dataset`` for ``cfg.steps`` steps.

    ``resume`` continues from ``out_dir/checkpoint.pt`` when it exists (a finished run returns
    at once). ``stop_after`` ends this call after that many steps in total, leaving a
    checkpoint to resume from (a time-sliced or preemptible job). ``collate_fn`` is the
    DataLoader's. The objective's weights are updated in place; under torchrun only rank 0
    writes logs and checkpoints.
    """
    ctx = DistContext.from_env()
    device = resolve_device(cfg.device, ctx)
    init_distributed(ctx, device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    out_dir = Path(out_dir)
    if ctx.is_main:
        out_dir.mkdir(parents=True, exist_ok=True)

    objective.to(device)
    params = [p for p in objective.parameters() if p.requires_grad]
    if not params:
        raise ConfigError(f"{desc}: the objective has no trainable parameters")
    model: nn.Module = objective
    if ctx.distributed:
        model = DistributedDataParallel(
            objective, device_ids=[device.index] if device.type == "cuda" else None
        )
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, warmup_cosine(cfg.warmup_steps, cfg.steps)
    )
    sampler = DistributedSampler(
        dataset, num_replicas=ctx.world_size, rank=ctx.rank, shuffle=True, seed=cfg.seed,
        drop_last=True,
    )  # fmt: skip
    steps_per_epoch = len(sampler) // cfg.batch_size
    if steps_per_epoch < 1:
        raise ConfigError(
            f"{desc}: {len(dataset)} examples over {ctx.world_size} process(es) cannot fill "  # type: ignore[arg-type]
            f"one batch of {cfg.batch_size}; lower loop.batch_size or add data"
        )

    step = 0
    window: dict[str, list[float]] = {}  # metric values since the last log row
    seed_everything(cfg.seed + ctx.rank)
    checkpoint_path = out_dir / CHECKPOINT_NAME
    resumed_from: int | None = None
    if resume and checkpoint_path.exists():
        saved = load_checkpoint(checkpoint_path)
        _check_resumable(saved["loop"], cfg)
        objective.load_state_dict(saved["objective"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        step = resumed_from = saved["step"]
        window = saved["log_window"]
        if len(saved["rng"]) == ctx.world_size:
            set_rng_state(saved["rng"][ctx.rank])
        else:
            log.warning("%s: world size changed since the checkpoint; reseeding", desc)
        log.info("%s: resumed from step %d", desc, step)

    csv_log = CsvLog(out_dir / LOG_NAME, resumed_from) if ctx.is_main else None
    board = tensorboard_writer(out_dir) if ctx.is_main else None
    last_step = cfg.steps if stop_after is None else min(cfg.steps, stop_after)
    losses: list[float] = []
    started = time.monotonic()

    def write_checkpoint() -> None:
        rngs = gather_rng_states(ctx)  # collective: every rank takes part
        if ctx.is_main:
            payload = {
                "step": step,
                "objective": objective.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "rng": rngs,
                "log_window": window,  # so the first row after a resume averages the same steps
                "loop": asdict(cfg),
            }
            save_checkpoint(checkpoint_path, payload)

    objective.train()
    progress = tqdm(
        total=cfg.steps, initial=step, desc=desc, disable=not ctx.is_main or None, leave=False
    )
    while step < last_step:
        epoch, offset = divmod(step, steps_per_epoch)
        sampler.set_epoch(epoch)
        batches = list(BatchSampler(sampler, cfg.batch_size, drop_last=True))[offset:]
        # A private generator keeps DataLoader from drawing on the global RNG, whose
        # state the checkpoint restores.
        loader = DataLoader(
            dataset,
            batch_sampler=batches,
            collate_fn=collate_fn,
            generator=torch.Generator().manual_seed(cfg.seed),
        )
        for batch in loader:
            loss, metrics = model(move_to(batch, device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            optimizer.step()
            scheduler.step()
            step += 1
            losses.append(float(loss.detach()))
            for key, value in {"loss": loss, **metrics}.items():
                window.setdefault(key, []).append(float(value.detach()))
            progress.update(1)
            if step % cfg.log_every == 0 or step == cfg.steps:
                means = _reduce_mean({k: float(np.mean(v)) for k, v in window.items()}, ctx, device)
                window.clear()
                progress.set_postfix(loss=f"{means['loss']:.4f}")
                if csv_log is not None:
                    row = {"step": step, "lr": scheduler.get_last_lr()[0], **means}
                    csv_log.append({**row, "seconds": round(time.monotonic() - started, 2)})
                if board is not None:
                    for key, value in means.items():
                        board.add_scalar(f"{desc}/{key}", value, step)
            if step % cfg.checkpoint_every == 0 or step == last_step:
                write_checkpoint()
            if step >= last_step:
                break
    progress.close()
    if board is not None:
        board.close()
    if ctx.distributed:
        # DDP keeps parameters equal but each rank's last batch moved its own BatchNorm
        # statistics: take rank 0's (the ones its checkpoint and bundle hold) everywhere.
        for buffer in objective.buffers():
            dist.broadcast(buffer, src=0)
    objective.eval()
    return TrainResult(step=step, losses=losses, finished=step >= cfg.steps)
