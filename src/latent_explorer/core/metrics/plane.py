"""The 2-D side of trustworthiness and continuity: neighbours and ranks in a projection.

A projection has a handful of columns, so instead of an ``O(n)`` distance row per point its
neighbour sets and "how many points are closer than r" come from scikit-learn's KD-tree:
listing a small disc, or counting a large one in ``O(log n + boundary)`` per query.

Distances here are always explicit sums of squared coordinate differences, column by column
(:meth:`PlaneSpace.sqdist`): the same float64 numbers as the direct reference
``((y_i - y_j) ** 2).sum()``, so every comparison is the reference's own.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from numpy.typing import NDArray

from .scan import compiled

#: Relative half-width of the radius band in which KD-tree counts are double-checked with
#: explicit distances; far above the tree's rounding (~1e-16), far below real distance gaps.
TREE_BAND = 1e-9

#: Above this many points expected in a projected point's "disc" (out to its farthest
#: neighbour from the other space), the KD-tree counts its ranks with radius queries instead
#: of listing the disc: listing costs ~15-30 ns per point in the disc, two radius queries per
#: neighbour ~0.1 ms per point almost whatever the disc holds. Only speed depends on it (on
#: MNIST with a PCA projection, 8000 beats listing all or none at n = 5,000 and 70,000).
LIST_MAX_POINTS = 8000

#: Projected points per listing query (bounds the memory of the listed discs).
LIST_CHUNK = 64

#: Cost model of the three exact strategies, per projected point (only speed depends on it:
#: every strategy gives the reference's counts). Measured on the 2-core machine, 1 thread,
#: uniform and clustered 2-D layouts at n = 10,000 and 70,000:
#: - a dense row (:meth:`PlaneSpace._dense_penalties`, compiled): ~ROW_NS per point of the
#:   projection (0.9 ns at 7 thresholds, 1 thread, n = 10,000; NumPy's took 6.4-6.8 ns);
#: - a radius count query (two per neighbour ranked beyond k): its cost grows with the
#:   disc's boundary, ``QUERY_US + QUERY_SQRT_US * sqrt(points in the disc)`` microseconds
#:   (4.6 us at 10 points, 22 us at 1,000, 35 us at 5,000, 99 us at 35,000);
#: - listing a disc: ~:data:`LIST_NS` per point in it.
ROW_NS = 1.0
QUERY_US = 3.0
QUERY_SQRT_US = 0.6

#: Cost of listing a disc, per point expected in it (see :data:`LIST_MAX_POINTS`).
LIST_NS = 25.0

#: Distances of a dense row formed before they are compared with its thresholds (8 KiB of
#: float64: in L1 cache, so each threshold's compares run over cached values, vectorised).
DENSE_BLOCK = 1024


class PlaneSpace:
    """A low-dimensional point cloud served by a KD-tree (CPU only).

    For 2-D projections, neighbour sets and "how many points are closer than r" come from
    scikit-learn's KD-tree (listing a disc, or counting it in O(log n + boundary) per query)
    instead of O(n) per row, which removes the projection side from the dense pass entirely.
    """

    def __init__(self, data: NDArray[np.float64], n_threads: int) -> None:
        from sklearn.neighbors import KDTree

        self.points = np.ascontiguousarray(data, dtype=np.float64)
        self.columns = np.ascontiguousarray(self.points.T)  # for dense rows
        self.n = data.shape[0]
        self.tree = KDTree(self.points)
        self.n_threads = n_threads

    def sqdist(
        self, i: NDArray[np.intp], j: NDArray[np.intp], repeats: NDArray[np.intp] | None = None
    ) -> NDArray[np.float64]:
        """Squared distances of the pairs ``(i[p], j[p])``, summed column by column in the
        same order as the KD-tree, so its radius tests and these values agree.

        With `repeats`, the pairs are ``(np.repeat(i, repeats)[p], j[p])``: the same numbers,
        without gathering every repeated coordinate.
        """
        out = np.zeros(j.shape, dtype=np.float64)
        for c in range(self.points.shape[1]):
            first = self.points[i, c]
            if repeats is not None:
                first = np.repeat(first, repeats)
            diff = first - self.points[j, c]
            out += diff * diff
        return out

    def knn(self, k: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The k nearest neighbours of every point (itself excluded) and the k-th squared distance.

        Tie rule: among points at equal distance the lower index comes first, so the set is
        the first k of a stable sort of the exact distances (the float64 reference's order).
        The tree lists ``k + 1`` candidates by its own rounding; where the explicit distances
        of the k-th and the next candidate are not clearly apart, the point's disc is listed
        and sorted exactly instead.
        """
        n = self.n
        kk = min(k + 1, n - 1)
        ind = self.tree.query(self.points, k=kk + 1, return_distance=False)
        # Drop the point itself (with duplicates it may not come first; if it is missing
        # altogether, the last candidate goes).
        own = ind == np.arange(n)[:, None]
        own[~own.any(axis=1), -1] = True
        ind = ind[~own].reshape(n, kk).astype(np.int64)
        rows = np.arange(n)
        d = self.sqdist(np.repeat(rows, kk), ind.ravel()).reshape(n, kk)
        order = _row_lexsort(d, ind)
        ind = np.take_along_axis(ind, order, axis=1)
        d = np.take_along_axis(d, order, axis=1)
        kth = d[:, k - 1].copy()
        if kk > k:
            # The next candidate clearly farther (beyond the tree's rounding): no other point
            # can tie with or beat the k-th, so the first k are the reference's set.
            unsure = np.flatnonzero(d[:, k] <= kth * (1.0 + 4 * TREE_BAND) + 1e-300)
        else:
            unsure = np.zeros(0, dtype=np.intp)
        for i in unsure:
            radius = math.sqrt(kth[i]) * (1.0 + 4 * TREE_BAND) + 1e-150
            disc = self.tree.query_radius(self.points[i : i + 1], radius)[0]
            disc = disc[disc != i].astype(np.int64)
            dd = self.sqdist(np.full(disc.size, i), disc)
            first = np.lexsort((disc, dd))[:k]
            ind[i, :k], kth[i] = disc[first], dd[first[-1]]
        return np.ascontiguousarray(ind[:, :k]), kth

    def _count(self, queries: NDArray[np.intp], radii: NDArray[np.float64]) -> NDArray[np.intp]:
        """Points within distance ``radii[p]`` (inclusive) of ``points[queries[p]]``."""

        def run(part: slice) -> NDArray[np.intp]:
            return np.asarray(
                self.tree.query_radius(self.points[queries[part]], radii[part], count_only=True)
            )

        # The tree query releases the GIL, so plain threads share the work.
        parts = [
            slice(a[0], a[-1] + 1) for a in np.array_split(np.arange(queries.size), 8) if a.size
        ]
        if self.n_threads > 1 and queries.size > 10_000:
            with ThreadPoolExecutor(self.n_threads) as pool:
                return np.concatenate(list(pool.map(run, parts)))
        return run(slice(None))

    def penalties(
        self,
        points: NDArray[np.intp],
        neighbours: NDArray[np.int64],
        kth: NDArray[np.float64],
        k: int,
    ) -> NDArray[np.int64]:
        """``sum_j max(rank(i, j) - k, 0)`` for ``j`` in ``neighbours[p]``, ``i = points[p]``.

        ``kth[p]`` is the k-th smallest squared distance from ``points[p]`` (:meth:`knn`).

        Three exact strategies, chosen per point by expected cost (the model above): list
        the disc out to the farthest neighbour once and compare explicit distances
        (:meth:`_listed_penalties`, for small discs), form the point's whole row of
        explicit distances (:meth:`_dense_penalties`, for large discs), or count with two
        radius queries per neighbour (:meth:`_counted_penalties`, whose cost grows with
        the discs' boundaries only).
        """
        n, kk = neighbours.shape
        qi = np.repeat(points, kk)
        s = self.sqdist(qi, neighbours.ravel()).reshape(n, kk)
        # rank > k exactly when the neighbour is farther than the k-th nearest point; the
        # others cost nothing and get the threshold -inf, which nothing is closer than.
        need = s > kth[:, None]
        thresholds = np.where(need, s, -np.inf)
        farthest = thresholds.max(axis=1)
        # Points expected in each disc, from the density the k-th neighbour distance shows
        # (area ratio). Only the speed depends on this guess; kth == 0 (duplicates) gives inf.
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = np.where(need, k * s / kth[:, None], 0.0)
            expected_far = k * farthest / kth
            listing = np.where(expected_far <= LIST_MAX_POINTS, expected_far * LIST_NS, np.inf)
            queries = 2e3 * (QUERY_US + QUERY_SQRT_US * np.sqrt(expected))
            counting = np.where(need, queries, 0.0).sum(axis=1)
        dense_row = self.n * ROW_NS
        cheapest = np.argmin(np.stack([listing, np.full(n, dense_row), counting]), axis=0)
        has_need = need.any(axis=1)
        listed = np.flatnonzero(has_need & (cheapest == 0))
        pen = np.zeros(n, dtype=np.int64)
        pen[listed] = self._listed_penalties(
            points[listed], thresholds[listed], farthest[listed], k
        )
        dense = np.flatnonzero(has_need & (cheapest == 1))
        pen[dense] = self._dense_penalties(points[dense], thresholds[dense], k)
        need[listed] = False
        need[dense] = False
        rows, cols = np.nonzero(need)
        counted = self._counted_penalties(points[rows], neighbours[rows, cols], s[rows, cols], k)
        pen += counted[points]
        return pen

    def _listed_penalties(
        self,
        points: NDArray[np.intp],
        thresholds: NDArray[np.float64],
        farthest: NDArray[np.float64],
        k: int,
    ) -> NDArray[np.int64]:
        """Penalties of `points` from the explicit distances of every point in their disc.

        ``thresholds[p]`` are the squared distances of the neighbours of ``points[p]`` (or
        ``-inf`` for those within its k nearest), ``farthest[p]`` their maximum.
        """
        # The band only has to cover the tree's rounding: every point strictly closer than
        # a neighbour is listed, and the comparisons below are exact.
        radius = np.sqrt(farthest) * (1.0 + TREE_BAND)

        def run(part: slice) -> NDArray[np.int64]:
            ids = points[part]
            lists = self.tree.query_radius(self.points[ids], radius[part])
            sizes = np.fromiter(map(len, lists), dtype=np.intp, count=ids.size)
            # Same arithmetic as the thresholds, so a neighbour is never closer than itself.
            dist = self.sqdist(ids, np.concatenate(lists), repeats=sizes)
            starts = np.cumsum(sizes) - sizes  # every list holds at least the point itself
            out = np.zeros(ids.size, dtype=np.int64)
            for c in range(thresholds.shape[1]):
                # Listed points strictly closer, the point itself (at 0) included: the rank.
                below = dist < np.repeat(thresholds[part, c], sizes)
                rank = np.add.reduceat(below, starts, dtype=np.int64)
                out += np.maximum(rank - k, 0)
            return out

        # Small chunks bound the lists' memory even where the density guess is far off.
        parts = [slice(a, a + LIST_CHUNK) for a in range(0, points.size, LIST_CHUNK)]
        if not parts:
            return np.zeros(0, dtype=np.int64)
        # The tree query and NumPy's large-array loops release the GIL.
        if self.n_threads > 1 and len(parts) > 1:
            with ThreadPoolExecutor(self.n_threads) as pool:
                return np.concatenate(list(pool.map(run, parts)))
        return np.concatenate([run(part) for part in parts])

    def _dense_penalties(
        self, points: NDArray[np.intp], thresholds: NDArray[np.float64], k: int
    ) -> NDArray[np.int64]:
        """Penalties of `points` from full rows of explicit distances (:meth:`sqdist`'s
        arithmetic, column by column from zero, so the comparisons are the reference's),
        formed and counted by a compiled loop a cache-sized block at a time.

        ``thresholds[p]`` as in :meth:`_listed_penalties`; -inf counts nothing.
        """
        closer = np.zeros(thresholds.shape, dtype=np.int64)
        if points.size:
            _DENSE_COUNTS[self.n_threads > 1](
                self.columns, np.asarray(points, dtype=np.int64),
                np.ascontiguousarray(thresholds), DENSE_BLOCK, closer,
            )  # fmt: skip
        need = thresholds > -math.inf
        return np.where(need, closer + (1 - k), 0).sum(axis=1)

    def _counted_penalties(
        self, qi: NDArray[np.intp], qj: NDArray[np.intp], s: NDArray[np.float64], k: int
    ) -> NDArray[np.int64]:
        """Per-point sums of ``rank(qi[p], qj[p]) - k`` over pairs known to rank beyond k.

        ``s[p]`` is the pair's squared distance (:meth:`sqdist`).
        """
        pen = np.zeros(self.n, dtype=np.int64)
        if qi.size == 0:
            return pen
        r = np.sqrt(s)
        # The tree counts "<= r" with its own rounding; we need "strictly closer than j".
        # Count at r (1 -/+ TREE_BAND): if only j lies in between, the lower count minus the
        # query point itself is exact; otherwise resolve that query from explicit distances.
        lo = self._count(qi, r * (1.0 - TREE_BAND))
        hi = self._count(qi, r * (1.0 + TREE_BAND))
        closer = lo - 1
        # Ties and duplicates land here; continuous data almost never does. Settle them from
        # the point's explicit distance row, once per point: O(n) each, but vectorised, so
        # even a half-collapsed projection (many identical codes) stays tractable.
        ambiguous = np.flatnonzero(hi - lo != 1)
        ambiguous = ambiguous[np.argsort(qi[ambiguous], kind="stable")]
        group_starts = np.flatnonzero(np.r_[True, np.diff(qi[ambiguous]) != 0])
        for group in np.split(ambiguous, group_starts[1:]) if ambiguous.size else []:
            i = qi[group[0]]
            row = self.sqdist(np.full(self.n, i), np.arange(self.n))
            row[i] = math.inf
            for p in group:
                closer[p] = np.count_nonzero(row < s[p])
        # bincount with float weights is exact here: every partial sum is an integer < 2**53.
        pen += np.bincount(qi, weights=closer + (1 - k), minlength=self.n).astype(np.int64)
        return pen


