"""Training configuration: one YAML file describes a whole run, each stage reads its section.

    base: default.yaml          # optional: start from another file; a relative path is
                                # relative to the directory of the file that names it
    seed: 0
    out_dir: runs/default       # per-stage checkpoints, logs and bundles
    cache_dir: runs/cache       # rendered + preprocessed sim data
    bundle: omnibind_ros/models/default.omnibind   # where the final bundle is copied
    model: {...}                # omnibind_ros.core.config.ModelConfig
    data: {source: sim, ...}    # or {source: {manifest: DIR}, ...}
    teacher: {...}; cad: {...}; af: {...}; report: {...}

Every other relative path (out_dir, cache_dir, bundle, data.source.manifest, init) resolves
against the current directory (configs are run from the repository root, as `make model`
does).
"""

from __future__ import annotations

import copy
import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from omnibind_ros.core.config import ModelConfig
from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.fusion import FUSION_KINDS
from omnibind_ros.core.modalities import STUDENT_MODALITIES
from omnibind_ros.training.augment import AUDIO_OPS
from omnibind_ros.training.config_types import checked, require_positive
from omnibind_ros.training.losses import CADLoss
from omnibind_ros.training.runner import LoopConfig


def build_dataclass(cls: type, raw: Any, where: str) -> Any:
    """``cls(**raw)`` with unknown keys rejected and nested dataclass fields built recursively."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a mapping, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; expected some of {sorted(known)}")
    kwargs = {}
    for key, value in raw.items():
        hint = hints[key]
        if hint is LoopConfig:
            kwargs[key] = _loop(value, f"{where}.{key}")
        elif dataclasses.is_dataclass(hint):
            kwargs[key] = build_dataclass(hint, value, f"{where}.{key}")
        else:
            kwargs[key] = checked(value, hint, f"{where}.{key}")
    try:
        return cls(**kwargs)
    except TypeError as error:  # a required key left out
        raise ConfigError(f"{where}: {error}") from None
    except ConfigError as error:  # the dataclass's own checks
        raise ConfigError(f"{where}: {error}") from None


def _loop(raw: Any, where: str) -> LoopConfig:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a mapping")
    try:
        return LoopConfig.from_dict(raw)
    except ConfigError as error:
        raise ConfigError(f"{where}: {error}") from None


@dataclass(frozen=True)
class SimData:
    """Scene index ranges of the simulated world, one disjoint range per use."""

    world_seed: int = 0
    teacher_scenes: int = 12000
    student_scenes: int = 400  # per student: students are data-scarce
    fusion_scenes: int = 3000  # the modality-free set of stage II
    test_world_seed: int = 1  # held-out: another world seed, never seen in training
    test_scenes: int = 1000
    workers: int = 2  # rendering processes

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            if not f.name.endswith("seed") and getattr(self, f.name) < 1:
                raise ConfigError(f"{f.name} must be at least 1, got {getattr(self, f.name)}")


# Share of a dataset's train groups that teacher and students never see, kept for stage II.
AUTO_FUSION_HOLDOUT = 0.3


@dataclass(frozen=True)
class DataConfig:
    source: Any = "sim"  # "sim" or {"manifest": DIR}
    sim: SimData = field(default_factory=SimData)
    # "auto": AUTO_FUSION_HOLDOUT for a dataset, 0 for the simulator (whose stage II scenes
    # are a range of their own already); or a fraction in [0, 0.9].
    fusion_holdout: Any = "auto"

    @property
    def manifest_dir(self) -> Path | None:
        return Path(self.source["manifest"]) if isinstance(self.source, Mapping) else None

    @property
    def holdout(self) -> float:
        """The resolved share of train groups reserved for stage II."""
        if self.fusion_holdout == "auto":
            return AUTO_FUSION_HOLDOUT if self.manifest_dir is not None else 0.0
        return float(self.fusion_holdout)

    def validate(self) -> None:
        if self.source != "sim" and not (
            isinstance(self.source, Mapping) and set(self.source) == {"manifest"}
        ):
            raise ConfigError(f"data.source must be 'sim' or {{manifest: DIR}}: {self.source!r}")
        holdout = self.fusion_holdout
        if holdout != "auto" and not (
            isinstance(holdout, (int, float)) and not isinstance(holdout, bool)
            and 0.0 <= holdout <= 0.9
        ):  # fmt: skip
            raise ConfigError(
                f"data.fusion_holdout must be 'auto' or a fraction in [0, 0.9], got {holdout!r}"
            )
        if holdout not in ("auto", 0, 0.0) and self.manifest_dir is None:
            raise ConfigError(
                "data.fusion_holdout applies to datasets; the simulator keeps disjoint scene "
                "ranges per stage already: leave it at 'auto'"
            )


@dataclass(frozen=True)
class TeacherConfig:
    """Teacher alignment: the image encoder learns the frozen text teacher's space."""

    loop: LoopConfig
    tau: float = 0.07
    init: str = "fresh"  # "fresh" or a bundle path (see training.stage_io)

    def __post_init__(self) -> None:
        require_positive(self.tau, "tau")


