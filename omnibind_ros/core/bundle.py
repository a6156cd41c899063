"""Model bundles: one ``.omnibind`` file that rebuilds an OmniBindModel exactly.

The file is a ``torch.save`` of a plain dict (read back with ``weights_only=True``, so loading
never runs code from the file)::

    format            "omnibind-bundle"
    format_version    1
    config            ModelConfig.to_dict(): embed dim, encoder archs, preprocessing
                      parameters, fusion, text provider, prompt templates (the main one and
                      per modality; a bundle without the latter uses the main one for all),
                      temperature
    labels            the label vocabulary
    text_teacher      identity of the text teacher (its weights come from an installed
                      package unless the teacher says a bundle must carry them)
    state_dicts       {"encoders": {modality: ...}, "fusion": ..., "text": ... or None}
    meta              free-form: versions, creation time, training notes

Loading checks each of these and raises BundleError saying what is wrong and what to do.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from omnibind_ros import __version__
from omnibind_ros.core.config import ModelConfig
from omnibind_ros.core.errors import BundleError, ConfigError
from omnibind_ros.core.labels import validate_labels
from omnibind_ros.core.model import OmniBindModel

BUNDLE_FORMAT = "omnibind-bundle"
FORMAT_VERSION = 1
BUNDLE_SUFFIX = ".omnibind"
_REQUIRED_KEYS = ("config", "labels", "text_teacher", "state_dicts", "meta")


@dataclass(frozen=True)
class BundleContents:
    """A bundle file read and checked for structure, without building the model."""

    path: Path
    format_version: int
    config: ModelConfig
    labels: list[str]
    text_teacher: dict[str, Any]
    state_dicts: dict[str, Any]
    meta: dict[str, Any]
    file_size: int

    def parameter_counts(self) -> dict[str, int]:
        """Stored parameter/buffer element counts per part: each encoder, fusion, text."""
        parts = {f"encoder:{m}": sd for m, sd in self.state_dicts["encoders"].items()}
        parts["fusion"] = self.state_dicts["fusion"]
        if self.state_dicts.get("text") is not None:
            parts["text"] = self.state_dicts["text"]
        return {name: sum(t.numel() for t in sd.values()) for name, sd in parts.items()}


def save_bundle(model: OmniBindModel, path: str | Path, meta: dict[str, Any] | None = None) -> Path:
    """Write ``model`` to one file, atomically (a reader never sees a half-written bundle)."""
    path = Path(path)
    # The label bank's template may have been changed at run time: save what is in use.
    bank = model.label_bank
    config = replace(
        model.config,
        text=replace(model.config.text, template=bank.template, templates=bank.templates),
    )
    stored_text = model.text_encoder.stored_module
    payload = {
        "format": BUNDLE_FORMAT,
        "format_version": FORMAT_VERSION,
        "config": _plain(config.to_dict(), "config"),
        "labels": model.labels,
        "text_teacher": _plain(model.text_encoder.identity(), "text teacher identity"),
        "state_dicts": {
            "encoders": {m: _cpu_state(e) for m, e in model.encoders.items()},
            "fusion": _cpu_state(model.fusion),
            "text": _cpu_state(stored_text) if stored_text is not None else None,
        },
        "meta": _plain(
            {
                "omnibind_ros_version": __version__,
                "torch_version": str(torch.__version__),
                "created_unix": time.time(),
                **(meta or {}),
            },
            "meta",
        ),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_bundle(path: str | Path) -> BundleContents:
    """Read and check a bundle's structure, format version, config and labels."""
    path = Path(path)
    if not path.is_file():
        raise BundleError(
            f"no model bundle at {path}: pass the path of an existing {BUNDLE_SUFFIX} file "
            "(the training pipeline writes one)"
        )
    if not zipfile.is_zipfile(path):
        # torch.save writes a zip archive; torch's own error for other bytes advises loading
        # with weights_only=False, which would run code from a file of unknown origin.
        raise BundleError(
            f"{path} is not a readable model bundle (corrupt or truncated file? it is not a "
            "PyTorch archive); re-copy or re-export it"
        )
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch reports corruption as many exception types
        raise BundleError(
            f"{path} is not a readable model bundle (corrupt or truncated file?): "
            f"{_load_problem(error)}; re-copy or re-export it"
        ) from error
    if not isinstance(payload, dict) or payload.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"{path} is a PyTorch file but not an omnibind model bundle")
    version = payload.get("format_version")
    if version != FORMAT_VERSION:
        raise BundleError(
            f"{path} has bundle format version {version!r}; omnibind_ros {__version__} reads "
            f"version {FORMAT_VERSION}: re-export it with this version"
        )
    missing = [key for key in _REQUIRED_KEYS if key not in payload]
    if missing:
        raise BundleError(f"{path} is incomplete, missing {', '.join(missing)}: re-export it")
    try:
        config = ModelConfig.from_dict(_without_new_defaults(payload["config"]))
        labels = validate_labels(payload["labels"])
    except ConfigError as error:
        raise BundleError(f"{path} holds an invalid model config: {error}") from error
    state_dicts = payload["state_dicts"]
    _check_state_dict_layout(path, config, state_dicts)
    return BundleContents(
        path=path,
        format_version=version,
        config=config,
        labels=labels,
        text_teacher=payload["text_teacher"],
        state_dicts=state_dicts,
        meta=payload["meta"],
        file_size=path.stat().st_size,
    )


