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

One compiled scan of rows takes all of it (:mod:`.scan`): the tile's rows, then its
transpose a few thousand columns at a time.

A rank needs no neighbour set of its own space. With ``c`` points strictly closer than
``t_ij``, the penalty ``max(rank - k, 0)`` is ``max(c + 1 - k, 0)`` whether or not ``j`` is
among the k nearest: if ``t_ij`` is beyond the k-th value then ``c >= k``, otherwise
``c <= k - 1``. So every threshold is known before the pass, and one sweep does it all.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from .counting import candidates, fine_counts, fine_limit, knn_from_candidates, settle_found
from .distances import FloatSpace, float32_down, float32_up
from .eight_bit import INT_SELF, IntegerSpace
from .scan import scan

#: Fewest rows per strip when the size is automatic: a tile's matrix product runs at full
#: speed from about 256 rows.
MIN_STRIP_ROWS = 256

#: At least this many strips when memory allows: the estimates come after each strip.
MIN_STRIPS = 8

#: Columns of a tile transposed at a time for the later points' side (bounds its buffer).
FLIP_COLUMNS = 4096


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
    """The per-point state of the symmetric pass over one high-dimensional space (CPU).

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
        t = space.exact(rows, neighbours.ravel())
        # Everything below is by stored position: a strip is a slice.
        self.t = t.reshape(neighbours.shape)[self.order]
        self.neighbours = neighbours[self.order]
        self.m = candidates(space, k, n)
        dtype = np.int32 if self.exact else np.float32
        # Each point's m nearest candidates so far (values sorted; unfilled: above all).
        self.near_values = np.full((n, self.m), INT_SELF if self.exact else np.inf, dtype=dtype)
        self.near_points = np.full((n, self.m), -1, dtype=np.int64)
        self.below = np.zeros(self.t.shape, dtype=np.int64)
        if isinstance(space, FloatSpace):
            e = space.bound(self.order)[:, None]
            self.lo = float32_down(self.t - e)
            self.hi = float32_up(self.t + e)
            self.undecided = np.zeros(n, dtype=np.int64)
            self.heavy = np.zeros(n, dtype=bool)
            self.limit = fine_limit(n)
        else:
            self.lo = self.t.astype(np.int32)  # exact: "below lo" is "strictly closer"
        self._tiles = torch.empty(strip * n, dtype=space.dtype)
        self._flipped = torch.empty(strip * min(n, FLIP_COLUMNS), dtype=space.dtype)

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
        self._visit(lo, tile.numpy(), self.order[lo:n])  # the strip's points: the rows
        for a in range(b, n - lo, FLIP_COLUMNS):
            # Later points: the tile's columns, transposed a cache-friendly part at a time.
            z = min(n - lo, a + FLIP_COLUMNS)
            flipped = self._flipped[: (z - a) * b].view(z - a, b)
            flipped.copy_(tile[:, a:z].T)
            self._visit(lo + a, flipped.numpy(), self.order[lo:hi])
        return self._finish(lo, hi)

    def _visit(self, p0: int, values: NDArray[Any], pts: NDArray[np.intp]) -> None:
        """Take rows of distances of stored points ``p0:p0 + len(values)`` to `pts`."""
        p1 = p0 + values.shape[0]
        band, r, c = scan(
            values, pts, self.lo[p0:p1], None if self.exact else self.hi[p0:p1],
            self.near_values[p0:p1], self.near_points[p0:p1], self.below[p0:p1],
            self.threads > 1,
        )  # fmt: skip
        if not self.exact:
            self._settle(p0, p1, band, values[r, c], r, pts[c])

    def _settle(
        self,
        p0: int,
        p1: int,
        band: NDArray[np.int64],
        v: NDArray[Any],
        r: NDArray[np.intp],
        pts: NDArray[np.intp],
    ) -> None:
        """Settle the listed values that lie in a band exactly, unless their point's bands
        hold too many (a heavy point: counted again at its finish)."""
        assert isinstance(self.space, FloatSpace)
        self.undecided[p0:p1] += band.sum(axis=1)
        self.heavy[p0:p1] |= self.undecided[p0:p1] > self.limit
        keep = ~self.heavy[p0:p1][r]
        if keep.any():
            self.below[p0:p1] += settle_found(
                self.space, self.order[p0:p1], v[keep], r[keep], pts[keep], self.lo[p0:p1],
                self.hi[p0:p1], self.t[p0:p1], band > 0, self.neighbours[p0:p1],
                self.space.pair_bound,
            )  # fmt: skip

    def _finish(
        self, lo: int, hi: int
    ) -> tuple[NDArray[np.intp], NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
        rows = self.order[lo:hi]
        nn, kth = knn_from_candidates(
            self.space, rows, self.near_values[lo:hi], self.near_points[lo:hi], self.k
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