@dataclass(frozen=True)
class CadConfig:
    loop: LoopConfig
    losses: CADLoss = field(default_factory=CADLoss)  # Eq. 2-7, every term switchable
    students: tuple[str, ...] = STUDENT_MODALITIES
    order: str = "random"  # "random" (seeded) or "fixed" (the order of ``students``)
    init: str = "previous"  # "previous", "fresh" or a bundle path (see training.stage_io)
    augment: tuple[str, ...] = ()  # students whose batches are perturbed (training.augment)
    # What an augmented sound batch gets. Only the time shift by default: gain, noise and
    # masking (training.augment) cost the spoken-digit student 14-29 points at 400 steps.
    audio_augment: tuple[str, ...] = ("shift",)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.audio_augment) - set(AUDIO_OPS))
        if unknown:
            raise ConfigError(f"audio_augment: {unknown} unknown; choose from {list(AUDIO_OPS)}")


@dataclass(frozen=True)
class AfConfig:
    loop: LoopConfig
    fusion: str = "adaptive"  # adaptive | mean | linear (the baselines)
    negatives: bool = True  # hard negative labels of Eq. 9 ("AF without negatives": false)
    full_vocab_ce: bool = True  # add the CE over all labels to Eq. 9
    full_vocab_weight: float = 1.0
    tau: float = 0.07
    init: str = "previous"
    sensor_failure: float = 0.0  # chance an example has one stuck or stale sensor
    corruption: float = 0.0  # chance an example has one sensor with corrupted input
    # Loss weight on the share of the fused embedding a corrupted sensor supplies: teaches the
    # fusion to turn a broken sensor down even where the others would outvote it in training.
    corrupted_share_weight: float = 0.0

    def __post_init__(self) -> None:
        require_positive(self.tau, "tau")
        for key in ("full_vocab_weight", "corrupted_share_weight"):
            if getattr(self, key) < 0:
                raise ConfigError(f"{key} must be >= 0, got {getattr(self, key)}")
        for key in ("sensor_failure", "corruption"):
            value = getattr(self, key)
            if not (isinstance(value, (int, float)) and 0.0 <= value <= 1.0):
                raise ConfigError(f"{key} must lie in [0, 1], got {value!r}")


@dataclass(frozen=True)
class ReportConfig:
    """Settings of the paper-style tables (`omnibind train report`)."""

    cad_ablation_steps: int = 150  # per ablation variant and student: shorter than cad.loop
    cad_ablation_seeds: int = 3  # runs per variant (seeds seed, seed+1, ...): their mean is shown
    noise_std: float = 1.0  # the noise that replaces one modality, in preprocessed units

    def __post_init__(self) -> None:
        require_positive(self.noise_std, "noise_std")
        if self.cad_ablation_steps < 1:
            raise ConfigError(
                f"cad_ablation_steps must be at least 1, got {self.cad_ablation_steps}"
            )
        if self.cad_ablation_seeds < 1:
            raise ConfigError(
                f"cad_ablation_seeds must be at least 1, got {self.cad_ablation_seeds}"
            )


