"""The symmetric pass: each high-dimensional distance is formed once, for both its points.

``D`` is symmetric, so whole rows (``n`` values per point) form every value twice. Here the
points are stored in a seeded random order (the space's ``order``) and cut into strips of
consecutive points. Strip ``a`` forms one tile: its points against themselves and every
later point (the upper triangle). Each tile serves both sides: its rows as they are, and
the later points through its transpose. After strip ``a`` its points have met every point
(earlier strips' tiles held them as columns), so their ranks are final and they join the
estimates. That is half the matrix products of whole rows, which at 70,000 points are most
of the time.

What a point needs is kept between tiles:

- its nearest candidates, the :func:`~.counting.candidates` smallest values seen and their
  points, finished by :func:`~.counting.knn_from_candidates` into its neighbour set (whose
  ranks the projection counts: continuity);
- how many values lie strictly below each threshold, the exact distance of each projection
  neighbour (trustworthiness). Exact spaces compare directly. A float32 space counts below
  the certified ``lo`` and ``hi`` of each threshold (:mod:`.distances`) and settles the
  values between them exactly in the tile where it meets them; a point whose bands hold
  more than :func:`~.counting.fine_limit` values in all is counted again in float64 once
  its strip is done (:func:`~.counting.fine_counts`).

A rank needs no neighbour set of its own space. With ``c`` points strictly closer than
``t_ij``, the penalty ``max(rank - k, 0)`` is ``max(c + 1 - k, 0)`` whether or not ``j`` is
among the k nearest: if ``t_ij`` is beyond the k-th value then ``c >= k``, otherwise
``c <= k - 1``. So every threshold is known before the pass, and one sweep does it all.
"""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import NDArray

from .counting import (
    _settle_band,
    candidates,
    count_less,
    fine_counts,
    fine_limit,
    knn_from_candidates,
)
from .distances import FloatSpace, float32_down, float32_up
from .eight_bit import INT_SELF, IntegerSpace

#: Fewest rows per strip when the size is automatic: a tile's matrix product runs at full
#: speed from about 256 rows.
MIN_STRIP_ROWS = 256

#: At least this many strips when memory allows: the estimates come after each strip.
MIN_STRIPS = 8


