"""`omnibind train report`: the paper-style tables on the held-out simulated test set.

Given a trained bundle (its adaptive fusion is "AF"), this trains what the tables compare
it with, from the bundle's own frozen encoders and the same stage II data and settings:
the ``linear`` fusion, AF without negative labels (and ``mean``, which has nothing to train);
and, per student, the four CAD loss ablations from a fresh encoder. Then it scores every
modality combination of every test scene and writes markdown.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from omnibind_ros.core.bundle import load_bundle
from omnibind_ros.core.encoders import build_compact_encoder
from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.fusion import Fusion
from omnibind_ros.core.model import OmniBindModel
from omnibind_ros.training.af import (
    fusion_failure_bank,
    new_fusion,
    stage_two_dataset,
    train_fusion,
    type_ids_for,
)
from omnibind_ros.training.cad import distill, distillation_dataset
from omnibind_ros.training.config import TrainConfig
from omnibind_ros.training.embedding import accuracy, embed_array, embed_scenes
from omnibind_ros.training.fusion_eval import SubsetScores, all_subsets, score_subsets, with_noise
from omnibind_ros.training.preflight import dataset_lines
from omnibind_ros.training.reference_fusion import ConcatMLPFusion
from omnibind_ros.training.report_markdown import render_markdown
from omnibind_ros.training.runner import seed_everything
from omnibind_ros.training.scenes import SceneSet
from omnibind_ros.training.stage_data import held_out_scenes, student_scenes
from omnibind_ros.training.stage_io import TIMINGS_NAME
from omnibind_ros.training.supervised_reference import logistic_reference_accuracy

log = logging.getLogger(__name__)

AF, AF_NO_NEG, LINEAR, MEAN = "AF", "AF w/o negatives", "Linear", "Mean"
REFERENCE = "MLP over all embeddings (reference)"
# name -> (use L_cross, use L_self); L_con is always on (the OmniBind paper, Eq. 7, Tab. 7)
CAD_VARIANTS: dict[str, tuple[bool, bool]] = {
    "L_con": (False, False),
    "L_con + L_cross": (True, False),
    "L_con + L_self": (False, True),
    "L_con + L_cross + L_self": (True, True),
}


@dataclass
class ReportResults:
    """Every number the markdown shows."""

    modalities: tuple[str, ...]
    test_scenes: int
    fusion_scores: dict[str, SubsetScores]  # fusion variant -> per-combination accuracy
    cad_ablation: dict[str, dict[str, list[float]]]  # student -> variant -> accuracy per seed
    cad_full_accuracy: dict[str, float]  # student -> accuracy of the bundle's own student
    # student -> a logistic regression's accuracy on the same preprocessed input
    student_reference: dict[str, float]
    robustness: dict[str, dict[str, float]]  # noised modality -> variant -> accuracy
    clean: dict[str, float]  # variant -> accuracy on the same combinations without noise
    timings: dict[str, float]
    # noised modality -> combination (size >= 2, holding it) -> AF accuracy
    noised_subsets: dict[str, dict[tuple[int, ...], float]] = field(default_factory=dict)
    data_lines: list[str] = field(default_factory=list)  # what a dataset source holds


def _baseline_fusions(
    config: TrainConfig, model: OmniBindModel, device: torch.device
) -> dict[str, Fusion]:
    """The bundle's AF and the baselines, trained here on the bundle's stage II data."""
    if model.config.fusion.kind != "adaptive":
        raise ConfigError(
            f"the report compares against the bundle's adaptive fusion; this bundle's fusion is "
            f"{model.config.fusion.kind!r}"
        )
    model.encoders.to(device)
    dataset = stage_two_dataset(config, model, device)
    model.encoders.cpu()
    stuck_bank = fusion_failure_bank(model)
    fusions: dict[str, Fusion] = {AF: model.fusion, MEAN: new_fusion(model, "mean")}
    linear = replace(config.af, fusion="linear")
    no_negatives = replace(config.af, fusion="adaptive", negatives=False, full_vocab_ce=True)
    to_train = {
        LINEAR: (lambda: new_fusion(model, "linear"), linear),
        AF_NO_NEG: (lambda: new_fusion(model, "adaptive"), no_negatives),
        REFERENCE: (
            lambda: ConcatMLPFusion(model.embed_dim, model.config.fusion.max_tokens),
            config.af,
        ),
    }
    for name, (build, af) in to_train.items():
        torch.manual_seed(config.seed)
        fusion = build()
        train_fusion(
            fusion, dataset, model.label_embeddings(), model.modalities, af,
            config.out_path / "report" / name.split(" (")[0].replace(" ", "_").replace("/", ""),
            stuck_bank=stuck_bank, desc=name,
        )  # fmt: skip
        fusions[name] = fusion.cpu().eval()
    return fusions


def _cad_ablation(
    config: TrainConfig,
    model: OmniBindModel,
    train_sets: dict[str, SceneSet],
    test: SceneSet,
    device: torch.device,
) -> dict[str, dict[str, list[float]]]:
    """Per student, the held-out accuracy of each loss variant trained on its ``train_sets``
    entry, once per ablation seed; every variant of one seed starts from the same weights."""
    loop = replace(
        config.cad.loop,
        steps=config.report.cad_ablation_steps,
        warmup_steps=min(config.cad.loop.warmup_steps, config.report.cad_ablation_steps // 10),
    )
    labels = torch.as_tensor(test.labels)
    model.encoders["image"].to(device)
    table: dict[str, dict[str, list[float]]] = {}
    for student in config.cad.students:
        dataset = distillation_dataset(
            model.encoders["image"], train_sets[student], student, device
        )
        table[student] = {name: [] for name in CAD_VARIANTS}
        for run in range(config.report.cad_ablation_seeds):
            for name, (use_cross, use_self) in CAD_VARIANTS.items():
                seed = config.seed + run
                seed_everything(seed)
                encoder = build_compact_encoder(
                    model.config.encoders[student].arch, model.input_shape(student),
                    model.embed_dim,
                )  # fmt: skip
                losses = replace(
                    config.cad.losses, use_con=True, use_cross=use_cross, use_self=use_self
                )
                out_dir = (
                    config.out_path / "report" / "cad" / student / f"{name.replace(' + ', '+')}"
                    f"-seed{seed}"
                )
                augment_as = student if student in config.cad.augment else None
                distill(encoder, dataset, model.label_embeddings(student), losses,
                        replace(loop, seed=seed), out_dir, augment_as=augment_as,
                        audio_ops=config.cad.audio_augment,
                        desc=f"{student}:{name}:seed{seed}")  # fmt: skip
                table[student][name].append(
                    accuracy(
                        embed_array(encoder, test.inputs[student], device),
                        labels,
                        model.label_embeddings(student),
                    )
                )
    model.encoders.cpu()
    return table


def _robustness(
    config: TrainConfig,
    model: OmniBindModel,
    fusions: dict[str, Fusion],
    embeddings: torch.Tensor,
    labels: torch.Tensor,
) -> tuple[dict[str, dict[str, float]], dict[str, float], dict]:
    """Accuracy when one modality is replaced by noise, over the combinations of size >= 2
    that contain it; the same combinations' clean accuracy for reference; and AF's accuracy
    on each of those combinations with the noise."""
    type_ids = type_ids_for(model.modalities)
    text_bank = model.label_embeddings()
    subsets = [s for s in all_subsets(len(model.modalities)) if len(s) >= 2]
    table: dict[str, dict[str, float]] = {}
    clean: dict[str, float] = {}
    per_subset: dict[str, dict[tuple[int, ...], float]] = {}
    for name, fusion in fusions.items():
        clean[name] = score_subsets(
            fusion, embeddings, type_ids, labels, text_bank, subsets
        ).overall()
    for index, modality in enumerate(model.modalities):
        noisy = with_noise(
            embeddings, index, model.encoders[modality], model.input_shape(modality),
            config.report.noise_std, seed=config.seed + index,
        )  # fmt: skip
        containing = [s for s in subsets if index in s]
        scored = {
            name: score_subsets(fusion, noisy, type_ids, labels, text_bank, containing)
            for name, fusion in fusions.items()
        }
        table[modality] = {name: scores.overall() for name, scores in scored.items()}
        per_subset[modality] = scored[AF].by_subset
    return table, clean, per_subset


def build_report(config: TrainConfig, bundle: Path, device: torch.device) -> ReportResults:
    started = time.monotonic()
    model = load_bundle(bundle)
    modalities = model.modalities
    test = held_out_scenes(config, list(modalities))
    model.encoders.to(device)
    embeddings = embed_scenes(model.encoders, test, modalities, device)
    model.encoders.cpu()
    labels = torch.as_tensor(test.labels)
    type_ids = type_ids_for(modalities)
    fusions = _baseline_fusions(config, model, device)
    scores = {
        name: score_subsets(
            fusion,
            embeddings,
            type_ids,
            labels,
            model.label_embeddings(),
            single_banks=[model.label_embeddings(m) for m in modalities],
        )
        for name, fusion in fusions.items()
    }
    full = {s: scores[AF].single[modalities.index(s)] for s in config.cad.students}
    # Each student's training data, read once for its ablation and its reference.
    train_sets = {s: student_scenes(config, s) for s in config.cad.students}
    ablation = _cad_ablation(config, model, train_sets, test, device)
    reference = {s: logistic_reference_accuracy(train_sets[s], test, s) for s in train_sets}
    robustness, clean, noised_subsets = _robustness(config, model, fusions, embeddings, labels)
    timings_path = config.out_path / TIMINGS_NAME
    timings = json.loads(timings_path.read_text()) if timings_path.exists() else {}
    timings["report"] = round(time.monotonic() - started, 1)
    return ReportResults(
        modalities=modalities,
        test_scenes=len(test),
        fusion_scores=scores,
        cad_ablation=ablation,
        cad_full_accuracy=full,
        student_reference=reference,
        robustness=robustness,
        clean=clean,
        timings=timings,
        noised_subsets=noised_subsets,
        data_lines=dataset_lines(config),
    )


def write_report(
    config: TrainConfig,
    bundle: Path,
    out: Path,
    command: str,
    device: torch.device,
    config_name: str = "omnibind_ros/training/configs/default.yaml",
) -> ReportResults:
    """Build the tables for ``bundle`` and write them as markdown to ``out``."""
    results = build_report(config, bundle, device)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_markdown(results, config, bundle, command, config_name))
    log.info("report written to %s", out)
    return results
