"""The compact default encoders: shapes, unit norm, and the properties their designs promise."""

import pytest
import torch

from omnibind_ros.core.encoders import (
    DEFAULT_ARCHITECTURES,
    build_compact_encoder,
    count_parameters,
)
from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.modalities import SENSOR_MODALITIES, default_preprocess_params
from omnibind_ros.core.preprocess import input_shape

EMBED_DIM = 384


def default_encoder(modality: str) -> torch.nn.Module:
    shape = input_shape(modality, default_preprocess_params(modality))
    return build_compact_encoder(DEFAULT_ARCHITECTURES[modality], shape, EMBED_DIM).eval()


@pytest.mark.parametrize("modality", SENSOR_MODALITIES)
def test_default_encoder_maps_a_batch_to_unit_embeddings(modality: str) -> None:
    shape = input_shape(modality, default_preprocess_params(modality))
    encoder = default_encoder(modality)
    with torch.no_grad():
        out = encoder(torch.randn(5, *shape))
    assert out.shape == (5, EMBED_DIM)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out.norm(dim=-1), torch.ones(5))


@pytest.mark.parametrize("modality", SENSOR_MODALITIES)
def test_default_encoder_is_compact(modality: str) -> None:
    # "a few ms per sample on one CPU core" rules out anything big; benchmarks/bench_core.py
    # measures the latency itself.
    assert count_parameters(default_encoder(modality)) < 250_000


def test_pointnet_ignores_point_order() -> None:
    encoder = default_encoder("lidar")
    points = torch.randn(2, 1024, 3)
    shuffled = points[:, torch.randperm(1024)]
    with torch.no_grad():
        torch.testing.assert_close(encoder(points), encoder(shuffled))


def test_conv_encoder_accepts_other_input_sizes() -> None:
    # Global pooling: the same weights take a longer spectrogram or a larger image.
    encoder = build_compact_encoder({"kind": "conv", "widths": [8, 16]}, (1, 128, 100), 32).eval()
    with torch.no_grad():
        assert encoder(torch.randn(1, 1, 128, 250)).shape == (1, 32)


def test_encoder_separates_head_from_backbone_for_head_only_training() -> None:
    encoder = default_encoder("thermal")
    assert isinstance(encoder.head, torch.nn.Linear)
    assert encoder.head.out_features == EMBED_DIM
    head = set(map(id, encoder.head.parameters()))
    assert head.isdisjoint(map(id, encoder.backbone.parameters()))


@pytest.mark.parametrize(
    ("arch", "shape", "message"),
    [
        ({"kind": "transformer"}, (3, 64, 64), "unknown encoder kind"),
        ({"kind": "conv", "widths": []}, (3, 64, 64), "widths"),
        ({"kind": "conv", "widths": [16, -1]}, (3, 64, 64), "widths"),
        ({"kind": "conv", "widths": [16]}, (1024, 3), r"\(C, H, W\)"),
        ({"kind": "pointnet", "widths": [16]}, (3, 64, 64), r"\(N, F\)"),
    ],
)
def test_bad_architecture_raises_config_error(arch: dict, shape: tuple, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_compact_encoder(arch, shape, EMBED_DIM)
