"""Shepard correlation and stress for many projections and point groups of one fixed sample.

An experiment measures every iteration on the same seeded sample of (at most) 5,000 points:
12.5 million pairs. Sorting those distances is the expensive part of a Spearman correlation
(about 1 s per sort on this kind of machine). The data-space distances never change, so they
are computed and sorted once per experiment; each projection's 2-D distances are sorted once
per iteration. A group's ranks (the selected points, the rest) then come from filtering the
already sorted order by the group's pairs, which is linear time, with no further sort.

The values equal :func:`latent_explorer.core.metrics.shepard_stress` on the same points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .metrics import ShepardStress, _condensed_distances


@dataclass(frozen=True)
class RankedDistances:
    """Condensed pairwise distances (pdist order) and the order that sorts them."""

    values: NDArray[np.float64]
    order: NDArray[np.int64]

    @classmethod
    def of(cls, points: NDArray) -> RankedDistances:
        values = _condensed_distances(np.asarray(points, dtype=np.float64))
        return cls(values, np.argsort(values).astype(np.int64))


def _ranks_in_mask(dist: RankedDistances, mask: NDArray[np.bool_] | None) -> NDArray[np.float64]:
    """Average 1-based ranks of the masked pairs among themselves, in condensed order.

    Filtering the global sort order by the mask keeps it sorted, so no new sort is needed.
    """
    order = dist.order if mask is None else dist.order[mask[dist.order]]
    v = dist.values[order]
    m = v.size
    first = np.empty(m, dtype=bool)
    first[:1] = True
    np.not_equal(v[1:], v[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    mean_rank = starts + (np.diff(np.r_[starts, m]) + 1) / 2.0
    sorted_ranks = mean_rank[np.cumsum(first) - 1]
    if mask is None:
        ranks = np.empty(m, dtype=np.float64)
        ranks[order] = sorted_ranks
        return ranks
    full = np.empty(dist.values.size, dtype=np.float64)
    full[order] = sorted_ranks
    return full[mask]


class SampledPairs:
    """The pairs of a fixed point sample, with data-space distances ranked once.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
    sample : array of int
        Sorted, unique indices of the sampled points.
    """

    def __init__(self, X: NDArray, sample: NDArray[np.int64]) -> None:
        self.sample = np.asarray(sample, dtype=np.int64)
        self.data = RankedDistances.of(np.asarray(X)[self.sample])
        m = self.sample.size
        # Row-major upper triangle: the same pair order as pdist.
        self._upper = np.triu(np.ones((m, m), dtype=bool), k=1)

    def project(self, Y: NDArray) -> RankedDistances:
        """Rank the 2-D distances of one projection (once per iteration)."""
        return RankedDistances.of(np.asarray(Y)[self.sample])

    def group_mask(self, members: NDArray[np.bool_]) -> NDArray[np.bool_] | None:
        """Condensed mask of the pairs whose both points are members (a bool per sampled point).

        ``None`` stands for all pairs.
        """
        if members.all():
            return None
        return np.outer(members, members)[self._upper]

    def shepard_stress(
        self, proj: RankedDistances, mask: NDArray[np.bool_] | None = None
    ) -> ShepardStress:
        """Spearman rho of distances and scale-normalised stress over the masked pairs."""
        dx = self.data.values if mask is None else self.data.values[mask]
        dy = proj.values if mask is None else proj.values[mask]
        if dx.size < 3:
            return ShepardStress(math.nan, math.nan)
        if np.ptp(dx) == 0.0 or np.ptp(dy) == 0.0:
            rho = math.nan
        else:
            rx = _ranks_in_mask(self.data, mask)
            ry = _ranks_in_mask(proj, mask)
            rx -= rx.mean()
            ry -= ry.mean()
            rho = float(np.dot(rx, ry) / math.sqrt(float(np.dot(rx, rx)) * float(np.dot(ry, ry))))
        sxx, syy = float(np.dot(dx, dx)), float(np.dot(dy, dy))
        if sxx == 0.0:
            stress = math.nan
        elif syy == 0.0:
            stress = 1.0
        else:
            resid = dx - (float(np.dot(dx, dy)) / syy) * dy
            stress = math.sqrt(float(np.dot(resid, resid)) / sxx)
        return ShepardStress(rho, stress)
