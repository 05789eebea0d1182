"""Partial per-point values: local trustworthiness and continuity of an iteration being measured.

The exact pass visits the points in blocks of rows; each finished row's values are exact at
once. A measure job stores what it has so far, NaN for rows not done yet, as one artifact per
iteration, ``experiments/<id>/measuring/iter_<k>.npz`` (no pickles), overwritten as rows
finish (throttled like the estimates events) and removed once the iteration's exact values
are stored (:meth:`Store.save_metrics`) or the iteration is stored again. So the page can
colour the distortion map while it fills in, the way live frames show a training.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from .artifacts import Artifacts
from .layout import check_id, npz_bytes

#: The per-point keys the exact pass fills in row by row.
PARTIAL_KEYS = ("trustworthiness", "continuity")


@dataclass(frozen=True)
class PartialValues:
    """Per-point values of an iteration being measured: NaN where the row is not done."""

    trustworthiness: np.ndarray  # float32 (n,)
    continuity: np.ndarray  # float32 (n,)
    rows_done: int
    rows_total: int

    def values(self, key: str) -> np.ndarray:
        """The array of ``key`` (one of :data:`PARTIAL_KEYS`)."""
        if key not in PARTIAL_KEYS:
            raise KeyError(f"{key!r} is not filled in while measuring; use one of {PARTIAL_KEYS}")
        array: np.ndarray = getattr(self, key)
        return array


def partial_key(experiment_id: str, iteration: int) -> str:
    return f"experiments/{check_id(experiment_id)}/measuring/iter_{int(iteration)}.npz"


class PartialValuesMixin:
    """Needs ``artifacts`` from the store."""

    artifacts: Artifacts

    def write_partial_values(self, experiment_id: str, iteration: int, pv: PartialValues) -> None:
        data: dict[str, np.ndarray] = {
            "trustworthiness": np.asarray(pv.trustworthiness, dtype=np.float32),
            "continuity": np.asarray(pv.continuity, dtype=np.float32),
            "rows_done": np.asarray(pv.rows_done, dtype=np.int64),
            "rows_total": np.asarray(pv.rows_total, dtype=np.int64),
        }
        self.artifacts.write_bytes(partial_key(experiment_id, iteration), npz_bytes(data))

    def partial_values(self, experiment_id: str, iteration: int) -> PartialValues | None:
        """The latest partial values of an iteration being measured, or None when there are
        none (its pass has not begun, or its exact values are stored)."""
        try:
            raw = self.artifacts.read_bytes(partial_key(experiment_id, iteration))
        except FileNotFoundError:
            return None
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            return PartialValues(
                npz["trustworthiness"],
                npz["continuity"],
                int(npz["rows_done"]),
                int(npz["rows_total"]),
            )

    def drop_partial_values(self, experiment_id: str, iteration: int) -> None:
        self.artifacts.delete(partial_key(experiment_id, iteration))
