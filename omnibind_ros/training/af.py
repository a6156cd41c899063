"""Stage II, Adaptive Fusion (Eq. 8-9 of the OmniBind paper), and the fusion baselines.

Every encoder is frozen, so each scene of the modality-free set is embedded once by every
modality it has; training then draws, per example and per step, a random non-empty subset
of those embeddings (uniform over subsets, as at test time every subset may occur) and fuses
it. Hard negatives are the labels that the chosen modalities predict wrongly (a random wrong
label when all are right). With ``af.sensor_failure`` some examples carry one stuck or stale
sensor, with ``af.corruption`` one sensor whose input was corrupted (training.sensor_failure).
``af.fusion`` and ``af.negatives`` select the baselines: ``mean`` (nothing to train),
``linear``, and AF without negative labels.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

from omnibind_ros.core.config import ModelConfig
from omnibind_ros.core.fusion import Fusion, build_fusion
from omnibind_ros.core.modalities import modality_index
from omnibind_ros.core.model import OmniBindModel
from omnibind_ros.training.config import AfConfig, TrainConfig
from omnibind_ros.training.embedding import ArrayDataset, collate_batch, embed_scenes
from omnibind_ros.training.losses import af_loss, hard_negative_mask
from omnibind_ros.training.runner import TrainResult, train
from omnibind_ros.training.scenes import SceneSet
from omnibind_ros.training.sensor_failure import (
    break_one_sensor,
    corrupt_one_sensor,
    corrupted_embeddings,
    stuck_sensor_bank,
)
from omnibind_ros.training.stage_data import fusion_scenes
from omnibind_ros.training.stage_io import (
    initial_model,
    record_timing,
    training_device,
    write_stage_bundle,
)

log = logging.getLogger(__name__)


def random_subsets(present: torch.Tensor) -> torch.Tensor:
    """(B, M) bool: a uniformly drawn non-empty subset of each row's present modalities.

    Each present modality is kept with probability 1/2 and empty draws are redrawn, which is
    uniform over the non-empty subsets. Uses the global torch RNG (checkpointed).
    """
    if not present.any(dim=1).all():
        raise ValueError("every example needs at least one present modality")
    chosen = torch.zeros_like(present)
    todo = torch.ones(len(present), dtype=torch.bool, device=present.device)
    while todo.any():
        draw = (torch.rand(present.shape, device=present.device) < 0.5) & present
        chosen = torch.where(todo.unsqueeze(1), draw, chosen)
        todo = ~chosen.any(dim=1)
    return chosen


def type_ids_for(modalities: tuple[str, ...]) -> torch.Tensor:
    return torch.tensor([modality_index(m) for m in modalities], dtype=torch.long)


class FusionObjective(nn.Module):
    """Scene embeddings (B, M, D) + presence + labels [+ corrupted embeddings (B, M, D)] ->
    L_AF of a random subset per example.

    ``stuck_bank`` (M, L, D), from :func:`fusion_failure_bank`, is needed when
    ``af.sensor_failure`` is on; the corrupted column (``fusion_dataset(corrupt_seed=...)``)
    when ``af.corruption`` is.
    """

    def __init__(
        self,
        fusion: Fusion,
        text_bank: torch.Tensor,
        modalities: tuple[str, ...],
        af: AfConfig,
        stuck_bank: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        if af.sensor_failure and stuck_bank is None:
            raise ValueError("af.sensor_failure needs the stuck-sensor embeddings (stuck_bank)")
        self.fusion = fusion
        self.register_buffer("text_bank", text_bank.clone())
        self.register_buffer("type_ids", type_ids_for(modalities))
        self.register_buffer("stuck_bank", stuck_bank)
        self.af = af

    def forward(self, batch):
        embeddings, present, labels, *corrupted = batch
        mask = random_subsets(present)
        if self.af.sensor_failure:
            embeddings = break_one_sensor(embeddings, mask, self.stuck_bank, self.af.sensor_failure)
        replaced = None
        if self.af.corruption:
            if not corrupted:
                raise ValueError("af.corruption needs the dataset's corrupted embeddings")
            embeddings, replaced = corrupt_one_sensor(
                embeddings, mask, corrupted[0], self.af.corruption
            )
        type_ids = self.type_ids.expand(len(labels), -1)
        fused = self.fusion(embeddings, type_ids, mask)
        negatives = (
            hard_negative_mask(embeddings, self.text_bank, labels, present=mask)
            if self.af.negatives
            else None
        )
        terms = af_loss(
            fused,
            self.text_bank,
            labels,
            negatives,
            self.af.tau,
            full_vocab_ce=self.af.full_vocab_ce,
            weight=self.af.full_vocab_weight,
        )
        total, parts = terms.total, dict(terms.parts)
        if self.af.corrupted_share_weight and replaced is not None:
            # The corrupted sensor's share of each fused embedding it took part in.
            share = (self.fusion.token_weights(embeddings, type_ids, mask) * replaced).sum(1)
            rows = replaced.any(dim=1)
            parts["corrupted_share"] = share[rows].mean() if rows.any() else share.new_zeros(())
            total = total + self.af.corrupted_share_weight * parts["corrupted_share"]
        correct = (fused.detach() @ self.text_bank.T).argmax(dim=1) == labels
        return total, {**parts, "acc": correct.float().mean()}


def fusion_dataset(
    model: OmniBindModel,
    scenes: SceneSet,
    device: torch.device,
    corrupt_seed: int | None = None,
) -> ArrayDataset:
    """(frozen embeddings (M, D), presence (M,), label) per scene, M = model.modalities; with
    ``corrupt_seed``, also each sample's embedding after one random input corruption."""
    modalities = model.modalities
    embeddings = embed_scenes(model.encoders, scenes, modalities, device)
    present = torch.stack([torch.as_tensor(scenes.present[m]) for m in modalities], dim=1)
    columns = [embeddings, present, scenes.labels]
    if corrupt_seed is not None:
        columns.append(
            corrupted_embeddings(
                model.encoders, scenes.inputs, scenes.present, modalities, corrupt_seed, device
            )
        )
    return ArrayDataset(*columns)


