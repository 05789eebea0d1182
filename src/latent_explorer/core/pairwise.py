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

from .metrics.shepard import ShepardStress, _condensed_distances


@dataclass(frozen=True)
class RankedDistances:
    """Condensed pairwise distances (pdist order) and the order that sorts them."""

    values: NDArray[np.float64]
    order: NDArray[np.int32]

    @classmethod
    def of(cls, points: NDArray) -> RankedDistances:
        values = _condensed_distances(np.asarray(points, dtype=np.float64))
        # int32 halves the memory traffic of the gathers below (12.5 million pairs fit).
        return cls(values, np.argsort(values).astype(np.int32))


def _centred_ranks(dist: RankedDistances, mask: NDArray[np.bool_] | None) -> NDArray[np.float64]:
    """Average ranks of the masked pairs among themselves, minus their mean, in condensed
    order, with 0 at unmasked pairs (so dot products over all pairs sum the masked ones).

    Filtering the global sort order by the mask keeps it sorted, so no new sort is needed.
    """
    order = dist.order if mask is None else dist.order[mask[dist.order]]
    m = order.size
    v = dist.values[order]
    sorted_ranks = np.arange(m, dtype=np.float64)
    tied = np.flatnonzero(v[1:] == v[:-1])  # i where v[i] == v[i + 1]; usually few
    if tied.size:
        # Runs of equal values share the mean of their positions. Only positions inside runs
        # change, so the work is proportional to the number of ties, not to m.
        breaks = tied[1:] != tied[:-1] + 1
        starts = tied[np.r_[True, breaks]]
        ends = tied[np.r_[breaks, True]] + 1
        lengths = ends - starts + 1
        run = np.repeat(np.arange(starts.size), lengths)
        offset = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        sorted_ranks[starts[run] + offset] = ((starts + ends) / 2.0)[run]
    sorted_ranks -= (m - 1) / 2.0
    out = np.zeros(dist.values.size, dtype=np.float64)
    out[order] = sorted_ranks
    return out


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
        self._all_ranks: NDArray[np.float64] | None = None

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
        return self.shepard_stress_many([proj], mask)[0]

    def shepard_stress_many(
        self, projs: list[RankedDistances], mask: NDArray[np.bool_] | None = None
    ) -> list[ShepardStress]:
        """:meth:`shepard_stress` of several projections; the data-side ranks are shared."""
        dx = self.data.values if mask is None else self.data.values[mask]
        if dx.size < 3:
            return [ShepardStress(math.nan, math.nan) for _ in projs]
        rx: NDArray[np.float64] | None = None
        out = []
        for proj in projs:
            dy = proj.values if mask is None else proj.values[mask]
            if np.ptp(dx) == 0.0 or np.ptp(dy) == 0.0:
                rho = math.nan
            else:
                if rx is None:
                    rx = self._centred_data_ranks(mask)
                ry = _centred_ranks(proj, mask)
                rho = float(
                    np.dot(rx, ry) / math.sqrt(float(np.dot(rx, rx)) * float(np.dot(ry, ry)))
                )
            out.append(ShepardStress(rho, _stress(dx, dy)))
        return out

    def _centred_data_ranks(self, mask: NDArray[np.bool_] | None) -> NDArray[np.float64]:
        # All pairs: the same for every iteration, so kept.
        if mask is None and self._all_ranks is not None:
            return self._all_ranks
        ranks = _centred_ranks(self.data, mask)
        if mask is None:
            self._all_ranks = ranks
        return ranks


def _stress(dx: NDArray[np.float64], dy: NDArray[np.float64]) -> float:
    """Scale-normalised stress: 2-D distances rescaled by their optimal factor first."""
    sxx, syy = float(np.dot(dx, dx)), float(np.dot(dy, dy))
    if sxx == 0.0:
        return math.nan
    if syy == 0.0:
        return 1.0  # every factor gives 0: the residual is all of dx
    resid = dx - (float(np.dot(dx, dy)) / syy) * dy
    return math.sqrt(float(np.dot(resid, resid)) / sxx)
