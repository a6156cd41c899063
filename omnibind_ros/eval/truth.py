"""The true label in force at each moment of a recording: from a label topic or a file.

A std_msgs/String label topic holds each label from its message until the next one (the
simulator publishes one per scene change). An annotation file lists time ranges instead:

    CSV:   start,end,label           YAML:  - {start: 0.0, end: 4.0, label: dog}
           0.0,4.0,dog                      - {start: 4.0, end: 8.0, label: car}

Times are seconds from the start of the bag, or absolute stamps (seconds since the epoch,
any value above 1e9). A range holds [start, end); moments outside every range are not scored.
"""

from __future__ import annotations

import bisect
import csv
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from omnibind_ros.eval.errors import EvalError

_ABSOLUTE_S = 1e9  # 2001-09-09: no recording is this long, every epoch stamp is this large


@dataclass(frozen=True)
class Span:
    start_ns: int
    end_ns: int  # exclusive; a very large number for "until the end"
    label: str


class Truth:
    """Sorted, non-overlapping spans of labels; ``source`` says where they came from."""

    def __init__(self, spans: Iterable[Span], source: str) -> None:
        self.spans = sorted(spans, key=lambda s: s.start_ns)
        self.source = source
        self._starts = [s.start_ns for s in self.spans]
        for before, after in itertools.pairwise(self.spans):
            if after.start_ns < before.end_ns:
                raise EvalError(f"{source}: ranges overlap ({before.label!r} and {after.label!r})")

    def label_at(self, t_ns: int) -> str | None:
        k = bisect.bisect_right(self._starts, t_ns) - 1
        if k < 0 or t_ns >= self.spans[k].end_ns:
            return None
        return self.spans[k].label

    def last_change_before(self, t_ns: int) -> int | None:
        """Start of the span in force at ``t_ns`` (None outside every span)."""
        k = bisect.bisect_right(self._starts, t_ns) - 1
        return self.spans[k].start_ns if k >= 0 and t_ns < self.spans[k].end_ns else None


def truth_from_changes(changes: Iterable[tuple[int, str]], source: str) -> Truth:
    """Labels that hold from each (time, label) until the next change."""
    ordered = sorted(changes)
    ends = [t for t, _ in ordered[1:]] + [2**62]
    spans = [Span(t, end, label) for (t, label), end in zip(ordered, ends, strict=True) if label]
    return Truth(spans, source)


def read_annotations(path: Path, bag_start_ns: int) -> Truth:
    """Spans from a CSV or YAML annotation file; EvalError naming the file and the problem."""
    try:
        text = Path(path).read_text()
    except OSError as err:
        raise EvalError(f"{path}: cannot read the annotation file: {err.strerror}") from None
    try:
        rows = _yaml_rows(text) if Path(path).suffix in (".yaml", ".yml") else _csv_rows(text)
        spans = [_span(row, bag_start_ns) for row in rows]
    except (yaml.YAMLError, csv.Error, KeyError, TypeError, ValueError) as err:
        raise EvalError(
            f"{path}: annotations must be start, end, label rows (seconds): {err}"
        ) from None
    if not spans:
        raise EvalError(f"{path}: no annotated time ranges")
    return Truth(spans, str(path))


def _csv_rows(text: str) -> list[dict]:
    rows = list(csv.DictReader(line for line in text.splitlines() if line.strip()))
    if rows and not {"start", "end", "label"} <= set(rows[0]):
        raise ValueError("the header must name start, end and label")
    return rows


def _yaml_rows(text: str) -> list[dict]:
    rows = yaml.safe_load(text) or []
    if not isinstance(rows, list):
        raise ValueError("expected a list of {start, end, label}")
    return rows


def _span(row: dict, bag_start_ns: int) -> Span:
    start, end, label = float(row["start"]), float(row["end"]), str(row["label"]).strip()
    if not (math.isfinite(start) and math.isfinite(end) and start < end and label):
        raise ValueError(f"bad range {row}")
    offset = 0 if start >= _ABSOLUTE_S else bag_start_ns
    return Span(offset + round(start * 1e9), offset + round(end * 1e9), label)