def stage_two_dataset(config: TrainConfig, model: OmniBindModel, device) -> ArrayDataset:
    """:func:`fusion_dataset` of the run's stage II scenes, as ``run_af`` trains on them."""
    scenes = fusion_scenes(config, list(model.modalities))
    return fusion_dataset(model, scenes, device, config.seed if config.af.corruption else None)


def fusion_failure_bank(model: OmniBindModel) -> torch.Tensor:
    """The stuck-sensor embeddings of ``model``'s frozen encoders (training.sensor_failure)."""
    shapes = {m: model.input_shape(m) for m in model.modalities}
    return stuck_sensor_bank(model.encoders, shapes, model.modalities)


def fusion_params(model_config: ModelConfig, kind: str) -> dict:
    """A model config's fusion parameters (heads, ...) when ``kind`` is its kind; else the
    defaults of ``kind``."""
    return dict(model_config.fusion.params) if kind == model_config.fusion.kind else {}


def new_fusion(model: OmniBindModel, kind: str, params: dict | None = None) -> Fusion:
    """A freshly initialised fusion module of ``kind`` shaped for ``model`` (``params``:
    default the model's own)."""
    params = fusion_params(model.config, kind) if params is None else params
    return build_fusion(kind, model.embed_dim, model.config.fusion.max_tokens, params)


def train_fusion(
    fusion: Fusion,
    dataset: ArrayDataset,
    text_bank: torch.Tensor,
    modalities: tuple[str, ...],
    af: AfConfig,
    out_dir: Path,
    *,
    stuck_bank: torch.Tensor | None = None,
    resume: bool = False,
    stop_after: int | None = None,
    desc: str = "af",
) -> TrainResult | None:
    """Train ``fusion`` in place; None for a fusion with nothing to train (``mean``)."""
    if not any(p.requires_grad for p in fusion.parameters()):
        return None
    objective = FusionObjective(fusion, text_bank, modalities, af, stuck_bank)
    return train(
        objective, dataset, af.loop, out_dir, resume=resume, stop_after=stop_after, desc=desc,
        collate_fn=collate_batch,
    )  # fmt: skip


def run_af(
    config: TrainConfig, *, resume: bool = False, stop_after: int | None = None
) -> tuple[OmniBindModel, bool]:
    """Train the fusion module; writes OUT/af.omnibind (and ``config.bundle``) when finished.

    Returns the model and whether the stage finished.
    """
    af = config.af
    device = training_device(af.loop.device)
    started = time.monotonic()
    scenes = fusion_scenes(config, list(config.model_config().modalities))
    model = initial_model(config, "af", af.init, scenes.classes)
    model.encoders.to(device)
    dataset = fusion_dataset(model, scenes, device, config.seed if af.corruption else None)
    model.encoders.cpu()
    stuck_bank = fusion_failure_bank(model)
    record_timing(config, "af data", time.monotonic() - started)
    torch.manual_seed(config.seed)  # the fusion's random init is part of the run
    # This run's model config decides the fusion's form, whatever bundle stage II starts from.
    params = fusion_params(config.model_config(), af.fusion)
    fusion = new_fusion(model, af.fusion, params)
    model.config.fusion = replace(model.config.fusion, kind=af.fusion, params=params)
    model.fusion = fusion
    started = time.monotonic()
    result = train_fusion(
        model.fusion,
        dataset,
        model.label_embeddings(),
        model.modalities,
        af,
        config.out_path / "af",
        stuck_bank=stuck_bank,
        resume=resume,
        stop_after=stop_after,
    )
    if result is not None and not result.finished:
        return model, False
    record_timing(config, "af train", time.monotonic() - started)
    model.fusion.cpu().eval()
    write_stage_bundle(config, "af", model, {"fusion": af.fusion, "negatives": af.negatives})
    return model, True
