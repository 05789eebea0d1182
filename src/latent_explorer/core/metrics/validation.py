"""Argument checks shared by the metrics.

Every message names the parameter, the rule, the value and a fix, so a caller (or the web
layer) can show it as is.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray


def _as_matrix(name: str, value: ArrayLike, *, keep_float32: bool = False) -> NDArray[Any]:
    """Return `value` as a finite 2-D float64 array, or raise a ValueError naming `name`.

    With `keep_float32`, float32 input stays float32 (the big inputs, 70,000 x 784 images,
    would otherwise be copied whole into 440 MB of float64); converting it to float64 later
    gives the same numbers.
    """
    try:
        if keep_float32 and getattr(value, "dtype", None) == np.float32:
            arr = np.asarray(value)
        else:
            arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be a numeric array of shape (n_samples, n_features); "
            f"it could not be converted to float ({exc}); pass a numeric NumPy array"
        ) from exc
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D with shape (n_samples, n_features); got shape {arr.shape}; "
            f"pass {name}.reshape(len({name}), -1) for a single feature"
        )
    if arr.shape[1] < 1:
        raise ValueError(
            f"{name} must have at least 1 column; got shape {arr.shape}; pass the feature columns"
        )
    bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
    if bad:
        raise ValueError(
            f"{name} must contain only finite values; found {bad} NaN or infinite entries; "
            f"remove or impute them first"
        )
    return arr


def _check_same_rows(name: str, arr: NDArray[Any], n: int, ref: str = "X") -> None:
    if arr.shape[0] != n:
        raise ValueError(
            f"{name} must have one row per sample of {ref} ({n}); got {arr.shape[0]} rows; "
            f"pass arrays that describe the same samples in the same order"
        )


def _check_int(name: str, value: object, *, minimum: int) -> int:
    # bool is an int subclass, but n_neighbors=True is surely a mistake.
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(
            f"{name} must be an integer; got {value!r} of type {type(value).__name__}; "
            f"pass an int such as {minimum}"
        )
    if value < minimum:
        raise ValueError(f"{name} ({value}) must be at least {minimum}; pass {name}>={minimum}")
    return int(value)


def _check_tc_neighbors(n_neighbors: object, n: int, name: str = "n_neighbors") -> int:
    k = _check_int(name, n_neighbors, minimum=1)
    # scikit-learn's rule: beyond n/2 the normalisation no longer keeps T inside [0, 1].
    if k >= n / 2:
        raise ValueError(
            f"{name} ({k}) must be less than n_samples / 2 ({n / 2:g}); pass a smaller {name}"
        )
    return k


def _check_nh_neighbors(n_neighbors: object, n: int, name: str = "n_neighbors") -> int:
    k = _check_int(name, n_neighbors, minimum=1)
    if k >= n:
        raise ValueError(
            f"{name} ({k}) must be less than n_samples ({n}): each point needs {k} other "
            f"points; pass a smaller {name}"
        )
    return k


def _check_indices(name: str, value: ArrayLike, n: int) -> NDArray[np.int64]:
    """Return `value` as a 1-D int64 array of unique indices in ``[0, n)``."""
    arr = np.asarray(value)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of point indices; got shape {arr.shape}; "
            f"pass a flat list or array of ints"
        )
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"{name} must hold integer point indices; got dtype {arr.dtype}; "
            f"pass ints (for a boolean mask use np.flatnonzero(mask))"
        )
    lo, hi = int(arr.min()), int(arr.max())
    if lo < 0 or hi >= n:
        bad = lo if lo < 0 else hi
        raise ValueError(
            f"{name} indices must lie in [0, {n - 1}] (n_samples={n}); got {bad}; "
            f"pass only ids of this dataset's points"
        )
    out = arr.astype(np.int64)
    if np.unique(out).size != out.size:
        raise ValueError(
            f"{name} must not contain duplicate indices; got {out.size - np.unique(out).size} "
            f"duplicates; pass np.unique({name})"
        )
    return out


def _check_labels(labels: ArrayLike, n: int) -> NDArray[Any]:
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise ValueError(
            f"labels must be 1-D with one label per sample; got shape {arr.shape}; "
            f"pass labels.ravel()"
        )
    if arr.shape[0] != n:
        raise ValueError(
            f"labels must have one entry per sample ({n}); got {arr.shape[0]}; "
            f"pass the labels of exactly these samples"
        )
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError(
            "labels must not contain NaN or inf (NaN never equals itself, so it would "
            "silently count as a miss); replace missing labels with a sentinel such as -1"
        )
    return arr


def _resolve_device(device: str | torch.device | None) -> torch.device:
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device must be None, 'cpu' or 'cuda'; got {device!r}; pass one of those"
        ) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device ({device!r}) is not available: torch.cuda.is_available() is False; "
            f"pass device='cpu' or device=None"
        )
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be None, 'cpu' or 'cuda'; got {device!r}; pass one of those")
    return dev
