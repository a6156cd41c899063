"""A progress bar in seconds of bag time, for recording and replaying long bags."""

from __future__ import annotations

from tqdm import tqdm


class BagTimeBar:
    """``advance_to(t)`` moves the bar to ``t`` seconds into the bag; a no-op when disabled."""

    def __init__(self, total_s: float, description: str, enabled: bool) -> None:
        self._bar = tqdm(
            total=round(total_s, 1),
            desc=description,
            disable=not enabled,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s of bag "
            "[{elapsed}<{remaining}]",
        )

    def advance_to(self, t_s: float) -> None:
        step = round(t_s, 1) - self._bar.n
        if step > 0:
            self._bar.update(step)

    def close(self) -> None:
        self._bar.close()
