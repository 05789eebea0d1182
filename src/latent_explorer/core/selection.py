"""Selections: which points the analyst marked, and how.

A selection is a sorted set of unique row ids plus a record of how it was made, so that an
iteration can be explained and repeated (a random selection keeps its seed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SELECTION_METHODS = ("class", "random", "brush", "lasso", "ids", "manual")


@dataclass(frozen=True)
class Selection:
    """Unique, sorted point ids and how they were chosen."""

    ids: np.ndarray
    method: str = "ids"
    params: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.ids.size)

    def to_dict(self) -> dict[str, Any]:
        return {"ids": self.ids.tolist(), "method": self.method, "params": self.params}

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, n_samples: int) -> Selection:
        return cls(
            validate_ids(data["ids"], n_samples=n_samples),
            method=str(data.get("method", "ids")),
            params=dict(data.get("params", {})),
        )


def as_selection(selection: Selection | Iterable[Any], *, n_samples: int) -> Selection:
    """``selection`` itself, or plain point ids checked by :func:`validate_ids` (method "ids"):
    what every retrain accepts, a notebook's list of ids included."""
    if isinstance(selection, Selection):
        return selection
    return Selection(validate_ids(selection, n_samples=n_samples))


def validate_ids(ids: Iterable[Any], *, n_samples: int, name: str = "selected_ids") -> np.ndarray:
    """Check user-supplied point ids and return them as a sorted int64 array.

    Ids must be integers (not bools, not floats), within ``[0, n_samples)``, unique and
    non-empty. The error names the first offending value and the fix.
    """
    if isinstance(ids, str | bytes | dict):
        raise ValueError(f"{name} must be a list of integer point ids, got {type(ids).__name__}")
    values = list(ids)
    if not values:
        raise ValueError(f"{name} is empty; select at least one point")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise ValueError(f"{name} must hold integers; {v!r} is a {type(v).__name__}")
    # Checked on the Python ints: a huge id would overflow int64 before numpy could compare.
    bad = [int(v) for v in values if not 0 <= int(v) < n_samples]
    if bad:
        raise ValueError(
            f"{name} holds {len(bad)} id(s) out of range, e.g. {bad[0]}; "
            f"ids must be in [0, {n_samples - 1}]"
        )
    arr = np.asarray(values, dtype=np.int64)
    uniq, counts = np.unique(arr, return_counts=True)
    if uniq.size != arr.size:
        raise ValueError(
            f"{name} holds duplicate ids, e.g. {int(uniq[counts > 1][0])}; send each id once"
        )
    return uniq


def select_classes(
    labels: np.ndarray, classes: Sequence[int], *, class_names: Sequence[str] | None = None
) -> Selection:
    """All points whose label is in ``classes`` (label indices)."""
    wanted = sorted({int(c) for c in classes})
    n_classes = len(class_names) if class_names is not None else int(labels.max()) + 1
    bad = [c for c in wanted if not 0 <= c < n_classes]
    if not wanted or bad:
        raise ValueError(
            f"classes ({wanted}) must be non-empty label indices in [0, {n_classes - 1}]"
        )
    ids = np.flatnonzero(np.isin(labels, wanted)).astype(np.int64)
    params: dict[str, Any] = {"classes": wanted}
    if class_names is not None:
        params["class_names"] = [class_names[c] for c in wanted]
    return Selection(ids, method="class", params=params)


def select_random(
    n_samples: int,
    *,
    count: int | None = None,
    fraction: float | None = None,
    seed: int = 0,
) -> Selection:
    """``count`` points, or a ``fraction`` of all points, drawn without replacement.

    The same seed gives the same points, so a random selection can be repeated.
    """
    if (count is None) == (fraction is None):
        raise ValueError("give exactly one of count (e.g. 100) or fraction (e.g. 0.1)")
    if fraction is not None:
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction ({fraction}) must be in (0, 1], e.g. 0.1 for 10%")
        count = max(1, round(fraction * n_samples))
    assert count is not None
    if not 1 <= count <= n_samples:
        raise ValueError(
            f"count ({count}) must be between 1 and the number of points ({n_samples})"
        )
    rng = np.random.default_rng(seed)
    ids = np.sort(rng.choice(n_samples, size=count, replace=False)).astype(np.int64)
    params: dict[str, Any] = {"count": int(count), "seed": int(seed)}
    if fraction is not None:
        params["fraction"] = float(fraction)
    return Selection(ids, method="random", params=params)