def load_bundle(path: str | Path) -> OmniBindModel:
    """Rebuild the model a bundle describes and load its weights; BundleError on any mismatch."""
    contents = read_bundle(path)
    try:
        model = OmniBindModel(contents.config, contents.labels, load_pretrained=False)
    except ConfigError as error:
        raise BundleError(f"{contents.path}: cannot build its model here: {error}") from error
    _check_text_teacher(contents, model)
    stored = contents.state_dicts
    parts: list[tuple[str, nn.Module, dict]] = [
        (f"encoder {m!r}", model.encoders[m], stored["encoders"][m]) for m in model.modalities
    ]
    parts.append(("fusion", model.fusion, stored["fusion"]))
    if model.text_encoder.stored_module is not None:
        if stored.get("text") is None:
            raise BundleError(
                f"{contents.path} has no weights for its {contents.config.text.provider} text "
                "teacher: re-export it"
            )
        parts.append(("text teacher", model.text_encoder.stored_module, stored["text"]))
    for what, module, state in parts:
        try:
            module.load_state_dict(state, strict=True)
        except RuntimeError as error:
            raise BundleError(
                f"{contents.path}: the stored weights of the {what} do not fit its configured "
                f"architecture (the file is mismatched or was edited): {error}"
            ) from error
    if model.text_encoder.stored_module is not None:
        model.reembed_labels()  # the labels were embedded by the teacher's random init
    return model.eval()


def _without_new_defaults(config: object) -> object:
    """A stored config as it was meant: a bundle saved before per-modality prompt templates
    classified every modality with its one template, so it gets none (not today's defaults)."""
    text = config.get("text") if isinstance(config, dict) else None
    if isinstance(text, dict) and "templates" not in text:
        return {**config, "text": {**text, "templates": {}}}
    return config


def _check_state_dict_layout(path: Path, config: ModelConfig, state_dicts: object) -> None:
    if not isinstance(state_dicts, dict) or not isinstance(state_dicts.get("encoders"), dict):
        raise BundleError(f"{path} has no encoder weights: re-export it")
    stored = set(state_dicts["encoders"])
    configured = set(config.modalities)
    if stored != configured:
        raise BundleError(
            f"{path}: encoder weights for {sorted(stored)} do not match the configured "
            f"modalities {sorted(configured)}: re-export it"
        )
    if not isinstance(state_dicts.get("fusion"), dict):
        raise BundleError(f"{path} has no fusion weights: re-export it")


def _check_text_teacher(contents: BundleContents, model: OmniBindModel) -> None:
    recorded = _canonical(contents.text_teacher)
    installed = _canonical(model.text_encoder.identity())
    if recorded != installed:
        raise BundleError(
            f"{contents.path} was built with the text teacher {recorded}, but this install "
            f"provides {installed}: label embeddings would not match its encoders. Install the "
            "text model the bundle names, or retrain the bundle with this one"
        )


def _load_problem(error: Exception) -> str:
    """torch's first line, unless it is the advice to load unsafely (weights_only=False)."""
    text = str(error).strip()
    if not text:
        return repr(error)
    if "weights_only" in text:
        return "it holds objects other than tensors and plain data, which a bundle never does"
    return text.splitlines()[0]


def _canonical(identity: dict[str, Any]) -> str:
    # JSON form: tuples and lists compare equal, key order does not matter.
    return json.dumps(identity, sort_keys=True)


def _plain(value: Any, what: str) -> Any:
    """A JSON round trip: only plain types reach the file, so ``weights_only`` loading reads it."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as error:
        raise ConfigError(f"bundle {what} must be JSON-serialisable: {error}") from error


def _cpu_state(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}
