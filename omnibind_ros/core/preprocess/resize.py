"""Fitting planar sensor data (images, temperature maps, event frames) into an SxS square."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from omnibind_ros.core.preprocess.params import require

FITS = ("crop", "stretch")


def check_fit(modality: str, params: dict) -> None:
    require(params["size"] > 0, modality, f"size must be positive, got {params['size']}")
    require(params["fit"] in FITS, modality, f"fit must be one of {FITS}, got {params['fit']!r}")


def float_tensor(array: np.ndarray) -> torch.Tensor:
    """A float32 tensor owning a C-ordered copy: sensor buffers may be read-only or
    reversed views (BGR -> RGB by slicing), which torch cannot share."""
    return torch.from_numpy(np.array(array, dtype=np.float32, order="C"))


def fit_square(planes: torch.Tensor, size: int, fit: str) -> torch.Tensor:
    """(C, H, W) float -> (C, size, size) float.

    "crop" keeps the centre square (CLIP's convention: no distortion, the longer side loses
    its edges); "stretch" keeps the whole field of view, distorted. Bilinear with antialias,
    so a 640 px frame shrunk to 64 px averages its pixels instead of aliasing.
    """
    height, width = planes.shape[-2:]
    if fit == "crop":
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        planes = planes[:, top : top + side, left : left + side]
    if planes.shape[-2:] == (size, size):
        return planes
    resized = F.interpolate(
        planes.unsqueeze(0), size=(size, size), mode="bilinear", align_corners=False, antialias=True
    )
    return resized.squeeze(0)
