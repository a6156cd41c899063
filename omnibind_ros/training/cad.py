"""Stage I, Cross-modal Alignment Distillation (Eq. 2-7 of the OmniBind paper).

The teachers are frozen: the image teacher's embeddings of each student scene are computed
once, the text teacher's are the label prompts. Students are distilled one after another, in
a seeded random order, each with the same switchable loss terms (``cad.losses``).
"""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path

import torch
from torch import nn

from omnibind_ros.core.model import OmniBindModel
from omnibind_ros.training.augment import AUDIO_OPS, augment
from omnibind_ros.training.config import CadConfig, TrainConfig
from omnibind_ros.training.embedding import ArrayDataset, accuracy, collate_batch, embed_array
from omnibind_ros.training.losses import CADLoss
from omnibind_ros.training.runner import LoopConfig, TrainResult, train
from omnibind_ros.training.scenes import SceneSet
from omnibind_ros.training.stage_data import held_out_scenes, student_scenes
from omnibind_ros.training.stage_io import (
    initial_model,
    record_timing,
    training_device,
    write_stage_bundle,
)

log = logging.getLogger(__name__)


class DistillationObjective(nn.Module):
    """Student batch + paired image embeddings + labels -> L_CAD (Eq. 7) and its parts.

    With ``augment_as`` (the student's modality) training batches are augmented first.
    """

    def __init__(
        self,
        student: nn.Module,
        text_bank: torch.Tensor,
        loss: CADLoss,
        augment_as: str | None = None,
        audio_ops: tuple[str, ...] = AUDIO_OPS,
    ) -> None:
        super().__init__()
        self.student = student
        self.register_buffer("text_bank", text_bank.clone())
        self.loss = loss
        self.augment_as = augment_as
        self.audio_ops = audio_ops

    def forward(self, batch):
        inputs, image_embeddings, labels = batch
        if self.training and self.augment_as is not None:
            inputs = augment(self.augment_as, inputs, self.audio_ops)
        embeddings = self.student(inputs)
        terms = self.loss(embeddings, labels, self.text_bank, image_embeddings)
        correct = (embeddings.detach() @ self.text_bank.T).argmax(dim=1) == labels
        return terms.total, {**terms.parts, "acc": correct.float().mean()}


def student_order(cad: CadConfig, seed: int) -> list[str]:
    """The order students are distilled in: seeded random (the paper samples them) or fixed."""
    order = list(cad.students)
    if cad.order == "random":
        random.Random(seed).shuffle(order)
    return order


def distillation_dataset(
    image_encoder: nn.Module, scenes: SceneSet, student: str, device: torch.device
) -> ArrayDataset:
    """(student input, frozen image-teacher embedding, label) for scenes that have both."""
    paired = scenes.present["image"] & scenes.present[student]
    image_embeddings = embed_array(image_encoder, scenes.inputs["image"][paired], device)
    return ArrayDataset(scenes.inputs[student][paired], image_embeddings, scenes.labels[paired])


def distill(
    student: nn.Module,
    dataset: ArrayDataset,
    text_bank: torch.Tensor,
    loss: CADLoss,
    loop: LoopConfig,
    out_dir: Path,
    *,
    augment_as: str | None = None,
    audio_ops: tuple[str, ...] = AUDIO_OPS,
    resume: bool = False,
    stop_after: int | None = None,
    desc: str = "cad",
) -> TrainResult:
    """Train one student encoder in place with L_CAD (``augment_as``: its modality, to
    augment its batches; ``audio_ops``: the augmentations of a sound student)."""
    objective = DistillationObjective(student, text_bank, loss, augment_as, audio_ops)
    return train(
        objective, dataset, loop, out_dir, resume=resume, stop_after=stop_after, desc=desc,
        collate_fn=collate_batch,
    )  # fmt: skip


def run_cad(
    config: TrainConfig, *, resume: bool = False, stop_after: int | None = None
) -> tuple[OmniBindModel, bool]:
    """Distil every configured student; writes OUT/cad.omnibind once all have finished.

    ``stop_after`` bounds each student's loop; the stage stops at the first student it
    interrupts (resume picks up from there). Returns the model and whether all finished.
    """
    cad = config.cad
    device = training_device(cad.loop.device)
    test = None
    test_accuracy: dict[str, float] = {}
    model: OmniBindModel | None = None
    for student in student_order(cad, config.seed):
        started = time.monotonic()
        scenes = student_scenes(config, student)
        if model is None:
            model = initial_model(config, "cad", cad.init, scenes.classes)
            model.encoders.to(device)
        dataset = distillation_dataset(model.encoders["image"], scenes, student, device)
        record_timing(config, f"cad {student} data", time.monotonic() - started)
        started = time.monotonic()
        result = distill(
            model.encoders[student],
            dataset,
            model.label_embeddings(student),  # the student's own label prompts
            cad.losses,
            cad.loop,
            config.out_path / "cad" / student,
            augment_as=student if student in cad.augment else None,
            audio_ops=cad.audio_augment,
            resume=resume,
            stop_after=stop_after,
            desc=f"cad:{student}",
        )
        if not result.finished:
            return model, False
        record_timing(config, f"cad {student} train", time.monotonic() - started)
        if test is None:
            test = held_out_scenes(config, list(model.modalities))
        test_accuracy[student] = accuracy(
            embed_array(model.encoders[student], test.inputs[student], device),
            torch.as_tensor(test.labels),
            model.label_embeddings(student),
        )
        log.info("cad: %s held-out accuracy %.3f", student, test_accuracy[student])
    model.encoders.cpu()
    write_stage_bundle(config, "cad", model, {"student_test_accuracy": test_accuracy})
    return model, True
