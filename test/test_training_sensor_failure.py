"""Simulated sensor failures in stage II: which sensors break, into what, and the trainer's use."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from omnibind_ros.core.fusion import build_fusion
from omnibind_ros.training.af import FusionObjective
from omnibind_ros.training.config import AfConfig
from omnibind_ros.training.runner import LoopConfig
from omnibind_ros.training.sensor_failure import LEVELS, break_one_sensor, stuck_sensor_bank

B, M, D = 64, 4, 16


def _batch(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    embeddings = F.normalize(torch.randn(B, M, D, generator=gen), dim=-1)
    chosen = torch.rand(B, M, generator=gen) < 0.6
    chosen[:8] = False
    chosen[:8, 1] = True  # eight rows with a single sensor: never broken
    return embeddings, chosen


def _stuck_bank() -> torch.Tensor:
    return F.normalize(
        torch.randn(M, len(LEVELS), D, generator=torch.Generator().manual_seed(9)), dim=-1
    )


def test_every_row_with_two_sensors_breaks_exactly_one_of_its_chosen_sensors() -> None:
    torch.manual_seed(0)
    embeddings, chosen = _batch()
    broken = break_one_sensor(embeddings, chosen, _stuck_bank(), probability=1.0)
    changed = (broken != embeddings).any(dim=-1)
    eligible = chosen.sum(dim=1) >= 2
    assert not changed[~eligible].any()
    # A stale replacement may copy the row's own embedding (the same scene drawn): at most one.
    assert (changed.sum(dim=1) <= 1).all() and changed[eligible].sum() > 0.8 * eligible.sum()
    assert not (changed & ~chosen).any()


def test_a_broken_sensor_reads_as_stuck_or_as_another_scene_of_the_same_modality() -> None:
    torch.manual_seed(1)
    embeddings, chosen = _batch()
    bank = _stuck_bank()
    broken = break_one_sensor(embeddings, chosen, bank, probability=1.0)
    kinds = {"stuck": 0, "stale": 0}
    for row, modality in torch.nonzero((broken != embeddings).any(dim=-1)).tolist():
        value = broken[row, modality]
        if any(torch.equal(value, level) for level in bank[modality]):
            kinds["stuck"] += 1
        else:
            assert any(torch.equal(value, other) for other in embeddings[:, modality])
            kinds["stale"] += 1
    assert kinds["stuck"] > 5 and kinds["stale"] > 5


def test_probability_zero_leaves_the_batch_alone_and_the_input_is_not_modified() -> None:
    embeddings, chosen = _batch()
    before = embeddings.clone()
    assert torch.equal(break_one_sensor(embeddings, chosen, _stuck_bank(), 0.0), embeddings)
    break_one_sensor(embeddings, chosen, _stuck_bank(), 1.0)
    assert torch.equal(embeddings, before)


def test_the_stuck_bank_holds_each_encoders_embedding_of_each_constant_input() -> None:
    torch.manual_seed(0)
    encoders = nn.ModuleDict({"thermal": nn.Sequential(nn.Flatten(), nn.Linear(12, D)),
                              "audio": nn.Sequential(nn.Flatten(), nn.Linear(6, D))})  # fmt: skip
    shapes = {"thermal": (1, 3, 4), "audio": (2, 3)}
    bank = stuck_sensor_bank(encoders, shapes, ("thermal", "audio"))
    assert bank.shape == (2, len(LEVELS), D)
    blank = torch.full((1, 2, 3), float(LEVELS[0]))
    torch.testing.assert_close(bank[1, 0], encoders["audio"](blank)[0].detach())


def test_training_with_sensor_failures_needs_the_stuck_bank() -> None:
    fusion = build_fusion("adaptive", D, 8, {"heads": 4})
    bank = F.normalize(torch.randn(3, D), dim=-1)
    af = AfConfig(loop=LoopConfig(steps=1, batch_size=B, lr=1e-3), sensor_failure=0.5)
    with pytest.raises(ValueError, match="stuck"):
        FusionObjective(fusion, bank, ("image", "thermal", "audio"), af)
    objective = FusionObjective(fusion, bank, ("image", "thermal", "audio"), af, _stuck_bank()[:3])
    labels = torch.randint(0, 3, (B,))
    loss, metrics = objective((_batch()[0][:, :3], torch.ones(B, 3, dtype=torch.bool), labels))
    assert torch.isfinite(loss) and "neg" in metrics


def test_input_corruptions_cover_every_kind_and_keep_shapes() -> None:
    import numpy as np

    from omnibind_ros.training.sensor_failure import CORRUPTIONS, corrupt_inputs

    rng = np.random.default_rng(0)
    clean = rng.uniform(-1, 1, (200, 1, 8, 20)).astype(np.float16)
    corrupted = corrupt_inputs(clean, np.random.default_rng(1))
    assert corrupted.shape == clean.shape and corrupted.dtype == np.float32
    changed = ~np.isclose(corrupted, clean.astype(np.float32)).all(axis=(1, 2, 3))
    assert changed.mean() > 0.9  # a corruption that changes nothing would teach nothing
    blank = np.ptp(corrupted.reshape(200, -1), axis=1) == 0
    assert blank.any() and len(CORRUPTIONS) == 5
    # A dropped span holds the sample's minimum over most of its last axis.
    lows = (corrupted == clean.astype(np.float32).min(axis=(1, 2, 3), keepdims=True)).mean(
        axis=(1, 2, 3)
    )
    assert (lows > 0.45).any()
    cloud = rng.normal(size=(4, 64, 3)).astype(np.float32)
    assert corrupt_inputs(cloud, np.random.default_rng(2)).shape == cloud.shape


def test_corrupting_one_sensor_leaves_single_sensor_rows_alone() -> None:
    from omnibind_ros.training.sensor_failure import corrupt_one_sensor

    embeddings, chosen = _batch()
    corrupted = -embeddings
    torch.manual_seed(0)
    out, replaced = corrupt_one_sensor(embeddings, chosen, corrupted, probability=1.0)
    changed = (out != embeddings).any(dim=-1)  # (B, M)
    assert torch.equal(replaced, changed)
    assert not changed[:8].any()
    several = chosen.sum(dim=1) >= 2
    assert (changed.sum(dim=1)[several] == 1).all()
    assert (changed <= chosen).all()
    assert torch.equal(out[changed], corrupted[changed])


def test_the_corrupted_share_term_adds_its_weight_times_the_corrupted_sensors_share() -> None:
    fusion = build_fusion("adaptive", D, 8, {"heads": 4, "reliability": True})
    bank = F.normalize(torch.randn(3, D, generator=torch.Generator().manual_seed(2)), dim=-1)
    embeddings = _batch()[0][:, :3]
    batch = (embeddings, torch.ones(B, 3, dtype=torch.bool), torch.randint(0, 3, (B,)), -embeddings)
    losses = {}
    for weight in (0.0, 2.0):
        af = AfConfig(
            loop=LoopConfig(steps=1, batch_size=B, lr=1e-3),
            corruption=1.0,
            corrupted_share_weight=weight,
        )
        torch.manual_seed(0)  # the same subsets and corrupted sensors for both
        losses[weight] = FusionObjective(fusion, bank, ("image", "thermal", "audio"), af)(batch)
    (plain, _), (penalised, metrics) = losses[0.0], losses[2.0]
    share = metrics["corrupted_share"]
    assert 0.0 < share < 1.0
    torch.testing.assert_close(penalised, plain + 2.0 * share)
