"""Real-data benchmark: handwritten digit images + spoken digits, matched only by label.

    python benchmarks/bench_real_data.py /work/data/fsdd [--work /work/data/bench_real]
        [--splits standard,speaker] [--speaker george] [--levers]

SOURCE is a checkout of the Free Spoken Digit Dataset (its recordings/ directory is read in
place); the images are scikit-learn's bundled handwritten digits. The script writes both as
source datasets (benchmarks/real_data_sources.py), merges them with the product's own
``omnibind dataset build``, trains with ``omnibind train all`` (the shipped training
defaults; ``--levers`` also trains the ladder of training changes one at a time) and
evaluates every fusion on the held-out test split:

- AF (the trained bundle), linear fusion (trained on the same stage II data), mean fusion,
  and each combination's best single member;
- each sensor replaced by noise (Gaussian input through its real encoder), against the
  remaining clean sensor alone;
- the audio student against a supervised reference on the same preprocessed input: a
  logistic regression on the log-mel spectrogram, trained on every train recording.

It writes docs/results_real.md (never edit it by hand) and benchmarks/results/real_data.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
import yaml
from real_data_sources import (
    DIGIT_WORDS,
    SPLITS,
    fsdd_recordings,
    write_digit_images,
    write_fsdd_source,
)

from omnibind_ros.bench_cli import save_results
from omnibind_ros.core.bundle import load_bundle
from omnibind_ros.training.af import (
    fusion_failure_bank,
    new_fusion,
    stage_two_dataset,
    train_fusion,
    type_ids_for,
)
from omnibind_ros.training.config import TrainConfig, load_config
from omnibind_ros.training.embedding import embed_scenes
from omnibind_ros.training.fusion_eval import score_subsets, with_noise
from omnibind_ros.training.manifest_scenes import manifest_scene_set
from omnibind_ros.training.preflight import dataset_lines
from omnibind_ros.training.scenes import SceneSet
from omnibind_ros.training.stage_data import held_out_scenes
from omnibind_ros.training.supervised_reference import logistic_reference_accuracy

REPO = Path(__file__).resolve().parents[1]
RESULTS_JSON = REPO / "benchmarks" / "results" / "real_data.json"
RESULTS_MD = REPO / "docs" / "results_real.md"

# The benchmark's model: the two modalities the data has, encoders sized for 8x8 scans and
# 8 kHz speech, and the speech encoder (docs/training.md, encoder architectures). Everything
# else is the shipped training default (omnibind_ros/training/configs).
SPEECH_ENCODER = {"kind": "tdnn", "widths": [128, 128, 128], "band_mean": True}
MODEL = {
    "encoders": {
        "image": {"preprocess": {"size": 32}},
        "audio": {"arch": SPEECH_ENCODER, "preprocess": {"sample_rate": 8000, "n_mels": 64}},
    }
}
LOOPS = {
    "teacher": {"steps": 300, "batch_size": 64, "lr": 3.0e-3, "warmup_steps": 10},
    "cad": {"steps": 400, "batch_size": 64, "lr": 3.0e-3, "warmup_steps": 10},
    "af": {"steps": 400, "batch_size": 128, "lr": 1.0e-3, "warmup_steps": 20},
}


@dataclass(frozen=True)
class Variant:
    """One rung of the lever ladder: config overrides, and which stages it retrains."""

    name: str
    overrides: dict
    # None: train every stage; else the variant whose stage I (teacher, cad) it reuses
    reuse_stage_one: str | None = None
    reuse_teacher: str | None = None


NO_RELIABILITY = {"fusion": {"params": {"heads": 4, "reliability": False}}}
BEFORE = {
    "data": {"fusion_holdout": 0.0},
    "af": {"corruption": 0.0, "corrupted_share_weight": 0.0},
    "model": NO_RELIABILITY,
}
CONV_AUDIO = {"encoders": {"audio": {"arch": {"kind": "conv", "widths": [16, 32, 64, 128]}}}}
HELD_OUT = "+ stage II on held-out groups"
SHIPPED = "+ a corrupted sensor's share of the fused embedding penalised (shipped)"
TOKEN_VALUES = {
    "model": {"fusion": {"params": {"heads": 4, "reliability": True, "values": "tokens"}}}
}
NOT_SHIPPED = "(not shipped)"
LADDER = [
    Variant(
        "before: 2-D conv audio student, stage II on the students' own training data",
        {**BEFORE, "model": {**NO_RELIABILITY, **CONV_AUDIO}},
    ),
    Variant("+ TDNN audio student, band means removed", BEFORE),
    Variant(HELD_OUT, {**BEFORE, "data": {"fusion_holdout": "auto"}}),
    Variant(
        "+ input corruptions in stage II",
        {**BEFORE, "data": {"fusion_holdout": "auto"}, "af": {"corrupted_share_weight": 0.0}},
        reuse_stage_one=HELD_OUT,
    ),
    Variant(
        "+ reliability from the embedding",
        {"af": {"corrupted_share_weight": 0.0}},
        reuse_stage_one=HELD_OUT,
    ),
    Variant(SHIPPED, {}, reuse_stage_one=HELD_OUT),
    # The rows below branch from the shipped row.
    Variant(
        f"shipped + gain, noise and masking sound augmentation {NOT_SHIPPED}",
        {"cad": {"audio_augment": ["shift", "gain", "noise", "mask"]}},
        reuse_teacher=HELD_OUT,
    ),
    Variant(
        f"shipped + AF weighing the sensors' own embeddings {NOT_SHIPPED}",
        TOKEN_VALUES,
        reuse_stage_one=HELD_OUT,
    ),
]


VARIANTS = {variant.name: variant for variant in LADDER}


def retrains(variant: Variant) -> str:
    if variant.reuse_stage_one:
        return "stage II"
    return "student, stage II" if variant.reuse_teacher else "all"


@dataclass
class Evaluation:
    accuracy: dict[str, dict[str, float]]  # fusion -> combination ("image+audio") -> accuracy
    noised: dict[str, dict[str, float]]  # noised modality -> fusion -> accuracy (both fused)
    clean_rest: dict[str, float]  # noised modality -> the other modality alone, clean
    student_vs_reference: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name).strip("_")[:40]


def _run(argv: list[str]) -> float:
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_WAIT_POLICY": "PASSIVE", "TQDM_DISABLE": "1"}
    subprocess.run([sys.executable, "-m", "omnibind_ros.cli", *argv], check=True, env=env)
    return time.monotonic() - started


def build_datasets(source: Path, work: Path, splits: list[str], speaker: str) -> dict[str, Path]:
    recordings = fsdd_recordings(source)
    images = write_digit_images(work / "sources" / "digits")
    built = {}
    for scheme in splits:
        audio = write_fsdd_source(work / "sources" / f"fsdd_{scheme}", recordings, scheme, speaker)
        out = work / f"dataset_{scheme}"
        if not (out / "combinations.jsonl").is_file():
            _run(["dataset", "build", "--source", str(images), "--source", str(audio),
                  "--out", str(out)])  # fmt: skip
        built[scheme] = out
    return built


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def write_config(
    work: Path, dataset: Path, variant: Variant, scheme: str, quick: bool = False
) -> Path:
    out = work / "runs" / scheme / _slug(variant.name)
    loops = {
        stage: {**loop, "steps": max(4, loop["steps"] // 40) if quick else loop["steps"]}
        for stage, loop in LOOPS.items()
    }
    config = {
        "base": str(REPO / "omnibind_ros" / "training" / "configs" / "default.yaml"),
        "out_dir": str(out),
        "cache_dir": str(work / "cache"),
        "bundle": None,
        "model": MODEL,
        "data": {"source": {"manifest": str(dataset)}},
        "teacher": {"loop": loops["teacher"]},
        "cad": {"students": ["audio"], "augment": ["audio"], "loop": loops["cad"]},
        "af": {"loop": loops["af"]},
    }
    config = _merge(config, variant.overrides)
    reused = variant.reuse_stage_one or variant.reuse_teacher
    if reused:
        source = work / "runs" / scheme / _slug(reused)
        stage = "cad" if variant.reuse_stage_one else "teacher"
        config = _merge(config, {"cad" if stage == "teacher" else "af": {
            "init": str(source / f"{stage}.omnibind")}})  # fmt: skip
    path = out.with_suffix(".yaml")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def train_variant(config_path: Path, variant: Variant) -> float:
    if variant.reuse_stage_one:
        stages = ["af"]
    elif variant.reuse_teacher:
        stages = ["cad", "af"]
    else:
        stages = ["all"]
    return sum(_run(["train", stage, "--config", str(config_path)]) for stage in stages)


def _train_linear(config: TrainConfig, model, scheme_dir: Path):
    dataset = stage_two_dataset(config, model, "cpu")
    linear = new_fusion(model, "linear")
    torch.manual_seed(config.seed)
    train_fusion(
        linear, dataset, model.label_embeddings(), model.modalities,
        replace(config.af, fusion="linear"), scheme_dir / "linear",
        stuck_bank=fusion_failure_bank(model), desc="linear",
    )  # fmt: skip
    return linear.eval()


def _logistic_reference(config: TrainConfig, test: SceneSet) -> float:
    """Logistic regression on every train recording's preprocessed log-mel (flattened)."""
    params = {"audio": config.model_config().encoders["audio"].preprocess}
    train = manifest_scene_set(
        config.data.manifest_dir, "train", ["audio"], params,
        cache_dir=Path(config.cache_dir),
    )  # fmt: skip
    return logistic_reference_accuracy(train, test, "audio")


