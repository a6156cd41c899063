"""Source datasets of the real-data benchmark, written as a user would write their own.

Two real public datasets of different modalities, collected separately and sharing only
their labels (the ten digits):

- images: scikit-learn's bundled handwritten digits (``sklearn.datasets.load_digits``: 1,797
  8x8 grey scans of digits written by 43 people, UCI "Optical Recognition of Handwritten
  Digits"), one PNG each;
- audio: the Free Spoken Digit Dataset (github.com/Jakobovski/free-spoken-digit-dataset):
  3,000 8 kHz recordings, 6 speakers x 10 digits x 50, files ``{digit}_{speaker}_{n}.wav``.

Each becomes a source directory with its own ``manifest.jsonl``; the benchmark then merges
them with ``omnibind dataset build`` (label-level matching). Two split schemes:

- ``standard``: FSDD's own (recordings numbered 0-4 are test, the rest train), images
  stratified 80/20 with a fixed seed;
- ``speaker``: every recording of one speaker is test, the other five speakers train (the
  same images split as ``standard``): a shift between training and use that the robot
  meets when someone new speaks.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image

from omnibind_ros.training.dataset import SampleRecord, write_manifest

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
FSDD_NAME = re.compile(r"^(\d)_([a-z]+)_(\d+)\.wav$")
SPLITS = ("standard", "speaker")


def fsdd_recordings(source: Path) -> list[Path]:
    """The FSDD wav files under ``source`` (the repository or its recordings/ directory)."""
    directory = source / "recordings" if (source / "recordings").is_dir() else source
    files = sorted(p for p in directory.glob("*.wav") if FSDD_NAME.match(p.name))
    if not files:
        raise SystemExit(
            f"no FSDD recordings ({{digit}}_{{speaker}}_{{n}}.wav) in {directory}: pass the "
            "directory of a free-spoken-digit-dataset checkout"
        )
    return files


def write_digit_images(out: Path, seed: int = 0) -> Path:
    """sklearn's digits as PNGs (grey 0-16 scaled to 0-255) with a stratified 80/20 split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    indices = np.arange(len(digits.target))
    _, test = train_test_split(indices, test_size=0.2, stratify=digits.target, random_state=seed)
    test_set = set(test.tolist())
    out.mkdir(parents=True, exist_ok=True)
    records = []
    for index, (pixels, digit) in enumerate(zip(digits.images, digits.target, strict=True)):
        name = f"digit{index:04d}"
        grey = np.round(pixels * (255 / 16)).astype(np.uint8)
        Image.fromarray(grey, mode="L").save(out / f"{name}.png")
        split = "test" if index in test_set else "train"
        records.append(
            SampleRecord(name, DIGIT_WORDS[digit], name, split, {"image": f"{name}.png"})
        )
    write_manifest(out, records)
    return out


def write_fsdd_source(out: Path, recordings: list[Path], scheme: str, speaker: str) -> Path:
    """A manifest over the FSDD files (linked in place, never copied) for one split scheme."""
    out.mkdir(parents=True, exist_ok=True)
    link = out / "recordings"
    if not link.exists():
        link.symlink_to(recordings[0].parent.resolve(), target_is_directory=True)
    speakers = {FSDD_NAME.match(p.name).group(2) for p in recordings}
    if scheme == "speaker" and speaker not in speakers:
        raise SystemExit(f"speaker {speaker!r} is not in FSDD ({', '.join(sorted(speakers))})")
    records = []
    for path in recordings:
        digit, who, number = FSDD_NAME.match(path.name).groups()
        test = int(number) <= 4 if scheme == "standard" else who == speaker
        records.append(
            SampleRecord(
                path.stem,
                DIGIT_WORDS[int(digit)],
                path.stem,
                "test" if test else "train",
                {"audio": f"recordings/{path.name}"},
                description=f"speaker {who}",
            )
        )
    write_manifest(out, records)
    return out
