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
        ({"kind": "tdnn", "widths": [16]}, (3, 64, 64), r"\(1, bands, frames\)"),
        ({"kind": "tdnn", "widths": [16], "band_mean": "yes"}, (1, 64, 100), "band_mean"),
    ],
)
def test_bad_architecture_raises_config_error(arch: dict, shape: tuple, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_compact_encoder(arch, shape, EMBED_DIM)


TDNN = {"kind": "tdnn", "widths": [32, 32, 32]}
SPECTROGRAM = (1, 64, 100)


def tdnn(band_mean: bool) -> torch.nn.Module:
    torch.manual_seed(0)
    return build_compact_encoder({**TDNN, "band_mean": band_mean}, SPECTROGRAM, 32).eval()


def test_tdnn_with_band_mean_ignores_a_constant_per_band() -> None:
    # A voice's, microphone's or gain's fixed colouring adds a constant per band in log units.
    encoder, clip = tdnn(band_mean=True), torch.randn(2, *SPECTROGRAM)
    colouring = 3 * torch.randn(2, 1, SPECTROGRAM[1], 1)
    with torch.no_grad():
        torch.testing.assert_close(encoder(clip + colouring), encoder(clip), atol=1e-5, rtol=0)


def test_tdnn_without_band_mean_hears_a_steady_spectrum() -> None:
    # A fan's hum is all band mean: left on, the encoder could not tell two hums apart.
    encoder = tdnn(band_mean=False)
    hums = 3 * torch.randn(2, 1, SPECTROGRAM[1], 1).expand(2, *SPECTROGRAM)
    with torch.no_grad():
        first, second = encoder(hums)
    assert (first - second).abs().max() > 1e-3


def test_tdnn_accepts_longer_clips() -> None:
    with torch.no_grad():
        assert tdnn(band_mean=True)(torch.randn(1, 1, 64, 250)).shape == (1, 32)


def test_tdnn_exported_to_onnx_matches_torch(tmp_path) -> None:
    import numpy as np
    import onnxruntime

    from omnibind_ros.runtime.onnx_export import export_encoder_onnx

    encoder = tdnn(band_mean=True)
    path = export_encoder_onnx(encoder, SPECTROGRAM, tmp_path / "tdnn.onnx")
    clips = torch.randn(3, *SPECTROGRAM)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (onnx,) = session.run(None, {"input": clips.numpy()})
    with torch.no_grad():
        np.testing.assert_allclose(onnx, encoder(clips).numpy(), atol=1e-5)
