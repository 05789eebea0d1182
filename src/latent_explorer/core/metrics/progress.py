"""Progressive estimates of trustworthiness and continuity while the exact pass runs.

The pass visits the points in a seeded random order, a block of rows at a time, and each
finished row has its exact per-point values ``t_i`` and ``c_i``. After ``m`` of ``n`` rows
those rows are a simple random sample drawn without replacement, so their mean is an
unbiased estimate of ``T = mean(t_i)`` and its standard error has the finite-population
correction::

    se = sqrt(s^2 / m * (1 - m / n))        (s^2: sample variance of the finished t_i)

The reported interval is ``mean +/- 1.96 se`` (95 %, normal approximation); it is 0 when all
rows are done, where the estimate is the exact value.

How a caller uses it: pass ``on_progress`` to
:func:`~latent_explorer.core.metrics.trustworthiness_continuity` (or ``_many``); it is called
after every block as ``on_progress(rows_done, rows_total, estimates)`` with a
:class:`TCEstimates` (a list of them, one per projection, for ``_many``). A measure job
forwards each call as a progress event, e.g. "T 0.912 +/- 0.003 (38% measured)", and paints
``estimates.rows`` with ``estimates.local_trustworthiness`` on the distortion map.
The callback runs on the measuring thread; it should return quickly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Estimate", "ProgressCallback", "TCEstimates", "estimate_mean"]

#: Two-sided 95 % quantile of the standard normal distribution.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """An estimate of a mean over all points and the half-width of its 95 % interval."""

    value: float
    half_width: float  # inf while fewer than 2 rows are done; 0 when all are

    def as_dict(self) -> dict[str, float | None]:
        return {
            "value": self.value,
            "half_width": self.half_width if math.isfinite(self.half_width) else None,
        }


def estimate_mean(values: NDArray[np.float64], n_total: int) -> Estimate:
    """Mean of a simple random sample `values` of a population of `n_total`, with its 95 % CI."""
    m = values.size
    if m == 0:
        return Estimate(math.nan, math.inf)
    mean = float(values.mean())
    if m >= n_total:
        return Estimate(mean, 0.0)
    if m < 2:
        return Estimate(mean, math.inf)
    var = float(values.var(ddof=1))
    return Estimate(mean, Z95 * math.sqrt(var / m * (1.0 - m / n_total)))


@dataclass(frozen=True, eq=False)
class TCEstimates:
    """Where one projection's measurement stands after a block of rows.

    Attributes
    ----------
    trustworthiness, continuity : Estimate
        Unbiased estimates from the rows done so far, with 95 % intervals.
    rows_done, rows_total : int
    elapsed_seconds : float
        Since the pass over the rows began.
    eta_seconds : float or None
        Rows left times the mean time per row so far; 0 at the end.
    rows : ndarray of int64
        The points finished by this block.
    local_trustworthiness, local_continuity : ndarray of float64
        Their exact per-point values (same order as `rows`).
    """

    trustworthiness: Estimate
    continuity: Estimate
    rows_done: int
    rows_total: int
    elapsed_seconds: float
    eta_seconds: float | None
    rows: NDArray[np.int64]
    local_trustworthiness: NDArray[np.float64]
    local_continuity: NDArray[np.float64]

    @property
    def fraction(self) -> float:
        return self.rows_done / self.rows_total if self.rows_total else 1.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready numbers (no per-point arrays), for a progress event."""
        return {
            "trustworthiness": self.trustworthiness.as_dict(),
            "continuity": self.continuity.as_dict(),
            "rows_done": self.rows_done,
            "rows_total": self.rows_total,
            "fraction": self.fraction,
            "elapsed_seconds": self.elapsed_seconds,
            "eta_seconds": self.eta_seconds,
        }


#: ``on_progress(rows_done, rows_total, estimates)``; `estimates` is a :class:`TCEstimates`,
#: or a list of them (one per projection) from ``trustworthiness_continuity_many``.
ProgressCallback = Callable[[int, int, Any], None]


def point_scale(n: int, k: int) -> float:
    """The per-point normaliser ``2 / (k (2n - 3k - 1))``: the mean of ``1 - pen_i * scale``
    over the n points is scikit-learn's T (or C)."""
    return 2.0 / (k * (2.0 * n - 3.0 * k - 1.0))


def local_values(pen: NDArray[np.int64], scale: float) -> NDArray[np.float64]:
    """Per-point values ``1 - pen_i * scale``."""
    return np.subtract(1.0, pen * scale, dtype=np.float64)


def tc_estimates(
    pen_t: NDArray[np.int64],
    pen_c: NDArray[np.int64],
    done: NDArray[np.intp],
    rows: NDArray[np.intp],
    n: int,
    k: int,
    elapsed: float,
    share: float | None = None,
) -> TCEstimates:
    """The estimates after the rows `done` (penalties `pen_t`, `pen_c` of every point,
    complete on those rows), with the exact values of this step's `rows`; `share` is the
    part of the work done (the rows' part when None), for the ETA."""
    m = done.size
    share = m / n if share is None else share
    scale = point_scale(n, k)
    if m >= n:
        # All rows done: the mean of the per-point values in point order, as the quality
        # tables compute their "all" row, so the last estimate equals the value shown
        # after it bit for bit (the mean in visiting order can differ in the last place).
        t = Estimate(float(local_values(pen_t, scale).mean()), 0.0)
        c = Estimate(float(local_values(pen_c, scale).mean()), 0.0)
    else:
        t = estimate_mean(local_values(pen_t[done], scale), n)
        c = estimate_mean(local_values(pen_c[done], scale), n)
    return TCEstimates(
        trustworthiness=t,
        continuity=c,
        rows_done=m,
        rows_total=n,
        elapsed_seconds=elapsed,
        eta_seconds=elapsed / share * (1.0 - share) if m else None,
        rows=rows.astype(np.int64),
        local_trustworthiness=local_values(pen_t[rows], scale),
        local_continuity=local_values(pen_c[rows], scale),
    )