def strip_rows(n: int, bytes_per_value: int, budget: int) -> int:
    """Rows per strip: at most `budget` bytes of tiles, and about :data:`MIN_STRIPS` strips."""
    fits = max(1, budget // (bytes_per_value * n))
    return max(1, min(n, fits, max(MIN_STRIP_ROWS, -(-n // MIN_STRIPS))))


def work_done(rows_done: int, n: int) -> float:
    """About the share of the pass's values formed once the first `rows_done` stored
    points' strips are done (the upper triangle; later strips are narrower, so it grows
    faster than the rows). Only the ETA uses it."""
    return rows_done * (2 * n - rows_done + 1) / (n * (n + 1))


class TriangleSweep:
    """The per-point state of the symmetric pass over one high-dimensional space.

    `neighbours` holds, per point (by index), the projections' neighbours whose ranks are
    counted here, side by side (``k`` columns per projection).
    """

    def __init__(
        self,
        space: IntegerSpace | FloatSpace,
        neighbours: NDArray[np.int64],
        k: int,
        strip: int,
        threads: int,
    ) -> None:
        assert space.order is not None, "the sweep needs the points stored in a random order"
        n = space.n
        self.space, self.k, self.threads, self.n = space, k, threads, n
        self.order = space.order
        self.exact = isinstance(space, IntegerSpace)
        rows = np.repeat(np.arange(n), neighbours.shape[1])
        if isinstance(space, IntegerSpace):
            t = space.pairs(rows, neighbours.ravel())
        else:
            t = space.exact(rows, neighbours.ravel())
        # Everything below is by stored position: a strip is a slice.
        self.t = t.reshape(neighbours.shape)[self.order]
        self.neighbours = neighbours[self.order]
        self.m = candidates(space, k, n)
        far = INT_SELF if self.exact else np.inf
        self.values = torch.full((n, self.m), far, dtype=space.dtype)
        self.points = torch.full((n, self.m), -1, dtype=torch.int64)
        self.columns = torch.as_tensor(self.order, dtype=torch.int64)
        self.below = np.zeros(self.t.shape, dtype=np.int64)
        if isinstance(space, FloatSpace):
            e = space.bound(self.order)[:, None]
            self.lo = float32_down(self.t - e)
            self.hi = float32_up(self.t + e)
            self.undecided = np.zeros(n, dtype=np.int64)
            self.heavy = np.zeros(n, dtype=bool)
            self.limit = fine_limit(n)
        self._tiles = torch.empty(strip * n, dtype=space.dtype)
        self._flipped = torch.empty(strip * n, dtype=space.dtype)

    def strip(
        self, lo: int, hi: int
    ) -> tuple[NDArray[np.intp], NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
        """Form strip ``lo:hi`` and finish its points.

        Returns their indices, their k nearest neighbours, the k-th exact value and the
        number of points strictly closer than each threshold (one column per neighbour).
        """
        n, b = self.n, hi - lo
        tile = self._tiles[: b * (n - lo)].view(b, n - lo)
        self.space.tile(lo, hi, tile)
        self._visit(lo, hi, tile, lo)
        if hi < n:
            flipped = self._flipped[: (n - hi) * b].view(n - hi, b)
            flipped.copy_(tile[:, b:].T)
            self._visit(hi, n, flipped, lo)
        return self._finish(lo, hi)

    def _visit(self, p0: int, p1: int, values: torch.Tensor, first_column: int) -> None:
        """Take one tile's values for stored points ``p0:p1``; its columns are the stored
        points from `first_column` on."""
        width = values.shape[1]
        cols = self.columns[first_column : first_column + width]
        near, at = torch.topk(values, min(self.m, width), dim=1, largest=False)
        both_values = torch.cat([self.values[p0:p1], near], dim=1)
        both_points = torch.cat([self.points[p0:p1], cols[at]], dim=1)
        kept, which = torch.topk(both_values, self.m, dim=1, largest=False)
        self.values[p0:p1] = kept
        self.points[p0:p1] = both_points.gather(1, which)
        if self.exact:
            self.below[p0:p1] += count_less(values, self.t[p0:p1], self.threads)
            return
        assert isinstance(self.space, FloatSpace)
        kk = self.t.shape[1]
        lo, hi = self.lo[p0:p1], self.hi[p0:p1]
        both = count_less(values, np.hstack([lo, hi]), self.threads)
        band = both[:, kk:] - both[:, :kk]
        self.below[p0:p1] += both[:, :kk]
        self.undecided[p0:p1] += band.sum(axis=1)
        self.heavy[p0:p1] |= self.undecided[p0:p1] > self.limit
        light = np.flatnonzero(~self.heavy[p0:p1] & (band.sum(axis=1) > 0))
        if light.size:
            at_rows = p0 + light
            self.below[at_rows] += _settle_band(
                self.space, self.order[at_rows], values, light, lo[light], hi[light],
                self.t[at_rows], band[light], self.neighbours[at_rows], self.space.pair_bound,
                columns=self.order[first_column : first_column + width],
            )  # fmt: skip

    def _finish(
        self, lo: int, hi: int
    ) -> tuple[NDArray[np.intp], NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
        rows = self.order[lo:hi]
        nn, kth = knn_from_candidates(
            self.space, rows, self.values[lo:hi].numpy(), self.points[lo:hi].numpy(), self.k
        )
        counts = self.below[lo:hi].copy()
        if not self.exact:
            assert isinstance(self.space, FloatSpace)
            heavy = np.flatnonzero(self.heavy[lo:hi])
            if heavy.size:
                at = lo + heavy
                counts[heavy] = fine_counts(
                    self.space, rows[heavy], self.t[at], np.ones(self.t[at].shape, dtype=bool),
                    self.neighbours[at], self.threads,
                )  # fmt: skip
        return rows, nn, kth, counts