def _row_lexsort(d: NDArray[np.float64], ind: NDArray[np.int64]) -> NDArray[np.intp]:
    """Per-row order by distance, then index (the tie rule)."""
    # Stable sorts: first by index, then by distance, keep equal distances in index order.
    by_index = np.argsort(ind, axis=1, kind="stable")
    by_dist = np.argsort(np.take_along_axis(d, by_index, axis=1), axis=1, kind="stable")
    return np.take_along_axis(by_index, by_dist, axis=1)


def _dense_counts(columns, points, thresholds, block_size, out):  # type: ignore[no-untyped-def]
    """``out[p, j]`` = points strictly closer to point ``points[p]`` than ``thresholds[p, j]``
    (itself excluded), from explicit squared distances summed column by column from zero,
    `block_size` values of the row at a time. `columns` holds the coordinates by column
    (``dims x n``), so each column's pass over a block vectorises."""
    dims, n = columns.shape
    for p in numba.prange(points.shape[0]):
        i = points[p]
        block = np.empty(block_size)
        for a in range(0, n, block_size):
            b = min(n, a + block_size)
            width = b - a
            for m in range(width):
                block[m] = 0.0
            for c in range(dims):
                centre = columns[c, i]
                part = columns[c, a:b]
                for m in range(width):
                    diff = centre - part[m]
                    block[m] += diff * diff
            if a <= i < b:
                block[i - a] = np.inf  # never closer than anything
            for j in range(thresholds.shape[1]):
                t = thresholds[p, j]
                count = 0
                for m in range(width):
                    count += block[m] < t
                out[p, j] += count


_DENSE_COUNTS = compiled(_dense_counts)
