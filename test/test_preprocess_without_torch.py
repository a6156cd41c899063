"""Preprocessing runs without torch: the CPU inference process must not pay for its import
(about 220 MiB of memory and 2 s)."""

import subprocess
import sys
import textwrap

# A fresh interpreter: this test process imports torch (conftest.py), and so would any
# module imported before the check.
PREPROCESS_EVERY_MODALITY = textwrap.dedent(
    """
    import sys

    import numpy as np

    import omnibind_ros.core.preprocess
    from omnibind_ros.core.preprocess import (
        audio, checks, event, image, lidar, mel, params, preprocess, resize, thermal,
    )
    from omnibind_ros.core.samples import AudioSample, EventSample, make_events

    rng = np.random.default_rng(0)
    count = 1000
    events = make_events(
        rng.integers(0, 346, count), rng.integers(0, 260, count),
        np.sort(rng.integers(0, 50_000_000, count)), rng.choice([-1, 1], count),
    )
    samples = {
        "image": rng.integers(0, 256, (480, 640, 3), dtype=np.uint8),
        "tactile": rng.integers(0, 256, (240, 320, 3), dtype=np.uint8),
        "thermal": rng.normal(25.0, 10.0, (120, 160)).astype(np.float32),
        "event": EventSample(events, 346, 260),
        # 48 kHz: resampling loads scipy.signal, which preprocessing imports when needed.
        "audio": AudioSample(rng.uniform(-0.5, 0.5, 48_000).astype(np.float32), 48_000),
        "lidar": rng.normal(0.0, 10.0, (2000, 3)).astype(np.float32),
    }
    for modality, raw in samples.items():
        preprocess(modality, raw)
    loaded = sorted(name for name in sys.modules if name.split(".")[0] == "torch")
    assert not loaded, f"preprocessing imported {loaded[:5]}"
    """
)


def test_importing_and_running_every_preprocessing_module_never_imports_torch() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PREPROCESS_EVERY_MODALITY],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