def evaluate(config_path: Path, with_baselines: bool) -> Evaluation:
    config = load_config(config_path)
    model = load_bundle(config.out_path / "af.omnibind")
    modalities = model.modalities  # (image, audio)
    test = held_out_scenes(config, list(modalities))
    embeddings = embed_scenes(model.encoders, test, modalities)
    labels = torch.as_tensor(test.labels)
    type_ids = type_ids_for(modalities)
    bank = model.label_embeddings()
    fusions = {"AF": model.fusion, "Mean": new_fusion(model, "mean")}
    if with_baselines:
        fusions["Linear"] = _train_linear(config, model, config.out_path / "bench")
    names = {(0,): modalities[0], (1,): modalities[1], (0, 1): "+".join(modalities)}
    accuracy = {}
    for name, fusion in fusions.items():
        scores = score_subsets(
            fusion, embeddings, type_ids, labels, bank,
            single_banks=[model.label_embeddings(m) for m in modalities],
        )  # fmt: skip
        accuracy[name] = {names[s]: a for s, a in scores.by_subset.items()}
    single = scores.single
    accuracy["best single member"] = {"+".join(modalities): max(single)}
    noised, clean_rest = {}, {}
    for index, modality in enumerate(modalities):
        noisy = with_noise(
            embeddings, index, model.encoders[modality], model.input_shape(modality),
            config.report.noise_std, seed=config.seed + index,
        )  # fmt: skip
        noised[modality] = {
            name: score_subsets(fusion, noisy, type_ids, labels, bank, [(0, 1)]).by_subset[(0, 1)]
            for name, fusion in fusions.items()
        }
        clean_rest[modality] = single[1 - index]
    evaluation = Evaluation(accuracy, noised, clean_rest)
    evaluation.student_vs_reference = {
        "audio student": single[1],
        "image teacher": single[0],
    }
    if with_baselines:
        started = time.monotonic()
        evaluation.student_vs_reference["logistic regression on log-mel (reference)"] = (
            _logistic_reference(config, test)
        )
        evaluation.seconds["reference"] = time.monotonic() - started
    return evaluation


