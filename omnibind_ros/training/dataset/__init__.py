"""The modality-free dataset (paper Sec. 3.4): manifest, loaders, matching, builder, torch views.

A dataset is a directory with ``manifest.jsonl`` (samples: label, group, split, one file per
modality) and, once built, ``combinations.jsonl`` (which samples make up each multi-modal
training example). See docs/training.md for the format. File loading
(``loaders.load_sample``) and the torch views (``torch_datasets.ModalityDataset``,
``CombinationDataset``) are imported from their modules, so that importing this package (as
``omnibind dataset`` does) stays fast and torch-free.
"""

from omnibind_ros.training.dataset.aliases import LabelAliases
from omnibind_ros.training.dataset.builder import BuiltDataset, build_dataset, merge_sources
from omnibind_ros.training.dataset.combinations import (
    COMBINATIONS_NAME,
    Combination,
    read_combinations,
    write_combinations,
)
from omnibind_ros.training.dataset.errors import DatasetError
from omnibind_ros.training.dataset.manifest import (
    MANIFEST_NAME,
    SPLITS,
    SampleRecord,
    read_manifest,
    verify_files,
    write_manifest,
)
from omnibind_ros.training.dataset.matching import match_combinations
from omnibind_ros.training.dataset.stats import DatasetStats, dataset_stats, format_stats

__all__ = [
    "COMBINATIONS_NAME",
    "MANIFEST_NAME",
    "SPLITS",
    "BuiltDataset",
    "Combination",
    "DatasetError",
    "DatasetStats",
    "LabelAliases",
    "SampleRecord",
    "build_dataset",
    "dataset_stats",
    "format_stats",
    "match_combinations",
    "merge_sources",
    "read_combinations",
    "read_manifest",
    "verify_files",
    "write_combinations",
    "write_manifest",
]
