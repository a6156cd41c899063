"""Label-level matching's alias map: unify label names across source datasets.

YAML, ``{canonical: [alias, ...]}``::

    dog: [puppy, Dog, domestic_dog]
    car: [automobile, sedan]

Lookups ignore case, surrounding/extra whitespace, and '_'/'-' versus space, so ``Domestic-Dog``
matches ``domestic_dog``. A label that no entry names is kept as written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from omnibind_ros.training.dataset.errors import DatasetError


def _key(label: str) -> str:
    return " ".join(label.replace("_", " ").replace("-", " ").casefold().split())


class LabelAliases:
    """Maps any alias (or the canonical name itself) to its canonical label."""

    def __init__(self, mapping: Mapping[str, Sequence[str]], origin: str = "alias map") -> None:
        self._canonical: dict[str, str] = {}
        for canonical, aliases in mapping.items():
            for name in (canonical, *aliases):
                taken = self._canonical.setdefault(_key(name), canonical)
                if taken != canonical:
                    raise DatasetError(
                        f"{origin}: {name!r} is claimed by both {taken!r} and {canonical!r}"
                    )

    @classmethod
    def from_yaml(cls, path: Path) -> LabelAliases:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise DatasetError(f"{path}: cannot read alias map ({error.strerror})") from None
        except yaml.YAMLError as error:
            raise DatasetError(f"{path}: not valid YAML ({error})") from None
        if not isinstance(loaded, dict):
            raise DatasetError(f"{path}: expected a mapping {{canonical: [alias, ...]}}")
        mapping: dict[str, list[str]] = {}
        for canonical, aliases in loaded.items():
            names = [] if aliases is None else [aliases] if isinstance(aliases, str) else aliases
            if not isinstance(canonical, str) or not isinstance(names, list):
                raise DatasetError(f"{path}: entry {canonical!r} must map a label to a list")
            if not all(isinstance(name, str) and name.strip() for name in names):
                raise DatasetError(f"{path}: entry {canonical!r} has an alias that is not text")
            mapping[canonical] = names
        return cls(mapping, origin=str(path))

    def canonical(self, label: str) -> str:
        return self._canonical.get(_key(label), label.strip())
