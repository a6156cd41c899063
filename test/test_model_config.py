"""ModelConfig: JSON-able round trip, defaults for what is missing, clear errors for the rest."""

import json

import pytest

from omnibind_ros.core.config import ModelConfig
from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.modalities import SENSOR_MODALITIES, default_preprocess_params


def test_default_config_covers_every_sensor_modality_in_the_minilm_space() -> None:
    config = ModelConfig()
    assert config.modalities == SENSOR_MODALITIES
    assert config.embed_dim == 384
    assert config.text.provider == "minilm"
    assert config.text.template == "a photo of a {}"
    assert config.fusion.kind == "adaptive"
    assert config.encoders["lidar"].arch["kind"] == "pointnet"
    assert config.encoders["audio"].preprocess == default_preprocess_params("audio")


def test_to_dict_is_json_and_round_trips() -> None:
    config = ModelConfig.from_dict({"temperature": 0.05, "fusion": {"kind": "linear"}})
    data = json.loads(json.dumps(config.to_dict()))
    assert ModelConfig.from_dict(data) == config


def test_to_dict_hands_out_a_copy() -> None:
    config = ModelConfig()
    config.to_dict()["encoders"]["image"]["preprocess"]["size"] = 999
    assert config.encoders["image"].preprocess["size"] == 64


def test_partial_preprocessing_overrides_merge_with_the_defaults() -> None:
    config = ModelConfig.from_dict({"encoders": {"image": {"preprocess": {"size": 96}}}})
    assert config.modalities == ("image",)
    assert config.encoders["image"].preprocess == {**default_preprocess_params("image"), "size": 96}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"embed_dims": 384}, r"unknown key\(s\) embed_dims"),
        ({"embed_dim": 0}, "embed_dim must be a positive integer"),
        ({"temperature": -1}, "temperature must be a positive number"),
        ({"encoders": {}}, "at least one sensor modality"),
        ({"encoders": {"sonar": {}}}, "encoders.sonar: unknown modality"),
        ({"encoders": {"image": {"arch": {"kind": "vit"}}}}, "encoders.image.arch.kind"),
        ({"encoders": {"image": {"preprocess": {"size": -3}}}}, "encoders.image.preprocess"),
        ({"encoders": {"lidar": {"preprocess": {"points": 9}}}}, "unknown parameter"),
        ({"text": {"provider": "bert"}}, "text.provider"),
        ({"text": {"options": {"x": 1}}}, "takes no options"),
        ({"text": {"template": "a photo"}}, "exactly one"),
        ({"fusion": {"kind": "max"}}, "fusion.kind"),
        ({"fusion": {"max_tokens": 0}}, "fusion.max_tokens"),
        ({"fusion": "adaptive"}, "fusion must be a mapping"),
    ],
)
def test_invalid_config_says_what_to_fix(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ModelConfig.from_dict(data)