def _pct(value: float) -> str:
    return f"{100 * value:.2f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


NOISE_HEADER = ["noised", "AF", "Linear", "Mean", "remaining clean sensor alone", "AF − remaining"]


def _split_section(scheme: str, ev: Evaluation, plan_lines: list[str], speaker: str) -> str:
    what = (
        "FSDD's own split (recordings 0-4 of every speaker are test)"
        if scheme == "standard"
        else f"speaker `{speaker}` held out: all 500 of their recordings are test, the other "
        "five speakers train"
    )
    combos = ["image", "audio", "image+audio"]
    fusion_rows = [
        [name, *[_pct(ev.accuracy[name][c]) if c in ev.accuracy[name] else "–" for c in combos]]
        for name in ("AF", "Linear", "Mean", "best single member")
        if name in ev.accuracy
    ]
    af_fused = ev.accuracy["AF"]["image+audio"]
    best = ev.accuracy["best single member"]["image+audio"]
    noise_rows = [
        [modality, *[_pct(ev.noised[modality][n]) for n in ("AF", "Linear", "Mean")],
         _pct(ev.clean_rest[modality]),
         f"{100 * (ev.noised[modality]['AF'] - ev.clean_rest[modality]):+.2f}"]
        for modality in ev.noised
    ]  # fmt: skip
    reference_rows = [[k, _pct(v)] for k, v in ev.student_vs_reference.items()]
    return f"""### {scheme} split: {what}

{chr(10).join(f"- {line}" for line in plan_lines)}

Accuracy (%) on the test combinations (every test sample of either source, completed with a
same-label test sample of the other; one-modality columns use that modality alone):

{_table(["fusion", *combos], fusion_rows)}

AF − best single member on image+audio: {100 * (af_fused - best):+.2f} points.

One sensor replaced by noise (image+audio fused, the noised one included):

{_table(NOISE_HEADER, noise_rows)}

Students against the supervised reference (same test rows, same preprocessed input):

{_table(["model", "accuracy"], reference_rows)}
"""


