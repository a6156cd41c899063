"""Sample files on disk -> the raw sample types of omnibind_ros.core.samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dataset_files import write_cloud, write_events, write_image, write_wav
from PIL import Image

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.samples import EVENT_DTYPE, AudioSample, EventSample
from omnibind_ros.training.dataset import DatasetError
from omnibind_ros.training.dataset.loaders import load_sample


def test_rgb_png_loads_pixel_exact(tmp_path: Path) -> None:
    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    loaded = load_sample("image", write_image(tmp_path / "a.png", pixels))
    assert loaded.dtype == np.uint8 and np.array_equal(loaded, pixels)


@pytest.mark.parametrize("mode_shape", [(5, 7, 4), (5, 7)], ids=["rgba", "gray"])
def test_rgba_and_gray_images_become_rgb(tmp_path: Path, mode_shape: tuple[int, ...]) -> None:
    pixels = np.full(mode_shape, 200, dtype=np.uint8)
    loaded = load_sample("tactile", write_image(tmp_path / "a.png", pixels))
    assert loaded.shape == (5, 7, 3) and (loaded == 200).all()


def test_jpeg_image_loads_as_rgb(tmp_path: Path) -> None:
    pixels = np.zeros((16, 16, 3), dtype=np.uint8)
    pixels[..., 0] = 255
    loaded = load_sample("image", write_image(tmp_path / "red.jpg", pixels))
    assert loaded.shape == (16, 16, 3)
    assert abs(int(loaded[..., 0].mean()) - 255) < 4 and loaded[..., 1].mean() < 4


def test_thermal_npy_in_celsius_is_kept(tmp_path: Path) -> None:
    celsius = np.array([[20.5, 37.0], [-5.0, 100.0]], dtype=np.float64)
    np.save(tmp_path / "t.npy", celsius)
    loaded = load_sample("thermal", tmp_path / "t.npy")
    assert loaded.dtype == np.float32 and np.allclose(loaded, celsius)


def test_thermal_16bit_png_defaults_to_centi_kelvin(tmp_path: Path) -> None:
    centi_kelvin = np.array([[27315, 31015], [29315, 37315]], dtype=np.uint16)
    loaded = load_sample("thermal", write_image(tmp_path / "t.png", centi_kelvin))
    assert np.allclose(loaded, [[0.0, 37.0], [20.0, 100.0]], atol=1e-4)


def test_thermal_16bit_png_uses_the_samples_scale_and_offset(tmp_path: Path) -> None:
    raw = np.array([[7000, 7500]], dtype=np.uint16)  # 0.04 K per count, a common radiometric step
    loaded = load_sample(
        "thermal", write_image(tmp_path / "t.png", raw), {"scale": 0.04, "offset": -273.15}
    )
    assert np.allclose(loaded, [[6.85, 26.85]], atol=1e-4)


def test_thermal_float_tiff_is_celsius(tmp_path: Path) -> None:
    celsius = np.array([[21.25, 36.5]], dtype=np.float32)
    Image.fromarray(celsius).save(tmp_path / "t.tif")
    assert np.allclose(load_sample("thermal", tmp_path / "t.tif"), celsius)


def test_thermal_8bit_image_needs_an_explicit_conversion(tmp_path: Path) -> None:
    path = write_image(tmp_path / "t.png", np.array([[0, 255]], dtype=np.uint8))
    with pytest.raises(DatasetError, match=r"t.png: uint8 thermal values carry no temperature"):
        load_sample("thermal", path)
    loaded = load_sample("thermal", path, {"scale": 0.2, "offset": 10.0})
    assert np.allclose(loaded, [[10.0, 61.0]])


def test_events_npz_load_sorted_with_sensor_size(tmp_path: Path) -> None:
    path = write_events(tmp_path / "e.npz", 200, width=40, height=30)
    loaded = load_sample("event", path)
    assert isinstance(loaded, EventSample) and (loaded.width, loaded.height) == (40, 30)
    assert loaded.events.dtype == EVENT_DTYPE and len(loaded.events) == 200
    assert (np.diff(loaded.events["t"]) >= 0).all()


def test_events_npy_take_size_and_time_unit_from_params(tmp_path: Path) -> None:
    table = np.array([[3, 1, 20, 1], [0, 2, 10, -1]], dtype=np.int64)  # x, y, t (µs), p
    np.save(tmp_path / "e.npy", table)
    with pytest.raises(DatasetError, match=r"e.npy: sensor width is neither in the file"):
        load_sample("event", tmp_path / "e.npy")
    loaded = load_sample("event", tmp_path / "e.npy", {"width": 4, "height": 3, "t_unit": "us"})
    assert loaded.events["t"].tolist() == [10_000, 20_000]  # sorted, in ns
    assert loaded.events["x"].tolist() == [0, 3] and loaded.events["p"].tolist() == [-1, 1]


def test_events_outside_the_sensor_are_an_invalid_sample(tmp_path: Path) -> None:
    np.savez(tmp_path / "e.npz", x=[5], y=[0], t=[0], p=[1], width=4, height=4)
    with pytest.raises(InvalidSampleError, match=r"e.npz: event coordinates outside a 4x4"):
        load_sample("event", tmp_path / "e.npz")


def test_stereo_int16_wav_becomes_a_mono_float_waveform(tmp_path: Path) -> None:
    stereo = np.array([[16384, 0], [-32768, -32768], [8192, 8192]], dtype=np.int16)
    loaded = load_sample("audio", write_wav(tmp_path / "a.wav", 22050, stereo))
    assert isinstance(loaded, AudioSample) and loaded.sample_rate == 22050
    assert loaded.waveform.dtype == np.float32
    assert np.allclose(loaded.waveform, [0.25, -1.0, 0.25])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (np.array([0.5, -2.0], dtype=np.float32), [0.5, -1.0]),  # clipped into [-1, 1]
        (np.array([128, 192, 0], dtype=np.uint8), [0.0, 0.5, -1.0]),
        (np.array([2**30, -(2**31)], dtype=np.int32), [0.5, -1.0]),
    ],
    ids=["float32", "uint8", "int32"],
)
def test_wav_sample_formats_scale_to_unit_range(
    tmp_path: Path, data: np.ndarray, expected: list[float]
) -> None:
    loaded = load_sample("audio", write_wav(tmp_path / "a.wav", 8000, data))
    assert np.allclose(loaded.waveform, expected)


def test_wav_with_nan_is_an_invalid_sample(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", 8000, np.array([0.1, np.nan], dtype=np.float32))
    with pytest.raises(InvalidSampleError, match=r"a.wav: waveform holds NaN"):
        load_sample("audio", path)


def test_pcd_with_intensity_loads_as_nx4(tmp_path: Path) -> None:
    points = np.random.default_rng(1).normal(size=(50, 3))
    intensity = np.linspace(0, 1, 50)
    loaded = load_sample("lidar", write_cloud(tmp_path / "c.pcd", points, intensity))
    assert loaded.shape == (50, 4) and loaded.dtype == np.float32
    assert np.allclose(loaded[:, :3], points, atol=1e-6) and np.allclose(loaded[:, 3], intensity)


def test_ply_without_intensity_loads_as_nx3(tmp_path: Path) -> None:
    points = np.random.default_rng(2).normal(size=(20, 3))
    loaded = load_sample("lidar", write_cloud(tmp_path / "c.ply", points))
    assert loaded.shape == (20, 3) and np.allclose(loaded, points, atol=1e-6)


def test_npy_and_kitti_bin_clouds_keep_nan_rows(tmp_path: Path) -> None:
    cloud = np.array([[1, 2, 3, 0.5], [np.nan, np.nan, np.nan, 0], [4, 5, 6, 1]], np.float32)
    np.save(tmp_path / "c.npy", cloud)
    cloud.tofile(tmp_path / "c.bin")
    for name in ("c.npy", "c.bin"):
        loaded = load_sample("lidar", tmp_path / name)
        assert loaded.shape == (3, 4) and np.array_equal(loaded, cloud, equal_nan=True)


def test_unreadable_point_cloud_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "c.pcd").write_text("not a point cloud")
    with pytest.raises(DatasetError, match=r"c.pcd: open3d read no points"):
        load_sample("lidar", tmp_path / "c.pcd")


def test_empty_cloud_is_an_invalid_sample(tmp_path: Path) -> None:
    np.save(tmp_path / "c.npy", np.zeros((0, 3), np.float32))
    with pytest.raises(InvalidSampleError, match=r"c.npy: point cloud is empty"):
        load_sample("lidar", tmp_path / "c.npy")


def test_truncated_png_names_the_file(tmp_path: Path) -> None:
    path = write_image(tmp_path / "a.png", np.zeros((32, 32, 3), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DatasetError, match=r"a.png: cannot read image file"):
        load_sample("image", path)


def test_missing_file_and_unsupported_type_are_dataset_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"gone.wav: file not found"):
        load_sample("audio", tmp_path / "gone.wav")
    (tmp_path / "a.mp3").write_bytes(b"ID3")
    with pytest.raises(DatasetError, match=r"a.mp3: unsupported audio file type '.mp3'"):
        load_sample("audio", tmp_path / "a.mp3")
