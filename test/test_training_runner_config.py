"""Training configs: `base:` chains, validation with the offending key named, seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.training.config import load_config
from omnibind_ros.training.train_cli import DEFAULT_CONFIG

CONFIGS = DEFAULT_CONFIG.parent


@pytest.mark.parametrize("name", ["default.yaml", "tiny.yaml"])
def test_shipped_configs_load(name: str) -> None:
    config = load_config(CONFIGS / name)
    assert config.data.source == "sim"
    assert set(config.cad.augment) <= set(config.cad.students)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(f"base: {CONFIGS / 'tiny.yaml'}\n{text}")
    return path


def test_a_file_overrides_its_base_key_by_key(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, "cad: {loop: {steps: 9}}\n"))
    assert config.cad.loop.steps == 9
    assert config.cad.loop.batch_size == 16  # from tiny.yaml
    assert config.cad.loop.weight_decay == 1.0e-4  # from default.yaml, tiny's base
    assert load_config(CONFIGS / "tiny.yaml", {"seed": 4}).af.loop.seed == 4


def test_every_loop_follows_the_run_seed_unless_it_sets_its_own(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, "seed: 7\nteacher: {loop: {seed: 2}}\n"))
    assert (config.teacher.loop.seed, config.cad.loop.seed, config.af.loop.seed) == (2, 7, 7)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cad: {loss: {}}\n", r"cad: unknown key\(s\) \['loss'\]"),
        ("af: {loop: {epochs: 3}}\n", r"af\.loop: loop: unknown keys \['epochs'\]"),
        ("cad: {losses: {use_con: false, use_cross: false, use_self: false}}\n", "at least one"),
        ("cad: {students: [thermal], augment: [audio]}\n", r"augment: \['audio'\]"),
        ("cad: {students: [radar]}\n", r"\['radar'\] are not student modalities"),
        ("af: {negatives: false, full_vocab_ce: false}\n", "negatives, full_vocab_ce"),
        ("af: {fusion: max}\n", "af.fusion must be one of"),
        ("data: {source: kafka}\n", "data.source must be 'sim'"),
        ("model: {fusion: {kind: sum}}\n", "fusion.kind"),
        ("af: {sensor_failure: 1.5}\n", r"af: sensor_failure must lie in \[0, 1\]"),
        ("report: {cad_ablation_seeds: 0}\n", "report: cad_ablation_seeds must be at least 1"),
        ("teacher: {loop: {lr: fast}}\n", r"loop\.lr must be a number, got 'fast'"),
        ("af: {loop: {device: tpu}}\n", "loop.device must be auto, cpu, cuda or cuda:N"),
        ("af: {negatives: maybe}\n", "af.negatives must be true/false, got 'maybe'"),
        ("af: {tau: -1}\n", "af: tau must be > 0"),
        ("seed: one\n", "seed must be an integer, got 'one'"),
        ("cad: {students: audio}\n", "cad.students must be a list of strings"),
        ("data: {sim: {test_scenes: 0}}\n", "test_scenes must be at least 1"),
        ("cad: {audio_augment: [reverb]}\n", r"audio_augment: \['reverb'\] unknown"),
        ("af: {corruption: 2}\n", r"corruption must lie in \[0, 1\]"),
        ("af: {corrupted_share_weight: -1}\n", "corrupted_share_weight must be >= 0"),
    ],
)
def test_bad_values_are_config_errors_naming_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, text))


def test_a_missing_or_malformed_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("cad: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_a_manifest_source_names_its_directory(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, "data: {source: {manifest: /data/mine}}\n"))
    assert config.data.manifest_dir == Path("/data/mine")