def _lever_section(scheme: str, rows: dict[str, Evaluation]) -> str:
    body = []
    for name, ev in rows.items():
        fused = ev.accuracy["AF"]["image+audio"]
        best = ev.accuracy["best single member"]["image+audio"]
        body.append([
            name, retrains(VARIANTS[name]), _pct(ev.student_vs_reference["audio student"]),
            _pct(fused),
            f"{100 * (fused - best):+.2f}", _pct(ev.accuracy["Mean"]["image+audio"]),
            f"{100 * (ev.noised['audio']['AF'] - ev.clean_rest['audio']):+.2f}",
            f"{100 * (ev.noised['image']['AF'] - ev.clean_rest['image']):+.2f}",
        ])  # fmt: skip
    header = ["training", "retrains", "audio student", "AF image+audio", "AF − best single", "Mean",
              "AF, audio noised − image alone", "AF, image noised − audio alone"]  # fmt: skip
    return f"#### {scheme} split\n\n{_table(header, body)}\n"


def render(results: dict, args: argparse.Namespace, command: str) -> str:
    load = os.getloadavg()
    sections = [
        _split_section(s, results["splits"][s]["shipped"], results["splits"][s]["plan"],
                       args.speaker)
        for s in results["splits"]
    ]  # fmt: skip
    levers = ""
    if any("levers" in r for r in results["splits"].values()):
        levers = (
            "## What each training change contributed\n\n"
            "Each row adds one change to the row above and retrains what it affects (the "
            "*retrains* column; the rest comes from row 3, the first on held-out groups); rows "
            f"marked {NOT_SHIPPED} instead add their change to the shipped row. Points are "
            "percentage points on the test split.\n\n"
            + "\n".join(
                _lever_section(s, r["levers"])
                for s, r in results["splits"].items()
                if "levers" in r
            )
        )
    timings = _table(["step", "seconds"], [[k, f"{v:.0f}"] for k, v in results["seconds"].items()])
    return f"""# Results on real data: handwritten digits + spoken digits

Generated by `{command}`; never edited by hand.

Data: two real public datasets of different modalities, collected separately and sharing only
their labels (the words {", ".join(DIGIT_WORDS[:3])} … nine):

- image: scikit-learn's bundled handwritten digits (`sklearn.datasets.load_digits`, 1,797
  8x8 grey scans, UCI Optical Recognition of Handwritten Digits), split 80/20 stratified
  with a fixed seed;
- audio: the Free Spoken Digit Dataset (3,000 8 kHz recordings, 6 speakers x 10 digits x
  50; github.com/Jakobovski/free-spoken-digit-dataset), read in place, never copied.

Both are written as source datasets (`benchmarks/real_data_sources.py`) and merged with
`omnibind dataset build` (label-level matching); the model is image + audio
(`benchmarks/bench_real_data.py` MODEL: 32 px images, 8 kHz 64-band log-mel, the TDNN speech
encoder with band means removed), trained from
scratch by `omnibind train all` with the shipped training defaults and the loop lengths in
LOOPS. The image encoder is trained here (no pretrained teacher), on the same train split.

## Shipped training

{chr(10).join(sections)}
{levers}
## Time

Seconds of wall time on this machine ({platform.machine()}, {os.cpu_count()} CPUs, load
average {load[0]:.1f} at the end: shared with other jobs, so these are upper bounds).

{timings}
"""


