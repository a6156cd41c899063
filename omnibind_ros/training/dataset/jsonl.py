"""JSON Lines files: one object per line, read with line numbers for error messages."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from omnibind_ros.training.dataset.errors import DatasetError


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for every non-blank line; raise DatasetError on bad JSON."""
    if not path.is_file():
        raise DatasetError(f"{path}: file not found")
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                raise DatasetError(f"{path}:{number}: not valid JSON ({error.msg})") from None
            if not isinstance(value, dict):
                raise DatasetError(f"{path}:{number}: expected a JSON object")
            yield number, value


def write_jsonl(path: Path, objects: Iterable[dict]) -> None:
    """Write atomically, so a reader never sees half a file (e.g. a trainer started meanwhile)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as out:
        for value in objects:
            out.write(json.dumps(value, ensure_ascii=False, sort_keys=False) + "\n")
    os.replace(partial, path)


def check_keys(
    value: dict, required: tuple[str, ...], optional: tuple[str, ...], where: str
) -> None:
    """Every required field present, nothing unknown (a misspelt field would otherwise vanish)."""
    for key in required:
        if key not in value:
            raise DatasetError(f"{where}: missing field '{key}'")
    unknown = sorted(set(value) - set(required) - set(optional))
    if unknown:
        raise DatasetError(
            f"{where}: unknown field '{unknown[0]}'; "
            f"expected fields: {', '.join((*required, *optional))}"
        )


def text_field(value: dict, key: str, where: str) -> str:
    text = value[key]
    if not isinstance(text, str) or not text.strip():
        raise DatasetError(f"{where}: field '{key}' must be a non-empty string, got {text!r}")
    return text
