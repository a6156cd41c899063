"""Scene sets rendered from the simulated world, preprocessed, and cached on disk.

A set is a pure function of (world seed, scene indices, modalities, preprocessing parameters,
simulator and preprocessing code), so the cache key hashes all of them: editing the simulator
invalidates old caches instead of silently training on stale data. Rendering is spread over
worker processes since every scene is independent.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

import omnibind_ros
from omnibind_ros.core.preprocess import preprocess
from omnibind_ros.sim import World
from omnibind_ros.training.scenes import STORE_DTYPE, SceneSet, cached_scene_set, source_fingerprint

log = logging.getLogger(__name__)

CHUNK = 64  # scenes per task handed to a worker
_PACKAGE_ROOT = Path(omnibind_ros.__file__).parent
_CODE_FINGERPRINTED = ("sim", "core/preprocess", "core/modalities.py", "core/samples.py")

_world: World | None = None  # one per worker process


@functools.cache
def code_fingerprint() -> str:
    """Hash of the simulator and preprocessing sources: the code a cached set depends on.

    Taken once per process, like the imports: every set of one run keys on the same code."""
    return source_fingerprint(_PACKAGE_ROOT, _CODE_FINGERPRINTED)


def _init_worker(world_seed: int) -> None:
    global _world
    _world = World(seed=world_seed)


def _render_chunk(
    indices: Sequence[int], modalities: Sequence[str], params: Mapping[str, Mapping]
) -> tuple[list[str], dict[str, np.ndarray]]:
    assert _world is not None, "worker not initialised"
    labels: list[str] = []
    columns: dict[str, list[np.ndarray]] = {m: [] for m in modalities}
    for index in indices:
        label, raw = _world.sample(index, modalities=list(modalities))
        labels.append(label)
        for modality in modalities:
            columns[modality].append(preprocess(modality, raw[modality], dict(params[modality])))
    return labels, {m: np.stack(rows).astype(STORE_DTYPE) for m, rows in columns.items()}


def _render_chunks(world_seed, chunks, modalities, params, workers: int):
    """Rendered chunks in order: in this process for one worker, else in a process pool."""
    if workers <= 1:
        _init_worker(world_seed)
        yield from (_render_chunk(chunk, modalities, params) for chunk in chunks)
        return
    # spawn, not fork: the parent holds torch's thread pools, which do not survive a fork.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(world_seed,)
    ) as pool:
        n = len(chunks)
        yield from pool.map(_render_chunk, chunks, [modalities] * n, [params] * n)


def render_scene_set(
    world_seed: int,
    indices: range,
    modalities: Sequence[str],
    params: Mapping[str, Mapping],
    workers: int = 1,
    desc: str = "render",
) -> SceneSet:
    """Render and preprocess scenes ``indices`` of ``World(world_seed)``, all ``modalities``."""
    classes = list(World(seed=world_seed).classes)
    chunks = [indices[i : i + CHUNK] for i in range(0, len(indices), CHUNK)]
    labels: list[str] = []
    parts: dict[str, list[np.ndarray]] = {m: [] for m in modalities}
    for chunk_labels, arrays in tqdm(
        _render_chunks(world_seed, chunks, modalities, params, workers),
        total=len(chunks), desc=desc, leave=False,
    ):  # fmt: skip
        labels += chunk_labels
        for modality, array in arrays.items():
            parts[modality].append(array)
    n = len(labels)
    return SceneSet(
        classes=classes,
        labels=np.array([classes.index(label) for label in labels], dtype=np.int64),
        inputs={m: np.concatenate(parts[m]) for m in modalities},
        present={m: np.ones(n, dtype=bool) for m in modalities},
    )


def sim_scene_set(
    world_seed: int,
    indices: range,
    modalities: Sequence[str],
    params: Mapping[str, Mapping],
    cache_dir: Path | None,
    workers: int = 1,
    desc: str = "render",
) -> SceneSet:
    """:func:`render_scene_set`, read from ``cache_dir`` when rendered before."""
    spec = {
        "world_seed": world_seed,
        "indices": [indices.start, indices.stop, indices.step],
        "modalities": list(modalities),
        "params": {m: params[m] for m in modalities},
        "code": code_fingerprint(),
    }
    return cached_scene_set(
        cache_dir,
        spec,
        lambda: render_scene_set(world_seed, indices, modalities, params, workers, desc),
        desc,
    )