def main() -> None:
    os.environ["TQDM_DISABLE"] = "1"  # progress bars would flood a log of a long run
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="Free Spoken Digit Dataset checkout")
    parser.add_argument("--work", type=Path, default=Path("/work/data/bench_real"),
                        help="where source manifests, datasets, runs and caches go")  # fmt: skip
    parser.add_argument("--splits", default=",".join(SPLITS), help="standard,speaker")
    parser.add_argument("--speaker", default="george", help="held-out speaker (speaker split)")
    parser.add_argument("--levers", action="store_true",
                        help="also train the ladder of training changes one at a time")  # fmt: skip
    parser.add_argument("--quick", action="store_true",
                        help="a few steps per loop: checks the pipeline only")  # fmt: skip
    parser.add_argument("--keep", action="store_true",
                        help="evaluate runs already trained in --work")  # fmt: skip
    parser.add_argument("--out", type=Path, default=RESULTS_MD)
    parser.add_argument("--json", type=Path, default=RESULTS_JSON)
    args = parser.parse_args()
    splits = [s for s in args.splits.split(",") if s]
    started = time.monotonic()
    work = args.work.resolve()
    datasets = build_datasets(args.source.resolve(), work, splits, args.speaker)
    results: dict = {"splits": {}, "seconds": {"datasets": time.monotonic() - started}}
    for scheme in splits:
        shipped = next(v for v in LADDER if v.name == SHIPPED)
        variants = LADDER if args.levers else [replace(shipped, reuse_stage_one=None)]
        entry: dict = {"levers": {}} if args.levers else {}
        for variant in variants:
            config_path = write_config(work, datasets[scheme], variant, scheme, args.quick)
            trained = load_config(config_path).out_path / "af.omnibind"
            if not (args.keep and trained.is_file()):
                seconds = train_variant(config_path, variant)
                results["seconds"][f"{scheme}: train {variant.name}"] = seconds
            evaluation = evaluate(config_path, with_baselines=variant.name == SHIPPED)
            if args.levers:
                entry["levers"][variant.name] = evaluation
            if variant.name == SHIPPED:
                entry["shipped"] = evaluation
                entry["plan"] = dataset_lines(load_config(config_path))
                results["seconds"][f"{scheme}: reference"] = evaluation.seconds["reference"]
        results["splits"][scheme] = entry
    results["seconds"]["total"] = time.monotonic() - started
    command = "python benchmarks/bench_real_data.py " + shlex.join(
        [str(args.source), "--splits", args.splits, "--speaker", args.speaker]
        + (["--levers"] if args.levers else [])
        + (["--keep"] if args.keep else [])
    )
    save_results(args.json, json.loads(json.dumps(results, default=lambda o: o.__dict__)))
    args.out.write_text(render(results, args, command))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
