"""Read sample files from disk into the raw sample types of ``omnibind_ros.core.samples``.

Supported forms, by modality and file suffix:

- image, tactile: ``.png .jpg .jpeg .bmp`` (any PIL mode) -> HxWx3 uint8 RGB
- thermal: ``.npy`` or ``.png .tif .tiff`` -> HxW float32 °C. Raw values v become
  ``v * scale + offset``; 16-bit integers default to centi-Kelvin (0.01, -273.15), floats
  to °C (1, 0); 8-bit images carry no temperature, so they need both given.
- event: ``.npz`` (arrays x, y, t, p [, width, height]) or ``.npy`` (structured x, y, t, p or
  an Nx4 array) -> EventSample; params ``width``/``height`` when the file lacks them, and
  ``t_unit`` (s, ms, us, ns; default ns).
- audio: ``.wav`` (int16, int32, uint8 or float; channels averaged) -> mono AudioSample
- lidar: ``.npy`` (Nx3/Nx4), ``.bin`` (KITTI float32 x, y, z, intensity), ``.ply .pcd``
  (open3d; intensity kept when the file has it) -> Nx3/Nx4 float32

Per-sample parameters come from the manifest's ``loader_params``. A missing, unreadable or
unsupported file raises DatasetError; contents that break the raw-sample contract raise
InvalidSampleError. Both messages name the file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from scipy.io import wavfile

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.samples import AudioSample, EventSample, make_events
from omnibind_ros.training.dataset.errors import DatasetError

Params = Mapping[str, Any]

# Centi-Kelvin: the usual encoding of radiometric 16-bit thermal images.
DEFAULT_THERMAL_16BIT = {"scale": 0.01, "offset": -273.15}
_T_UNIT_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
# Full-scale value of each integer PCM type (scipy returns these dtypes for .wav files).
_PCM_FULL_SCALE = {np.dtype(np.int16): 32768.0, np.dtype(np.int32): 2147483648.0}


def _invalid(modality: str, path: Path, problem: str) -> InvalidSampleError:
    return InvalidSampleError(modality, f"{path}: {problem}")


def _load_rgb(modality: str, path: Path, params: Params) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8).copy()


def _read_image_array(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image).copy()


def _thermal_celsius(modality: str, path: Path, values: np.ndarray, params: Params) -> np.ndarray:
    if values.ndim != 2:
        raise _invalid(modality, path, f"expected an HxW array, got shape {values.shape}")
    if np.issubdtype(values.dtype, np.floating):
        conversion = {"scale": 1.0, "offset": 0.0, **params}
    elif np.issubdtype(values.dtype, np.integer) and values.dtype.itemsize >= 2:
        conversion = {**DEFAULT_THERMAL_16BIT, **params}
    else:
        conversion = dict(params)
    if not {"scale", "offset"} <= conversion.keys():
        raise DatasetError(
            f"{path}: {values.dtype} thermal values carry no temperature; give loader_params "
            "'scale' and 'offset' (°C = value * scale + offset)"
        )
    celsius = values.astype(np.float64) * float(conversion["scale"]) + float(conversion["offset"])
    return celsius.astype(np.float32)


def _load_thermal_npy(modality: str, path: Path, params: Params) -> np.ndarray:
    return _thermal_celsius(modality, path, np.load(path, allow_pickle=False), params)


def _load_thermal_image(modality: str, path: Path, params: Params) -> np.ndarray:
    return _thermal_celsius(modality, path, _read_image_array(path), params)


def _event_columns(modality: str, path: Path) -> dict[str, np.ndarray]:
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    array = np.load(path, allow_pickle=False)
    if array.dtype.names:
        return {name: array[name] for name in array.dtype.names}
    if array.ndim == 2 and array.shape[1] == 4:
        return dict(zip("xytp", array.T, strict=True))
    raise _invalid(modality, path, f"expected x, y, t, p fields or an Nx4 array, got {array.shape}")


def _load_events(modality: str, path: Path, params: Params) -> EventSample:
    columns = _event_columns(modality, path)
    missing = [key for key in "xytp" if key not in columns]
    if missing:
        raise _invalid(modality, path, f"missing event field(s) {', '.join(missing)}")
    size = {}
    for key in ("width", "height"):
        value = columns[key] if key in columns else params.get(key)
        if value is None:
            raise DatasetError(f"{path}: sensor {key} is neither in the file nor in loader_params")
        size[key] = int(value)
    unit = params.get("t_unit", "ns")
    if unit not in _T_UNIT_NS:
        raise DatasetError(f"{path}: loader_params 't_unit' must be one of {', '.join(_T_UNIT_NS)}")
    x, y, p = (np.asarray(columns[key]).ravel() for key in "xyp")
    t = np.rint(np.asarray(columns["t"], dtype=np.float64).ravel() * _T_UNIT_NS[unit])
    if not len(x) == len(y) == len(t) == len(p):
        raise _invalid(modality, path, "event fields x, y, t, p differ in length")
    width, height = size["width"], size["height"]
    if len(x) and (x.min() < 0 or y.min() < 0 or x.max() >= width or y.max() >= height):
        raise _invalid(modality, path, f"event coordinates outside a {width}x{height} sensor")
    if not np.isin(p, (-1, 0, 1)).all():
        raise _invalid(modality, path, "event polarity must be -1, 0 or 1")
    order = np.argsort(t, kind="stable")  # the contract wants events sorted by time
    events = make_events(x[order], y[order], t[order].astype(np.int64), p[order])
    return EventSample(events, width, height)


def _load_wav(modality: str, path: Path, params: Params) -> AudioSample:
    rate, data = wavfile.read(path)
    if data.dtype in _PCM_FULL_SCALE:
        wave = data / _PCM_FULL_SCALE[data.dtype]
    elif data.dtype == np.uint8:
        wave = (data.astype(np.float64) - 128.0) / 128.0
    else:
        wave = data.astype(np.float64)
        if not np.isfinite(wave).all():
            raise _invalid(modality, path, "waveform holds NaN or Inf")
    if wave.ndim == 2:
        wave = wave.mean(axis=1)
    if wave.size == 0:
        raise _invalid(modality, path, "waveform is empty")
    return AudioSample(np.clip(wave, -1.0, 1.0).astype(np.float32), int(rate))


def _check_cloud(modality: str, path: Path, points: np.ndarray) -> np.ndarray:
    if points.ndim != 2 or points.shape[1] not in (3, 4):
        raise _invalid(modality, path, f"expected an Nx3 or Nx4 array, got shape {points.shape}")
    if len(points) == 0:
        raise _invalid(modality, path, "point cloud is empty")
    return points.astype(np.float32, copy=False)


def _load_cloud_npy(modality: str, path: Path, params: Params) -> np.ndarray:
    return _check_cloud(modality, path, np.load(path, allow_pickle=False))


def _load_cloud_kitti_bin(modality: str, path: Path, params: Params) -> np.ndarray:
    flat = np.fromfile(path, dtype=np.float32)
    if flat.size % 4:
        raise _invalid(modality, path, f"{flat.size} floats is not a whole number of x,y,z,i rows")
    return _check_cloud(modality, path, flat.reshape(-1, 4))


def _load_cloud_open3d(modality: str, path: Path, params: Params) -> np.ndarray:
    import open3d as o3d  # heavy; only loaded when a .ply/.pcd is read

    cloud = o3d.t.io.read_point_cloud(str(path))
    # open3d reports unreadable files with a warning and an empty cloud, not an exception.
    if "positions" not in cloud.point:
        raise DatasetError(f"{path}: open3d read no points (unreadable or empty point cloud file)")
    points = cloud.point.positions.numpy().astype(np.float32)
    if "intensity" in cloud.point:
        points = np.hstack([points, cloud.point.intensity.numpy().reshape(-1, 1)])
    return _check_cloud(modality, path, points)


Loader = Callable[[str, Path, Params], Any]
_RGB_LOADERS: dict[str, Loader] = dict.fromkeys((".png", ".jpg", ".jpeg", ".bmp"), _load_rgb)
LOADERS: dict[str, dict[str, Loader]] = {
    "image": _RGB_LOADERS,
    "tactile": _RGB_LOADERS,
    "thermal": {
        ".npy": _load_thermal_npy,
        **dict.fromkeys((".png", ".tif", ".tiff"), _load_thermal_image),
    },
    "event": {".npz": _load_events, ".npy": _load_events},
    "audio": {".wav": _load_wav},
    "lidar": {
        ".npy": _load_cloud_npy,
        ".bin": _load_cloud_kitti_bin,
        ".ply": _load_cloud_open3d,
        ".pcd": _load_cloud_open3d,
    },
}


def load_sample(modality: str, path: Path, params: Params | None = None) -> Any:
    """The raw sample stored in ``path``, as ``omnibind_ros.core`` expects it for ``modality``."""
    if modality not in LOADERS:
        raise DatasetError(f"{path}: no loader for modality {modality!r}")
    path = Path(path)
    loader = LOADERS[modality].get(path.suffix.lower())
    if loader is None:
        raise DatasetError(
            f"{path}: unsupported {modality} file type {path.suffix or '(none)'!r}; "
            f"expected one of {', '.join(LOADERS[modality])}"
        )
    if not path.is_file():
        raise DatasetError(f"{path}: file not found")
    try:
        return loader(modality, path, params or {})
    except (InvalidSampleError, DatasetError):
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        # Truncated or corrupt files surface as any of these from PIL, numpy and scipy.
        raise DatasetError(f"{path}: cannot read {modality} file ({error})") from error
