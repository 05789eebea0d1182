"""Datasets the explorer can show: built-in sets, your own files, and arrays, as one Dataset.

Built-in sets: ``iris`` and ``digits`` ship with scikit-learn; ``wine_quality``,
``air_quality``, ``mnist`` and ``fashion_mnist`` are read from files found in the data folders
(see :func:`resolve_data_dirs`) and can be downloaded into the user cache folder. Uploaded
CSV files become ``user:<slug>`` datasets kept in a :class:`UserDatasetStore`.

One module per concept:

- ``dataset``: :class:`Dataset` and :class:`DatasetInfo`, what every path produces.
- ``errors``: :class:`DatasetError` (a file is wrong) and :class:`DatasetUnavailable` (absent).
- ``folders``: where files are looked for and downloads go.
- ``download``: mirrors, checksums, atomic writes, zip members.
- ``tabular``, ``images``: the built-in loaders; ``registry``: their facts and files;
  ``builtin``: loading one by name, with the in-process cache.
- ``arrays``: arrays (or a pandas DataFrame, or a ``.npy`` file) to a Dataset, the one path
  that built-in loaders and uploads take too.
- ``csv_table``: reading and inspecting an uploaded CSV; ``user_csv``: turning it into a
  Dataset; ``user_store``: keeping it on disk.

Every loader keeps the row order of its source, so a point's id is its row index and stays
the same from one load to the next.
"""

from __future__ import annotations

from .arrays import SCALINGS, from_arrays, from_npy
from .builtin import clear_cache, dataset_names, list_datasets, load_dataset
from .csv_table import (
    DELIMITERS,
    MAX_CLASSES,
    MIN_ROWS,
    ColumnStats,
    CsvError,
    CsvPreview,
    inspect_csv,
)
from .dataset import AVAILABILITY, Dataset, DatasetInfo
from .errors import DataInputError, DatasetError, DatasetUnavailable
from .folders import ENV_VAR, default_cache_dir, resolve_data_dirs
from .user_csv import build_dataset
from .user_store import USER_PREFIX, UserDatasetStore, is_user_dataset, user_dataset_name

__all__ = [
    "AVAILABILITY",
    "DELIMITERS",
    "ENV_VAR",
    "MAX_CLASSES",
    "MIN_ROWS",
    "SCALINGS",
    "USER_PREFIX",
    "ColumnStats",
    "CsvError",
    "CsvPreview",
    "DataInputError",
    "Dataset",
    "DatasetError",
    "DatasetInfo",
    "DatasetUnavailable",
    "UserDatasetStore",
    "build_dataset",
    "clear_cache",
    "dataset_names",
    "default_cache_dir",
    "from_arrays",
    "from_npy",
    "inspect_csv",
    "is_user_dataset",
    "list_datasets",
    "load_dataset",
    "resolve_data_dirs",
    "user_dataset_name",
]
