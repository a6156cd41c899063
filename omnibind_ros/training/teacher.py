"""Teacher alignment: train the image encoder into the frozen text teacher's space.

Only the default bundle needs this stage (real users start from a pretrained image-text
model). Abundant simulated image-label pairs; the loss is the OmniBind paper, Eq. 2 with the image
encoder in the student's seat: cross-entropy over the similarities to every label prompt.
"""

from __future__ import annotations

import logging
import time

import torch
from torch import nn

from omnibind_ros.core.model import OmniBindModel
from omnibind_ros.training.config import TrainConfig
from omnibind_ros.training.embedding import ArrayDataset, accuracy, collate_batch, embed_array
from omnibind_ros.training.losses import text_supervised_contrastive
from omnibind_ros.training.runner import seed_everything, train
from omnibind_ros.training.stage_data import held_out_scenes, teacher_scenes
from omnibind_ros.training.stage_io import (
    initial_model,
    record_timing,
    training_device,
    write_stage_bundle,
)

log = logging.getLogger(__name__)


class AlignmentObjective(nn.Module):
    """Image batch + labels -> CE of image embeddings against the (C, D) label texts."""

    def __init__(self, encoder: nn.Module, text_bank: torch.Tensor, tau: float) -> None:
        super().__init__()
        self.encoder = encoder
        self.register_buffer("text_bank", text_bank.clone())
        self.tau = tau

    def forward(self, batch):
        images, labels = batch
        embeddings = self.encoder(images)
        loss = text_supervised_contrastive(embeddings, self.text_bank, labels, self.tau)
        correct = (embeddings.detach() @ self.text_bank.T).argmax(dim=1) == labels
        return loss, {"acc": correct.float().mean()}


def run_teacher(
    config: TrainConfig, *, resume: bool = False, stop_after: int | None = None
) -> tuple[OmniBindModel, bool]:
    """Align the image encoder; writes OUT/teacher.omnibind once the loop has finished.

    Returns the model and whether the stage finished (False when ``stop_after`` stopped it).
    """
    started = time.monotonic()
    scenes = teacher_scenes(config)
    record_timing(config, "teacher data", time.monotonic() - started)
    seed_everything(config.seed)  # the fresh model's random init is part of the run
    model = initial_model(config, "teacher", config.teacher.init, scenes.classes)
    objective = AlignmentObjective(
        model.encoders["image"], model.label_embeddings(), config.teacher.tau
    )
    dataset = ArrayDataset(scenes.inputs["image"], scenes.labels)
    started = time.monotonic()
    result = train(
        objective,
        dataset,
        config.teacher.loop,
        config.out_path / "teacher",
        resume=resume,
        stop_after=stop_after,
        desc="teacher",
        collate_fn=collate_batch,
    )
    if not result.finished:
        return model, False
    record_timing(config, "teacher train", time.monotonic() - started)
    test = held_out_scenes(config, list(model.modalities))  # the set every stage evaluates on
    device = training_device(config.teacher.loop.device)
    test_acc = accuracy(
        embed_array(model.encoders["image"].to(device), test.inputs["image"], device),
        torch.as_tensor(test.labels),
        model.label_embeddings(),
    )
    log.info("teacher: held-out image accuracy %.3f", test_acc)
    model.encoders.cpu()
    write_stage_bundle(config, "teacher", model, {"image_test_accuracy": test_acc})
    return model, True
