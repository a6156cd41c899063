"""Sensor encoders behind one interface: a preprocessed batch in, (B, D) unit vectors out.

Every encoder is a ``backbone`` (input -> features) followed by a ``head`` (features -> D) and
L2 normalisation. Stage I (CAD) may train the whole student or only its head.

The compact architectures here are the shipped defaults, sized to run in a few milliseconds
per sample on one CPU core. Larger pretrained encoders come from ``core.providers``.
Architectures are described by JSON-able dicts (``{"kind": "conv", ...}``) stored in bundles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from omnibind_ros.core.errors import ConfigError


class Encoder(nn.Module):
    """Maps a preprocessed batch to L2-normalised embeddings of size ``embed_dim``."""

    def __init__(self, backbone: nn.Module, head: nn.Module, embed_dim: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = head
        self.embed_dim = embed_dim

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.head(self.backbone(batch)), dim=-1)


def conv_backbone(in_channels: int, widths: Sequence[int]) -> nn.Sequential:
    """Strided 3x3 conv stages (each halves the resolution), then global average pooling.

    Global pooling makes it accept any input height/width, e.g. log-mel spectrograms.
    """
    layers: list[nn.Module] = []
    channels = in_channels
    for width in widths:
        layers += [
            nn.Conv2d(channels, width, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
        ]
        channels = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*layers)


class PointNetBackbone(nn.Module):
    """PointNet: a shared per-point MLP, then max-pooling over points (order-invariant)."""

    def __init__(self, in_features: int, widths: Sequence[int]) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        features = in_features
        for width in widths:
            layers += [nn.Linear(features, width), nn.ReLU(inplace=True)]
            features = width
        self.point_mlp = nn.Sequential(*layers)

    def forward(self, points: torch.Tensor) -> torch.Tensor:  # (B, N, F) -> (B, widths[-1])
        return self.point_mlp(points).amax(dim=1)


class SpectrogramTDNN(nn.Module):
    """A time-delay network over a (1, bands, frames) spectrogram: the bands are channels, 1-D
    convolutions (kernel 5, then 3 with growing dilation) run along time, then the mean and
    the maximum over time. Unlike a 2-D conv it keeps where a sound sits in frequency.

    ``band_mean``: first remove each band's mean over the clip (cepstral mean normalisation).
    A speaker's voice, a microphone's colouring and the gain add a constant per band in log
    units, so they vanish, and a student trained on a few voices holds up on the next; but a
    steady sound (a fan's hum) is all band mean, so leave it off for stationary sources.
    """

    def __init__(self, bands: int, widths: Sequence[int], band_mean: bool) -> None:
        super().__init__()
        self.band_mean = band_mean
        layers: list[nn.Module] = []
        channels = bands
        for index, width in enumerate(widths):
            kernel, dilation = (5, 1) if index == 0 else (3, index + 1)
            layers += [
                nn.Conv1d(channels, width, kernel, padding=dilation * (kernel // 2),
                          dilation=dilation, bias=False),
                nn.BatchNorm1d(width),
                nn.ReLU(inplace=True),
            ]  # fmt: skip
            channels = width
        self.frames = nn.Sequential(*layers)

    def forward(self, spectrogram: torch.Tensor) -> torch.Tensor:  # (B, 1, bands, frames)
        bands = spectrogram[:, 0]
        if self.band_mean:
            bands = bands - bands.mean(dim=-1, keepdim=True)
        features = self.frames(bands)
        return torch.cat([features.mean(dim=-1), features.amax(dim=-1)], dim=1)


def _widths(arch: dict) -> list[int]:
    widths = arch.get("widths")
    if (
        not isinstance(widths, list)
        or not widths
        or not all(isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in widths)
    ):
        raise ConfigError(
            f"{arch.get('kind')} encoder: 'widths' must be a non-empty list of positive "
            f"integers, got {widths!r}"
        )
    return widths


def _build_conv(arch: dict, input_shape: tuple[int, ...], embed_dim: int) -> Encoder:
    if len(input_shape) != 3:
        raise ConfigError(f"conv encoder needs (C, H, W) inputs, preprocessing gives {input_shape}")
    widths = _widths(arch)
    return Encoder(
        conv_backbone(input_shape[0], widths), nn.Linear(widths[-1], embed_dim), embed_dim
    )


def _build_pointnet(arch: dict, input_shape: tuple[int, ...], embed_dim: int) -> Encoder:
    if len(input_shape) != 2:
        raise ConfigError(
            f"pointnet encoder needs (N, F) inputs, preprocessing gives {input_shape}"
        )
    widths = _widths(arch)
    backbone = PointNetBackbone(input_shape[1], widths)
    return Encoder(backbone, nn.Linear(widths[-1], embed_dim), embed_dim)


def _build_tdnn(arch: dict, input_shape: tuple[int, ...], embed_dim: int) -> Encoder:
    if len(input_shape) != 3 or input_shape[0] != 1:
        raise ConfigError(
            f"tdnn encoder needs (1, bands, frames) spectrograms, preprocessing gives {input_shape}"
        )
    band_mean = arch.get("band_mean", False)
    if not isinstance(band_mean, bool):
        raise ConfigError(f"tdnn encoder: 'band_mean' must be true or false, got {band_mean!r}")
    widths = _widths(arch)
    backbone = SpectrogramTDNN(input_shape[1], widths, band_mean)
    return Encoder(backbone, nn.Linear(2 * widths[-1], embed_dim), embed_dim)


COMPACT_ARCHITECTURES: dict[str, Callable[[dict, tuple[int, ...], int], Encoder]] = {
    "conv": _build_conv,
    "pointnet": _build_pointnet,
    "tdnn": _build_tdnn,
}

# Shipped default per sensor modality: ~0.1-0.2 M parameters each. The audio default stays the
# 2-D conv: a robot's sounds are mostly steady (a fan, a kettle), and the TDNN's band-mean
# removal, which made speech from an unseen speaker 75-81 % right where the conv got 34-38 %,
# threw away what tells steady sounds apart (the mic alone on a replayed simulated bag: 32 %
# against the conv's 53 %). Speech data: {"kind": "tdnn", "widths": [128, 128, 128],
# "band_mean": True}, as benchmarks/bench_real_data.py configures it.
DEFAULT_ARCHITECTURES: dict[str, dict] = {
    "image": {"kind": "conv", "widths": [16, 32, 64, 128]},
    "thermal": {"kind": "conv", "widths": [16, 32, 64, 128]},
    "event": {"kind": "conv", "widths": [16, 32, 64, 128]},
    "tactile": {"kind": "conv", "widths": [16, 32, 64, 128]},
    "audio": {"kind": "conv", "widths": [16, 32, 64, 128]},
    "lidar": {"kind": "pointnet", "widths": [32, 64, 128]},
}


def build_compact_encoder(arch: dict, input_shape: tuple[int, ...], embed_dim: int) -> Encoder:
    """A randomly initialised compact encoder for inputs of ``input_shape`` (no batch axis)."""
    kind = arch.get("kind")
    if kind not in COMPACT_ARCHITECTURES:
        raise ConfigError(
            f"unknown encoder kind {kind!r}; expected one of {', '.join(COMPACT_ARCHITECTURES)}"
        )
    return COMPACT_ARCHITECTURES[kind](arch, tuple(input_shape), embed_dim)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