@dataclass(frozen=True)
class TrainConfig:
    teacher: TeacherConfig
    cad: CadConfig
    af: AfConfig
    seed: int = 0
    out_dir: str = "runs/default"
    cache_dir: str | None = "runs/cache"
    bundle: str | None = None
    model: dict[str, Any] = field(default_factory=dict)
    data: DataConfig = field(default_factory=DataConfig)
    report: ReportConfig = field(default_factory=ReportConfig)

    def model_config(self) -> ModelConfig:
        return ModelConfig.from_dict(copy.deepcopy(self.model))

    @property
    def out_path(self) -> Path:
        return Path(self.out_dir)


def _merge(base: dict, override: Mapping) -> dict:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def read_yaml(path: Path) -> dict:
    """A config file with its ``base:`` chain merged in (the file's own keys win)."""
    try:
        raw = yaml.safe_load(Path(path).read_text()) or {}
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"config {path} is not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"config {path} must be a mapping at the top level")
    base = raw.pop("base", None)
    if base is None:
        return raw
    if not isinstance(base, str):
        raise ConfigError(f"config {path}: base must be a file name, got {base!r}")
    base_path = Path(path).parent / base
    if not base_path.is_file():
        raise ConfigError(
            f"config {path}: base {base!r} not found at {base_path} (a relative base is "
            f"relative to the directory of {Path(path).name}; the shipped configs are in "
            f"{Path(__file__).parent / 'configs'})"
        )
    return _merge(read_yaml(base_path), raw)


def _loops_follow_run_seed(raw: Mapping[str, Any]) -> dict:
    """Each stage's ``loop.seed`` defaults to the run's ``seed``: one number reseeds a run."""
    raw = copy.deepcopy(dict(raw))
    for stage in ("teacher", "cad", "af"):
        loop = raw.get(stage, {}).get("loop") if isinstance(raw.get(stage), Mapping) else None
        if isinstance(loop, dict):
            loop.setdefault("seed", raw.get("seed", 0))
    return raw


def _check_students(cad: CadConfig, model: ModelConfig) -> None:
    if not cad.students:
        raise ConfigError("cad.students: name at least one student modality")
    unknown = sorted(set(cad.students) - set(STUDENT_MODALITIES))
    if unknown:
        raise ConfigError(f"cad.students: {unknown} are not student modalities")
    if "image" not in model.modalities:
        raise ConfigError(
            "model.encoders: the image teacher is required (stage I distils every student "
            "into its space); add image to model.encoders"
        )
    students = [m for m in model.modalities if m in STUDENT_MODALITIES]
    without_encoder = [m for m in cad.students if m not in model.modalities]
    if without_encoder:
        raise ConfigError(
            f"cad.students: {without_encoder} have no encoder in model.encoders (the model "
            f"has {', '.join(model.modalities)}); set cad.students to {students}"
        )
    not_students = sorted(set(cad.augment) - set(cad.students))
    if not_students:
        raise ConfigError(f"cad.augment: {not_students} are not among cad.students")


def parse_config(raw: Mapping[str, Any], where: str = "config") -> TrainConfig:
    config = build_dataclass(TrainConfig, _loops_follow_run_seed(raw), where)
    config.data.validate()
    _check_students(config.cad, config.model_config())  # fail now, not after an hour
    if config.cad.order not in ("random", "fixed"):
        raise ConfigError(f"cad.order must be 'random' or 'fixed', got {config.cad.order!r}")
    if config.af.fusion not in FUSION_KINDS:
        raise ConfigError(f"af.fusion must be one of {sorted(FUSION_KINDS)}: {config.af.fusion!r}")
    if not (config.af.negatives or config.af.full_vocab_ce):
        raise ConfigError("af: switch on negatives, full_vocab_ce, or both")
    return config


def load_config(path: Path, overrides: Mapping[str, Any] | None = None) -> TrainConfig:
    """Read, merge ``base:`` files and ``overrides`` (e.g. from the command line), validate."""
    return parse_config(_merge(read_yaml(path), overrides or {}), where=str(path))
