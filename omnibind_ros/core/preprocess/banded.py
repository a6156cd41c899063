"""Products with banded weight matrices, whose rows each weigh one short run of inputs.

Resampling filters and mel filterbanks are such matrices. A block of rows needs only the
columns its runs cover, so multiplying block by block skips the zeros that one dense product
would multiply: 6x less work for a 480 -> 64 px resize, 4x for 128 mel bands.
"""

from __future__ import annotations

import numpy as np


def row_blocks(weights: np.ndarray, rows: int) -> tuple[tuple[int, int, np.ndarray], ...]:
    """``weights`` cut into blocks of ``rows`` rows, each as (lo, hi, block): the block's
    weights of columns lo..hi-1, outside which they are zero (read-only, C-ordered).

    A block of zero rows (mel bands narrower than an FFT bin) has lo == hi: its product is
    zeros of the right shape.
    """
    blocks = []
    for top in range(0, len(weights), rows):
        band = weights[top : top + rows]
        used = np.flatnonzero(band.any(axis=0))
        lo, hi = (int(used[0]), int(used[-1]) + 1) if used.size else (0, 0)
        block = np.ascontiguousarray(band[:, lo:hi])
        block.flags.writeable = False
        blocks.append((lo, hi, block))
    return tuple(blocks)
