"""Stage II (AF) trainer: random subsets, hard negatives on and off, baselines, loss goes down."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from omnibind_ros.core.fusion import build_fusion
from omnibind_ros.training.af import FusionObjective, random_subsets, train_fusion
from omnibind_ros.training.config import AfConfig
from omnibind_ros.training.embedding import ArrayDataset
from omnibind_ros.training.fusion_eval import score_subsets
from omnibind_ros.training.runner import LoopConfig, seed_everything

CLASSES, DIM, MODALITIES = 5, 32, ("image", "thermal", "audio")
LOOP = LoopConfig(steps=60, batch_size=32, lr=3e-3, log_every=10, checkpoint_every=60)


def _bank() -> torch.Tensor:
    return F.normalize(
        torch.randn(CLASSES, DIM, generator=torch.Generator().manual_seed(2)), dim=-1
    )


def _scene_embeddings(n: int = 256):
    """Per-modality embeddings near the label's text, each modality wrong in its own way:
    thermal confuses labels 0 and 1, audio mostly emits a fixed wrong direction."""
    gen = torch.Generator().manual_seed(3)
    labels = torch.randint(0, CLASSES, (n,), generator=gen)
    bank = _bank()
    image = bank[labels] + 0.9 * torch.randn(n, DIM, generator=gen)
    thermal = bank[torch.where(labels == 1, 0, labels)] + 0.4 * torch.randn(n, DIM, generator=gen)
    audio_ok = torch.rand(n, generator=gen) < 0.4
    audio = torch.where(audio_ok.unsqueeze(1), bank[labels], bank[4]) + 0.3 * torch.randn(
        n, DIM, generator=gen
    )
    embeddings = F.normalize(torch.stack([image, thermal, audio], dim=1), dim=-1)
    return embeddings, torch.ones(n, 3, dtype=torch.bool), labels


def test_random_subsets_are_non_empty_and_only_of_present_modalities() -> None:
    torch.manual_seed(0)
    present = torch.tensor([[1, 1, 1, 1], [0, 1, 0, 1], [0, 0, 1, 0]], dtype=torch.bool)
    for _ in range(200):
        chosen = random_subsets(present)
        assert chosen.any(dim=1).all()
        assert not (chosen & ~present).any()
    assert random_subsets(present)[2].tolist() == [False, False, True, False]


def test_random_subsets_are_uniform_over_the_non_empty_combinations() -> None:
    torch.manual_seed(0)
    draws = random_subsets(torch.ones(14000, 3, dtype=torch.bool))
    counts = Counter(tuple(row) for row in draws.tolist())
    assert len(counts) == 7  # 2^3 - 1
    assert all(abs(c / 14000 - 1 / 7) < 0.015 for c in counts.values())


def test_af_training_lowers_the_loss_and_beats_mean_fusion(tmp_path: Path) -> None:
    seed_everything(0)
    embeddings, present, labels = _scene_embeddings()
    dataset = ArrayDataset(embeddings, present, labels)
    fusion = build_fusion("adaptive", DIM, 8, {"heads": 4})
    af = AfConfig(loop=LOOP)
    result = train_fusion(fusion, dataset, _bank(), MODALITIES, af, tmp_path)
    assert result is not None and result.finished
    assert np.mean(result.losses[-5:]) < 0.8 * np.mean(result.losses[:5])
    type_ids = torch.tensor([0, 1, 4])
    trained = score_subsets(fusion, embeddings, type_ids, labels, _bank()).overall()
    mean = build_fusion("mean", DIM, 8, {})
    assert trained > score_subsets(mean, embeddings, type_ids, labels, _bank()).overall()


def test_negatives_switch_selects_the_loss_terms() -> None:
    torch.manual_seed(0)
    embeddings, present, labels = _scene_embeddings(16)
    fusion = build_fusion("adaptive", DIM, 8, {"heads": 4})
    with_neg = FusionObjective(fusion, _bank(), MODALITIES, AfConfig(loop=LOOP))
    without = FusionObjective(fusion, _bank(), MODALITIES, AfConfig(loop=LOOP, negatives=False))
    _, metrics = with_neg((embeddings, present, labels))
    assert set(metrics) == {"neg", "full", "acc"}
    loss, metrics = without((embeddings, present, labels))
    assert set(metrics) == {"full", "acc"}
    assert torch.isclose(loss, metrics["full"])


def test_mean_fusion_has_nothing_to_train(tmp_path: Path) -> None:
    embeddings, present, labels = _scene_embeddings(32)
    mean = build_fusion("mean", DIM, 8, {})
    dataset = ArrayDataset(embeddings, present, labels)
    assert train_fusion(mean, dataset, _bank(), MODALITIES, AfConfig(loop=LOOP), tmp_path) is None
    assert not any(tmp_path.iterdir())


def test_subset_scores_cover_every_combination_with_consistent_summaries() -> None:
    embeddings, _, labels = _scene_embeddings(64)
    mean = build_fusion("mean", DIM, 8, {})
    scores = score_subsets(mean, embeddings, torch.tensor([0, 1, 4]), labels, _bank())
    combos = [c for k in (1, 2, 3) for c in itertools.combinations(range(3), k)]
    assert list(scores.by_subset) == combos
    # Mean fusion of one embedding is that embedding: singles agree with the 1-subsets.
    assert [scores.by_subset[(m,)] for m in range(3)] == scores.single
    assert scores.by_size()[1] == np.mean(scores.single)
    assert scores.best_member_by_size()[3] == max(scores.single)
    assert scores.overall() == np.mean(list(scores.by_subset.values()))
