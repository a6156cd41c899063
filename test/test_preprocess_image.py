"""Image and tactile frames: HxWx3 uint8 RGB -> normalised (3, S, S)."""

import numpy as np
import pytest

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.modalities import CLIP_MEAN, CLIP_STD
from omnibind_ros.core.preprocess import preprocess

RGB_MODALITIES = ("image", "tactile")


def random_frame(height: int = 480, width: int = 640, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def three_stripes() -> np.ndarray:
    """A 480x640 frame: red left quarter, blue middle half, red right quarter."""
    frame = np.zeros((480, 640, 3), dtype=np.uint8)
    frame[:, :, 0] = 255
    frame[:, 160:480] = (0, 0, 255)
    return frame


@pytest.mark.parametrize("modality", RGB_MODALITIES)
def test_any_frame_size_becomes_a_contiguous_float32_square(modality: str) -> None:
    for height, width in ((480, 640), (240, 320), (7, 5), (64, 64)):
        out = preprocess(modality, random_frame(height, width))
        assert out.shape == (3, 64, 64)
        assert out.dtype == np.float32 and out.flags.c_contiguous
        assert np.isfinite(out).all()
    assert preprocess(modality, random_frame(), {"size": 224}).shape == (3, 224, 224)


@pytest.mark.parametrize("modality", RGB_MODALITIES)
def test_same_frame_gives_the_same_bytes(modality: str) -> None:
    frame = random_frame(seed=3)
    assert preprocess(modality, frame).tobytes() == preprocess(modality, frame.copy()).tobytes()


def test_uniform_colour_is_normalised_with_the_clip_statistics() -> None:
    colour = np.array([200, 100, 30], dtype=np.uint8)
    frame = np.broadcast_to(colour, (480, 640, 3)).copy()
    out = preprocess("image", frame)
    expected = (colour / 255.0 - np.array(CLIP_MEAN)) / np.array(CLIP_STD)
    np.testing.assert_allclose(out, np.broadcast_to(expected[:, None, None], out.shape), atol=1e-5)


def test_crop_keeps_the_centre_and_stretch_keeps_the_whole_view() -> None:
    frame = three_stripes()
    blue = (1.0 - CLIP_MEAN[2]) / CLIP_STD[2]
    red_in_blue_channel = (0.0 - CLIP_MEAN[2]) / CLIP_STD[2]
    cropped = preprocess("image", frame, {"fit": "crop"})
    # The centre 480x480 square spans columns 80..560: a red margin of 80 px each side.
    assert cropped[2, :, 16:48] == pytest.approx(blue, abs=1e-5)
    assert cropped[2, :, 0] == pytest.approx(red_in_blue_channel, abs=1e-5)
    stretched = preprocess("image", frame, {"fit": "stretch"})
    assert stretched[2, :, :14] == pytest.approx(red_in_blue_channel, abs=1e-5)
    assert stretched[2, :, 20:44] == pytest.approx(blue, abs=1e-5)


def test_reversed_and_read_only_views_are_accepted() -> None:
    bgr = random_frame(seed=5)
    rgb = bgr[:, :, ::-1]
    read_only = np.ascontiguousarray(rgb)
    read_only.flags.writeable = False
    expected = preprocess("image", np.ascontiguousarray(rgb))
    assert preprocess("image", rgb).tobytes() == expected.tobytes()
    assert preprocess("image", read_only).tobytes() == expected.tobytes()


@pytest.mark.parametrize("modality", RGB_MODALITIES)
@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (np.zeros((48, 64, 3), dtype=np.float32), "uint8"),
        (np.zeros((48, 64, 3), dtype=np.uint16), "uint8"),
        (np.zeros((48, 64), dtype=np.uint8), "shape"),
        (np.zeros((48, 64, 4), dtype=np.uint8), "3 channels"),
        (np.zeros((0, 64, 3), dtype=np.uint8), "empty"),
        ([[[0, 0, 0]]], "list"),
        (None, "NoneType"),
    ],
)
def test_bad_frames_raise_an_error_naming_modality_and_problem(
    modality: str, raw: object, problem: str
) -> None:
    with pytest.raises(InvalidSampleError, match=problem) as error:
        preprocess(modality, raw)
    assert error.value.modality == modality
    assert str(error.value).startswith(f"{modality}: ")
