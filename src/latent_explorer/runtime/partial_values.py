"""The distortion map while it fills in: the exact per-point values of the rows done so far.

The core's exact pass reports after every block the rows it finished and their exact local
trustworthiness and continuity (:class:`~latent_explorer.core.metrics.TCEstimates`).
:class:`MeasuredRows` keeps them in two arrays over all points, NaN for rows not done yet,
and writes them to the store (:mod:`latent_explorer.store.partial_values`) when
:class:`~.estimates.EstimateEvents` is about to announce an estimates event: stored before
announced, as live frames and iterations are, so a reader of the event finds values at least
as recent. The final values are stored the usual way with the metrics, which removes these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..store.partial_values import PartialValues

if TYPE_CHECKING:
    from ..core.metrics import TCEstimates

Write = Callable[[PartialValues], None]


class MeasuredRows:
    """Local T and C of the rows one pass has finished, NaN elsewhere (``n_points`` rows)."""

    def __init__(self, n_points: int, write: Write) -> None:
        self.trustworthiness = np.full(n_points, np.nan, dtype=np.float32)
        self.continuity = np.full(n_points, np.nan, dtype=np.float32)
        self._write = write

    def add(self, estimates: TCEstimates) -> None:
        """Take the rows a block finished (every block, whether announced or not)."""
        rows = np.asarray(estimates.rows, dtype=np.int64)
        self.trustworthiness[rows] = estimates.local_trustworthiness
        self.continuity[rows] = estimates.local_continuity

    def write(self, rows_done: int, rows_total: int) -> None:
        """Store what is known now (called just before an estimates event goes out)."""
        self._write(PartialValues(self.trustworthiness, self.continuity, rows_done, rows_total))
