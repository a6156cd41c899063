"""Random generators derived from (world seed, purpose, scene index, ...), never from global state.

Each purpose (class order, conditions, layout, one stream per modality) gets its own generator,
so rendering one modality never shifts the random numbers of another: ``sample(i, ["audio"])``
returns the same audio bytes as ``sample(i)``.
"""

from __future__ import annotations

import zlib

import numpy as np

CLASS_ORDER = 0
CONDITIONS = 1
LAYOUT = 2
SCHEDULE = 3
SPLIT = 4
MODALITY = 10  # + modality position, see modality_purpose()


def rng_for(seed: int, purpose: int, *keys: int) -> np.random.Generator:
    """A generator that depends only on (seed, purpose, *keys)."""
    return np.random.default_rng(np.random.SeedSequence([seed, purpose, *keys]))


def modality_purpose(modality: str) -> int:
    """A purpose id per modality name, stable across runs and Python versions."""
    return MODALITY + zlib.crc32(modality.encode())


def name_key(name: str) -> int:
    """A stable integer key for a sensor name (two cameras get different noise)."""
    return zlib.crc32(name.encode())
