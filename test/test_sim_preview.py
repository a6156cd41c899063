"""`omnibind sim preview` draws one row per class, one column per sensor."""

import numpy as np
from PIL import Image

from omnibind_ros.cli import main
from omnibind_ros.sim import World
from omnibind_ros.sim.preview import event_frame, first_index_of


def test_preview_writes_a_png_contact_sheet_with_a_row_per_class(tmp_path) -> None:
    out = tmp_path / "sheet.png"
    assert main(["sim", "preview", str(out), "--seed", "3"]) == 0
    sheet = np.asarray(Image.open(out).convert("RGB"))
    rows = len(World().classes)
    assert sheet.shape[0] > sheet.shape[1] and sheet.shape[0] >= rows * 100
    # Every row band holds drawn content, not blank paper.
    for band in np.array_split(sheet, rows):
        assert band.std() > 20


def test_each_class_has_a_scene_in_the_first_block() -> None:
    world = World(seed=3)
    for label in world.classes:
        assert world.scene(first_index_of(world, label)).label == label


def test_event_frame_marks_on_events_red_and_off_events_blue() -> None:
    _, raw = World(seed=3, classes=["fan"]).sample(0, ["event"], conditions={"lighting": "day"})
    frame = event_frame(raw["event"])
    ev = raw["event"].events
    pixel = ev["y"].astype(int) * 128 + ev["x"]
    only_on = np.setdiff1d(pixel[ev["p"] > 0], pixel[ev["p"] < 0])
    only_off = np.setdiff1d(pixel[ev["p"] < 0], pixel[ev["p"] > 0])
    assert frame.shape == (128, 128, 3) and len(only_on) and len(only_off)
    red = frame.reshape(-1, 3)[only_on]
    blue = frame.reshape(-1, 3)[only_off]
    assert np.all(red[:, 0] > red[:, 2]) and np.all(blue[:, 2] > blue[:, 0])
