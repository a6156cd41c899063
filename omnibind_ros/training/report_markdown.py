"""Markdown for the report: the tables, and each claim of the paper checked against them."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from omnibind_ros.core.modalities import ROLES, Role
from omnibind_ros.training.config import TrainConfig

if TYPE_CHECKING:
    from omnibind_ros.training.report import ReportResults

FUSION_ORDER = ("AF", "Linear", "Mean", "AF w/o negatives", "MLP over all embeddings (reference)")


def _pct(value: float) -> str:
    return f"{100 * value:.2f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _verdict(ok: bool | None) -> str:
    if ok is None:
        return "**not enough seeds** (set report.cad_ablation_seeds to 2 or more)"
    return "reproduced" if ok else "**not reproduced**"


def _combo(results: ReportResults, subset: tuple[int, ...]) -> str:
    return "+".join(results.modalities[i] for i in subset)


def _fusion_section(results: ReportResults) -> tuple[str, list[str]]:
    scores = results.fusion_scores
    sizes = list(scores["AF"].by_size())
    header = ["fusion", *[f"{k} modalit{'y' if k == 1 else 'ies'}" for k in sizes], "overall"]
    rows = [
        [name, *[_pct(v) for v in scores[name].by_size().values()], _pct(scores[name].overall())]
        for name in FUSION_ORDER
        if name in scores
    ]
    best = scores["AF"].best_member_by_size()
    rows.append(["best single member", *[_pct(best[k]) for k in sizes], "–"])
    af, linear, mean = (scores[n].overall() for n in ("AF", "Linear", "Mean"))
    claims = [
        f"AF beats linear fusion clearly ({_pct(af)} vs {_pct(linear)}, "
        f"{100 * (af - linear):+.2f} points): {_verdict(af - linear >= 0.01)} "
        "(clearly = at least 1 point).",
        f"AF beats mean fusion by a wide margin ({_pct(af)} vs {_pct(mean)}, "
        f"{100 * (af - mean):+.2f} points): {_verdict(af - mean >= 0.05)} "
        "(wide = at least 5 points).",
        _best_member_claim(results),
    ]
    singles = _table(
        ["modality", "role", "accuracy"],
        [
            [m, ROLES[m].value, _pct(scores["AF"].single[i])]
            for i, m in enumerate(results.modalities)
        ],
    )
    text = (
        "### Single modalities (each encoder's own embedding, nearest label text)\n\n"
        f"{singles}\n\n"
        "### Fusion: accuracy (%) per combination size (analog of Tables 2, 3, 8)\n\n"
        f"Each cell averages every combination of that size (the {len(results.modalities)} "
        f"sensors give {_counts_by_size(len(results.modalities))} combinations) over every test "
        f"scene; *overall* averages all {2 ** len(results.modalities) - 1} combinations. "
        "*Best single member* is, for each combination, the accuracy of its most accurate "
        "modality alone, averaged the same way. *MLP over all embeddings (reference)* is not a "
        "product fusion: one hidden layer over every sensor's embedding, trained on the same "
        "data and loss as AF, to show roughly what these frozen encoders let a fusion reach.\n\n"
        f"{_table(header, rows)}\n"
    )
    return text, claims


def _counts_by_size(count: int) -> str:
    sizes = [str(math.comb(count, k)) for k in range(1, count + 1)]
    return ", ".join(sizes[:-1]) + f" and {sizes[-1]}" if len(sizes) > 1 else sizes[0]


def _best_member_claim(results: ReportResults) -> str:
    """AF against the best single member of every combination of 2 or more, worst case shown."""
    af = results.fusion_scores["AF"]
    gaps = {
        subset: accuracy - max(af.single[m] for m in subset)
        for subset, accuracy in af.by_subset.items()
        if len(subset) >= 2
    }
    worst = min(gaps, key=gaps.get)
    short = sum(1 for gap in gaps.values() if gap < 0)
    return (
        "Every combination of 2 or more is at least as accurate with AF as its best single "
        f"member: {_verdict(short == 0)} ({short} of {len(gaps)} short; worst "
        f"{_combo(results, worst)}: {100 * gaps[worst]:+.2f} points)."
    )


REFERENCE_COLUMN = "logistic regression (reference)"


def _cad_section(results: ReportResults, config: TrainConfig) -> tuple[str, list[str]]:
    runs = results.cad_ablation  # student -> variant -> accuracy per seed
    variants = list(next(iter(runs.values())))
    ablation = {s: {v: float(np.mean(runs[s][v])) for v in variants} for s in runs}
    reference = results.student_reference
    rows = [[s, *[f"{_pct(ablation[s][v])} ± {_pct(np.std(runs[s][v]))}" for v in variants],
             _pct(results.cad_full_accuracy[s]), _pct(reference[s])] for s in runs]  # fmt: skip
    means = {v: sum(ablation[s][v] for s in ablation) / len(ablation) for v in variants}
    full_mean = sum(results.cad_full_accuracy.values()) / len(results.cad_full_accuracy)
    reference_mean = sum(reference.values()) / len(reference)
    rows.append(["mean", *[_pct(means[v]) for v in variants], _pct(full_mean),
                 _pct(reference_mean)])  # fmt: skip
    beaten = [s for s in runs if results.cad_full_accuracy[s] < reference[s]]
    shortfalls = "".join(
        f"; {s} {_pct(results.cad_full_accuracy[s])} vs {_pct(reference[s])}" for s in beaten
    )
    con, cross, self_, both = variants
    helped = [s for s in ablation if ablation[s][both] > ablation[s][con]]
    seeds = config.report.cad_ablation_seeds
    best_single = cross if means[cross] >= means[self_] else self_
    claims = [
        f"L_cross helps ({_gain(runs, con, cross)}): {_verdict(_helps(runs, con, cross))}.",
        f"L_self helps ({_gain(runs, con, self_)}): {_verdict(_helps(runs, con, self_))}.",
        f"All three terms beat the better single addition ({_gain(runs, best_single, both)}): "
        f"{_verdict(_helps(runs, best_single, both))}; all three beat L_con alone for "
        f"{len(helped)} of {len(ablation)} students ({', '.join(helped) or 'none'}).",
        "Every shipped student at least matches a logistic regression on its own preprocessed "
        f"input: {_verdict(not beaten)} ({len(beaten)} of {len(runs)} below{shortfalls}).",
    ]
    steps, full_steps = config.report.cad_ablation_steps, config.cad.loop.steps
    shipped = f"shipped ({full_steps} steps)"
    text = (
        "### CAD ablation: student accuracy (%) by loss terms (analog of Table 7)\n\n"
        f"Each variant trains a fresh student for {steps} steps (the shipped students train "
        f"for {full_steps}: the ablation runs are shortened to fit the time budget), with the "
        "bundle's image encoder and the text encoder as frozen teachers, on the same scarce "
        f"student data, once per seed ({seeds} seeds; one seed fixes the initial weights and "
        "the batch order, the same for every variant). Cells are the mean ± standard "
        "deviation over seeds. The shipped column is the bundle's own student; the last is a "
        "simple supervised reference, not a student: a logistic regression fitted to the same "
        "training inputs and labels, flattened. Above, a term *helps* when its gain in the "
        "mean over students exceeds twice the standard error of that gain over the paired "
        "seeds.\n\n"
        f"{_table(['student', *variants, shipped, REFERENCE_COLUMN], rows)}\n"
    )
    return text, claims


def _paired_gain(runs: dict[str, dict[str, list[float]]], base: str, variant: str):
    """Gain of ``variant`` over ``base`` in the mean over students, and its standard error
    over the seeds (runs of one seed share initial weights and batches, so pair them)."""
    per_seed = np.mean([np.subtract(runs[s][variant], runs[s][base]) for s in runs], axis=0)
    error = np.std(per_seed, ddof=1) / np.sqrt(len(per_seed)) if len(per_seed) > 1 else 0.0
    return float(np.mean(per_seed)), float(error)


def _helps(runs: dict[str, dict[str, list[float]]], base: str, variant: str) -> bool | None:
    """Whether the gain exceeds twice its standard error; None with one seed (no error)."""
    if len(next(iter(runs.values()))[base]) < 2:
        return None
    gain, error = _paired_gain(runs, base, variant)
    return gain > 2 * error


def _gain(runs: dict[str, dict[str, list[float]]], base: str, variant: str) -> str:
    gain, error = _paired_gain(runs, base, variant)
    return f"{base} -> {variant}: {100 * gain:+.2f} ± {100 * error:.2f} points"


def _robustness_section(results: ReportResults) -> tuple[str, list[str]]:
    names = [n for n in FUSION_ORDER if n in results.clean]
    rows = [["none (clean)", "–", *[_pct(results.clean[n]) for n in names], "–"]]
    deltas = []
    for modality, by_name in results.robustness.items():
        delta = by_name["AF"] - by_name["AF w/o negatives"]
        deltas.append(delta)
        rows.append([modality, ROLES[modality].value, *[_pct(by_name[n]) for n in names],
                     f"{100 * delta:+.2f}"])  # fmt: skip
    header = ["noise replaces", "role", *names, "AF − AF w/o neg."]
    mean_delta = sum(deltas) / len(deltas)
    drop = {m: results.clean["AF"] - v["AF"] for m, v in results.robustness.items()}
    teachers = [m for m in drop if ROLES[m] is Role.TEACHER]
    students = [m for m in drop if ROLES[m] is Role.STUDENT]
    teacher_drop = sum(drop[m] for m in teachers) / max(1, len(teachers))
    student_drop = sum(drop[m] for m in students) / max(1, len(students))
    margin = {m: v["AF"] - max(v["Linear"], v["Mean"]) for m, v in results.robustness.items()}
    worst = min(margin, key=margin.get)
    behind = [m for m, gap in margin.items() if gap <= 0]
    by_sensor = dict(zip(results.robustness, deltas, strict=True))
    worst_neg = min(by_sensor, key=by_sensor.get)
    claims = [
        f"AF holds up better than linear and mean fusion when one sensor is noise, for every "
        f"noised sensor: {_verdict(not behind)} ({len(behind)} of {len(margin)} not ahead; "
        f"worst {worst}: AF {_pct(results.robustness[worst]['AF'])} vs the better of linear "
        f"and mean {_pct(results.robustness[worst]['AF'] - margin[worst])}).",
        _fallback_claim(results),
        f"Negative labels make AF more robust to a noise modality (mean {100 * mean_delta:+.2f} "
        f"points over the {len(deltas)} noised modalities; worst {worst_neg} "
        f"{100 * by_sensor[worst_neg]:+.2f}): {_verdict(mean_delta > 0)}.",
        f"Noise in the teacher modality hurts more than noise in a student one (AF drops "
        f"{100 * teacher_drop:.2f} points for the image vs {100 * student_drop:.2f} on average "
        f"for students): {_verdict(teacher_drop > student_drop)}.",
    ]
    text = (
        "### Robustness: one modality replaced by noise (analog of Tables 11, 13)\n\n"
        "The noised sensor's preprocessed input is replaced by Gaussian noise and goes through "
        "its real encoder. Accuracy (%) averages every combination of 2 or more modalities "
        "that contains the noised one; *none (clean)* averages all combinations of 2 or more "
        "without noise.\n\n"
        f"{_table(header, rows)}\n"
    )
    return text, claims


FALLBACK_TOLERANCE = 0.02  # 2 points


def _fallback_claim(results: ReportResults) -> str:
    """With one sensor noise, AF on each combination keeps what the clean rest of it gets
    (AF over the other sensors of that combination) within 2 points; worst case shown."""
    clean = results.fusion_scores["AF"].by_subset
    gaps = {}
    for modality, by_subset in results.noised_subsets.items():
        index = results.modalities.index(modality)
        for subset, accuracy in by_subset.items():
            rest = tuple(i for i in subset if i != index)
            gaps[(modality, subset)] = accuracy - clean[rest]
    worst = min(gaps, key=gaps.get)
    failing = sum(1 for gap in gaps.values() if gap < -FALLBACK_TOLERANCE)
    modality, subset = worst
    return (
        "With one sensor replaced by noise, AF stays within 2 points of the remaining clean "
        f"sensors (AF over the rest of the combination), on every combination: "
        f"{_verdict(failing == 0)} ({failing} of {len(gaps)} below; worst {modality} noised in "
        f"{_combo(results, subset)}: {100 * gaps[worst]:+.2f} points)."
    )


def _file_summary(bundle: Path) -> str:
    data = bundle.read_bytes()
    return f"`{bundle}` ({len(data) / 1e6:.2f} MB, sha256 {hashlib.sha256(data).hexdigest()[:16]})"


def _data_text(results: ReportResults, config: TrainConfig) -> tuple[str, str]:
    """The title's subject and the paragraph saying what the data was."""
    if config.data.manifest_dir is None:
        sim = config.data.sim
        return "the held-out simulated test set", (
            f"Data (simulated world, `data.sim` of the config): {sim.teacher_scenes} image "
            f"scenes for teacher alignment, {sim.student_scenes} scenes per student for CAD, "
            f"{sim.fusion_scenes} modality-free scenes for AF, all from world seed "
            f"{sim.world_seed} at disjoint indices; the test set is {results.test_scenes} "
            f"scenes of world seed {sim.test_world_seed}, never seen in training and never "
            "used to choose settings."
        )
    lines = "\n".join(f"- {line}" for line in results.data_lines)
    return f"the test split of `{config.data.manifest_dir}`", (
        f"Data: the dataset `{config.data.manifest_dir}` (`data.source.manifest`); training "
        f"reads its train split, every number below its test split ({results.test_scenes} "
        f"test combinations).\n\n{lines}"
    )


def render_markdown(
    results: ReportResults, config: TrainConfig, bundle: Path, command: str, config_name: str
) -> str:
    fusion_text, fusion_claims = _fusion_section(results)
    cad_text, cad_claims = _cad_section(results, config)
    robust_text, robust_claims = _robustness_section(results)
    subject, data = _data_text(results, config)
    timings = _table(["step", "seconds"], [[k, f"{v:.0f}"] for k, v in results.timings.items()])
    claims = "\n".join(f"- {c}" for c in [*fusion_claims, *cad_claims, *robust_claims])
    return f"""# Results of the bundle on {subject}

Generated by `{command}` for bundle {_file_summary(bundle)}.
The bundle itself comes from `omnibind train all --config {config_name}` (then this report);
the numbers below are regenerated, never edited by hand.

{data} Labels: nearest label-text embedding (frozen {config.model_config().text.provider}
text teacher). Single run, seed {config.seed}.

## The paper's claims, checked

{claims}

## Tables

{fusion_text}
{cad_text}
{robust_text}
## Time (seconds, this machine)

From the run's `timings.json`. A *data* step reads (or renders) and preprocesses its scenes,
or takes them from the cache when an earlier run with the same data, parameters and code
prepared them.

{timings}
"""
