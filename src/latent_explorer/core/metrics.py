"""Exact quality metrics for a low-dimensional projection ``Y`` of data ``X``.

Everything here is plain NumPy/SciPy/scikit-learn/PyTorch; nothing imports Flask.

The expensive metrics are trustworthiness and continuity (Venna & Kaski): they need, for
every point, the rank of its neighbours in the *other* space, i.e. all ``n * n`` distances.
:func:`trustworthiness_continuity` computes both exactly in one pass over blocks of rows, so
memory stays at ``block_size * n`` instead of ``n * n``; the run time is dominated by one
float64 matrix product over the high-dimensional data (the 2-D side is served by a KD-tree
on CPU). At n=70,000, d=784 that is about 75 s on 2 CPU cores (the product alone is
~1 minute there) with a peak of about 1.5 GB; at n=5,000 it is 0.4 s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, overload

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ShepardStress",
    "TCResult",
    "continuity",
    "neighborhood_hit",
    "quality_report",
    "reconstruction_error",
    "sample_indices",
    "shepard_stress",
    "trustworthiness",
    "trustworthiness_continuity",
]

#: Bytes allowed for one ``(block_size, n)`` float64 buffer when ``block_size`` is automatic.
#: Each dense space owns one such buffer, reused for every block; on CPU only the
#: high-dimensional side is dense, so the working set is about this plus the data.
BLOCK_BUDGET_BYTES = 256 * 2**20

#: Spaces with at most this many columns are "low-dimensional": on CPU they are served by a
#: KD-tree, on GPU their distances are explicit sums of squared differences (no cancellation,
#: same term order as the KD-tree) instead of the ``|a|^2 + |b|^2 - 2 a.b`` product form.
LOW_DIM = 3

#: Rows per strip when a whole distance matrix is formed at once (:meth:`_DenseSpace._fill_all`):
#: large enough that each strip's product runs at full BLAS speed, small enough that the
#: strips skip most of the lower triangle.
SYMMETRIC_STRIP_ROWS = 640

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

#: Bytes of the comparison mask each counting thread reuses (:func:`_count_less_cpu`):
#: small enough to stay in a core's cache.
COUNT_MASK_BYTES = 2**20

#: Default cap on the points used for the all-pairs Shepard/stress statistics.
DEFAULT_MAX_SHEPARD_POINTS = 5000

#: Above this many points ``shepard_stress`` refuses to build all pairs without a sample:
#: 10,000 points already give 5e7 pairs (0.4 GB per distance vector).
MAX_SHEPARD_POINTS = 10_000


# eq=False: the optional arrays would make == raise instead of answering.
@dataclass(frozen=True, eq=False)
class TCResult:
    """Trustworthiness and continuity of one projection.

    Attributes
    ----------
    trustworthiness : float
        Global trustworthiness ``T`` in ``[0, 1]``; equals
        ``sklearn.manifold.trustworthiness(X, Y, n_neighbors=k)``.
    continuity : float
        Global continuity ``C(X, Y) = T(Y, X)``.
    local_trustworthiness : ndarray of shape (n_samples,) or None
        Per-point values ``t_i`` whose mean is ``trustworthiness``; ``None`` unless asked for.
    local_continuity : ndarray of shape (n_samples,) or None
        Per-point values ``c_i`` whose mean is ``continuity``; ``None`` unless asked for.
    """

    trustworthiness: float
    continuity: float
    local_trustworthiness: NDArray[np.float64] | None = None
    local_continuity: NDArray[np.float64] | None = None


# --------------------------------------------------------------------------------------------
# Validation helpers. Every message names the parameter, the rule, the value and a fix, so a
# caller (or the web layer) can show it as is.
# --------------------------------------------------------------------------------------------


def _as_matrix(name: str, value: ArrayLike) -> NDArray[np.float64]:
    """Return `value` as a finite 2-D float64 array, or raise a ValueError naming `name`."""
    try:
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


# --------------------------------------------------------------------------------------------
# Trustworthiness and continuity
# --------------------------------------------------------------------------------------------


class _DenseSpace:
    """A point cloud whose squared-distance rows are formed block by block with torch.

    Values are only ever compared within one row (k-th smallest, "how many are closer").
    High-dimensional rows come from one matrix product per block; when a block holds every
    row, the product exploits the symmetry of the distance matrix (:meth:`_fill_all`).
    """

    def __init__(self, data: NDArray[np.float64], device: torch.device) -> None:
        self.direct = data.shape[1] <= LOW_DIM
        self.n, self.dim = data.shape
        if self.direct:
            # Uncentred, so these distances are bit-identical to the KD-tree's (_TreeSpace).
            self.points = torch.as_tensor(data, dtype=torch.float64, device=device)
        else:
            # Constant columns (e.g. MNIST's always-black border pixels) add exact zeros to
            # every distance; dropping them shortens the product for free.
            columns = np.flatnonzero(np.any(data != data[:1], axis=0))
            if columns.size == 0:
                columns = np.zeros(1, dtype=np.intp)
            self.dim = columns.size
            # One product gives the whole squared distance:
            # [x_i, 1, |x_i|^2] . [-2 x_m, |x_m|^2, 1]. Folding both norms into the product
            # saves full passes over every block and makes it symmetric, and the left factor
            # is recovered exactly from the stored right one (scaling by powers of two is
            # exact). Built in place so only one extra copy of the data ever exists.
            aug = np.empty((self.n, self.dim + 2), dtype=np.float64)
            centred = aug[:, : self.dim]
            # Copied a few rows at a time: np.take straight into this strided view would
            # first build a full-size temporary (+400 MB at 70,000 x 784).
            step = max(1, 2**21 // (8 * data.shape[1]))
            for a in range(0, self.n, step):
                centred[a : a + step] = np.take(data[a : a + step], columns, axis=1)
            # Centring changes no distance but shrinks |x|^2, and with it the cancellation
            # error of the product form.
            centred -= centred.mean(axis=0, keepdims=True)
            aug[:, self.dim] = np.einsum("ij,ij->i", centred, centred)
            aug[:, self.dim + 1] = 1.0
            centred *= -2.0
            self.points = torch.as_tensor(aug, dtype=torch.float64, device=device)

    def _left(self, start: int, stop: int) -> torch.Tensor:
        """Left factors ``[x_i, 1, |x_i|^2]`` of rows ``start:stop``."""
        rows = self.points[start:stop].clone()
        rows[:, : self.dim] *= -0.5
        rows[:, self.dim :] = rows[:, self.dim :].flip(1)
        return rows

    def _fill_all(self, out: torch.Tensor) -> None:
        """All ``n x n`` squared distances, computing only the upper triangle.

        The matrix is cut into horizontal strips; each strip is multiplied only from its
        diagonal to the right, and the part below the diagonal is copied from the transpose.
        That is about 56% of the full product's work at 8 strips, in a few large products
        that stay as efficient as one (n = 5,000, d = 718: 0.11 s instead of 0.16 s).
        """
        strips = max(1, round(self.n / SYMMETRIC_STRIP_ROWS))
        bounds = np.linspace(0, self.n, strips + 1).astype(int)
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            torch.mm(self._left(lo, hi), self.points[lo:].T, out=out[lo:hi, lo:])
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            out[hi:, lo:hi].copy_(out[lo:hi, hi:].T)

    def block(self, start: int, stop: int, out: torch.Tensor) -> torch.Tensor:
        """Fill ``out`` (shape ``(stop - start, n)``) with squared distances of rows ``start:stop``.

        The self pair gets ``inf``, as in scikit-learn, so a point is never its own neighbour
        nor counted as closer than anything.
        """
        if self.direct:
            # Explicit sum of squared differences: no cancellation, and the same terms in the
            # same order as scikit-learn's KD-tree.
            rows = self.points[start:stop]
            out.zero_()
            for c in range(self.dim):
                diff = rows[:, c : c + 1] - self.points[:, c].unsqueeze(0)
                out.addcmul_(diff, diff)
        elif start == 0 and stop == self.n:
            self._fill_all(out)
        else:
            # Written into a reused buffer: allocating a fresh block-sized tensor per block
            # costs about as much as the product on CPU (page faults on memory the allocator
            # has just handed back to the system).
            torch.mm(self._left(start, stop), self.points.T, out=out)
        idx = torch.arange(stop - start, device=out.device)
        out[idx, idx + start] = math.inf
        return out


class _TreeSpace:
    """A low-dimensional point cloud served by a KD-tree (CPU only).

    For 2-D projections, neighbour sets and "how many points are closer than r" come from
    scikit-learn's KD-tree (listing a disc, or counting it in O(log n + boundary) per query)
    instead of O(n) per row, which removes the projection side from the dense pass entirely.
    """

    def __init__(self, data: NDArray[np.float64], n_threads: int) -> None:
        from sklearn.neighbors import KDTree

        self.points = np.ascontiguousarray(data, dtype=np.float64)
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
        """k nearest neighbours of every point (itself excluded) and the k-th squared distance."""
        # NearestNeighbors.kneighbors() without query points leaves each point out of its own
        # list: the very call scikit-learn's trustworthiness makes, so neighbour sets agree
        # with it even where distances tie.
        from sklearn.neighbors import NearestNeighbors

        nn = NearestNeighbors(n_neighbors=k, algorithm="kd_tree").fit(self.points)
        ind = nn.kneighbors(return_distance=False).astype(np.int64)
        kth = self.sqdist(np.arange(self.n), ind[:, -1])
        return ind, kth

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
        self, neighbours: NDArray[np.int64], kth: NDArray[np.float64], k: int
    ) -> NDArray[np.int64]:
        """Per-point ``sum_j max(rank(i, j) - k, 0)`` for ``j`` in ``neighbours[i]``.

        Two exact strategies, chosen per point by expected cost: where the disc out to the
        farthest neighbour holds few points, list that disc once and compare explicit
        distances (:meth:`_listed_penalties`, one tree query per point); elsewhere count
        with two radius queries per neighbour (:meth:`_counted_penalties`), whose cost grows
        only with the disc's boundary.
        """
        n, kk = neighbours.shape
        qi = np.repeat(np.arange(n), kk)
        s = self.sqdist(qi, neighbours.ravel()).reshape(n, kk)
        # rank > k exactly when the neighbour is farther than the k-th nearest point; the
        # others cost nothing and get the threshold -inf, which nothing is closer than.
        need = s > kth[:, None]
        thresholds = np.where(need, s, -np.inf)
        farthest = thresholds.max(axis=1)
        # Points expected in that disc, from the density the k-th neighbour distance shows
        # (area ratio). Only the speed depends on this guess; kth == 0 (duplicates) gives inf.
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = k * farthest / kth
        listed = np.flatnonzero(need.any(axis=1) & (expected <= LIST_MAX_POINTS))
        pen = np.zeros(n, dtype=np.int64)
        pen[listed] = self._listed_penalties(listed, thresholds[listed], farthest[listed], k)
        need[listed] = False
        rows, cols = np.nonzero(need)
        pen += self._counted_penalties(rows, neighbours[rows, cols], s[rows, cols], k)
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


def _count_less_cpu(
    dist: NDArray[np.float64], thresholds: NDArray[np.float64], threads: int = 1
) -> NDArray[np.int64]:
    """``out[r, j] = #{m : dist[r, m] < thresholds[r, j]}``.

    After the matrix product this is the CPU hot spot. A few rows are compared with all
    their thresholds at once into a small reused mask (it stays in cache) and the mask is
    summed as bytes: a handful of large NumPy calls instead of two small ones per threshold.
    Those calls release the GIL, so `threads` threads share the rows.
    """
    n_rows, kk = thresholds.shape
    rows = max(1, COUNT_MASK_BYTES // (kk * dist.shape[1]))
    out = np.empty(thresholds.shape, dtype=np.int64)

    def run(starts: NDArray[np.intp]) -> None:
        mask = np.empty((rows, kk, dist.shape[1]), dtype=bool)
        for a in starts:
            b = min(n_rows, a + rows)
            part = mask[: b - a]
            np.less(dist[a:b, None, :], thresholds[a:b, :, None], out=part)
            out[a:b] = np.add.reduce(part.view(np.uint8), axis=2, dtype=np.int32)

    starts = np.arange(0, n_rows, rows)
    if threads > 1 and starts.size > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(run, np.array_split(starts, 4 * threads)))
    else:
        run(starts)
    return out


def _dense_penalties(
    dist: torch.Tensor,
    kth: torch.Tensor,
    thresholds: torch.Tensor,
    k: int,
    *,
    numpy_count: bool,
    threads: int = 1,
) -> NDArray[np.int64]:
    """Per-row ``sum_j max(rank_j - k, 0)`` for the neighbours' squared distances `thresholds`.

    The rank of a neighbour is ``1 + #{points strictly closer}`` (the point itself is at
    ``inf``). It exceeds ``k`` exactly when the neighbour is beyond the row's k-th smallest
    value `kth`, so only those neighbours contribute. `numpy_count` selects the CPU
    counter (requires CPU tensors, run on `threads` threads); the torch one is for GPUs.
    """
    need = thresholds > kth.unsqueeze(1)
    if numpy_count:
        need_np = need.numpy()
        counts = _count_less_cpu(dist.numpy(), thresholds.numpy(), threads)
        return np.where(need_np, counts + (1 - k), 0).sum(axis=1)
    counts_t = torch.zeros(thresholds.shape, dtype=torch.int64, device=dist.device)
    for j in range(thresholds.shape[1]):
        counts_t[:, j] = (dist < thresholds[:, j : j + 1]).sum(dim=1)
    return torch.where(need, counts_t + (1 - k), 0).sum(dim=1).cpu().numpy()


def _auto_block_size(n: int) -> int:
    return max(1, min(n, BLOCK_BUDGET_BYTES // (8 * n)))


def trustworthiness_continuity(
    X: ArrayLike,
    Y: ArrayLike,
    *,
    n_neighbors: int = 7,
    block_size: int | None = None,
    device: str | torch.device | None = None,
    per_point: bool = False,
    n_threads: int | None = None,
) -> TCResult:
    """Exact trustworthiness and continuity of the projection `Y` of `X`.

    With ``r_X(i, j)`` the rank of ``j`` among the neighbours of ``i`` in `X` (1 = nearest,
    ``i`` itself excluded; rank = 1 + number of points strictly closer) and ``N_Y(i)`` the
    ``k`` nearest neighbours of ``i`` in `Y`::

        T = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in N_Y(i)} max(r_X(i, j) - k, 0)

    which is scikit-learn's definition; continuity swaps the roles, ``C(X, Y) = T(Y, X)``.

    Both come from a single pass over blocks of rows: for each block the squared distances
    to all ``n`` points are formed (``block_size x n`` memory, never ``n x n``), the ``k``
    nearest neighbours are taken with ``torch.topk`` and each neighbour's rank in the other
    space is counted. When one block holds every row (up to about 5,800 points by default)
    only the upper triangle of the symmetric distance matrix is multiplied out. On CPU a
    space with at most 3 columns (the projection) is served by a KD-tree instead (neighbours,
    and ranks from the points within a radius), which gives the same numbers far faster.

    Distances are float64, so every rank is exact whenever the distances from a point differ
    by more than float64 rounding (~1e-13 relative); the result then equals scikit-learn's
    bit for bit. Distances that are *exactly* equal (common between 8-bit images such as
    MNIST) come out ordered by that rounding, as in scikit-learn, whose order among them is
    its argsort's: on such data the two can differ in the 7th or 8th decimal. Computed
    values that are equal get the smallest rank.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        High-dimensional data.
    Y : array-like of shape (n_samples, n_components)
        Its projection, usually ``n_components=2``; any width >= 1 is accepted.
    n_neighbors : int, default=7
        Neighbourhood size ``k``; must satisfy ``1 <= k < n_samples / 2``.
    block_size : int, optional
        Rows per block. By default one ``(block_size, n_samples)`` float64 buffer takes about
        256 MiB; the dense working set is that buffer plus the data.
    device : {"cpu", "cuda"} or torch.device, optional
        Where the distance blocks are computed. Default: CUDA when available, else CPU.
    per_point : bool, default=False
        Also return the per-point values ``t_i`` and ``c_i``.
    n_threads : int, optional
        If given, torch's intra-op thread count for this call (restored afterwards) and the
        number of KD-tree query threads. By default the current torch setting is used.

    Returns
    -------
    TCResult
        ``trustworthiness``, ``continuity`` and, with ``per_point=True``, arrays of shape
        (n_samples,) ``local_trustworthiness`` and ``local_continuity`` with
        ``t_i = 1 - 2 / (k (2n - 3k - 1)) * sum_{j in N_Y(i)} max(r_X(i, j) - k, 0)``, so
        that ``mean(t_i) == T`` (likewise for continuity).

    Raises
    ------
    ValueError
        On arrays that are not 2-D, have different row counts or contain NaN/inf, on
        ``n_neighbors`` outside ``[1, n_samples / 2)``, a bad ``block_size`` or
        ``n_threads``, or an unavailable device.
    """
    x = _as_matrix("X", X)
    y = _as_matrix("Y", Y)
    n = x.shape[0]
    _check_same_rows("Y", y, n)
    k = _check_tc_neighbors(n_neighbors, n)
    if block_size is None:
        bs = _auto_block_size(n)
    else:
        bs = min(_check_int("block_size", block_size, minimum=1), n)
    dev = _resolve_device(device)
    if n_threads is not None:
        n_threads = _check_int("n_threads", n_threads, minimum=1)

    old_threads = torch.get_num_threads()
    if n_threads is not None:
        torch.set_num_threads(n_threads)
    try:
        pen_t, pen_c = _tc_penalties(x, y, k, bs, dev, n_threads or old_threads)
    finally:
        if n_threads is not None:
            torch.set_num_threads(old_threads)

    # Same expression and operation order as scikit-learn, so the floats agree bit for bit.
    total_scale = 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0))
    t = 1.0 - float(pen_t.sum()) * total_scale
    c = 1.0 - float(pen_c.sum()) * total_scale
    if not per_point:
        return TCResult(t, c)
    # Per-point normaliser: the mean over n points gives back scikit-learn's total_scale.
    scale = 2.0 / (k * (2.0 * n - 3.0 * k - 1.0))
    return TCResult(t, c, 1.0 - pen_t * scale, 1.0 - pen_c * scale)


def _tc_penalties(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    k: int,
    block_size: int,
    device: torch.device,
    n_threads: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per-point rank penalties ``(trustworthiness, continuity)`` as exact integers.

    ``pen_t[i]`` sums the excess ranks in `x` of the neighbours of ``i`` in `y`; ``pen_c``
    swaps the spaces. Each space is handled by its own kind (tree or dense) regardless of
    its role, so ``_tc_penalties(y, x)`` returns exactly ``(pen_c, pen_t)``.
    """
    return _tc_penalties_many(x, [y], k, block_size, device, n_threads)[0]


def _tc_penalties_many(
    x: NDArray[np.float64],
    ys: Sequence[NDArray[np.float64]],
    k: int,
    block_size: int,
    device: torch.device,
    n_threads: int,
) -> list[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """:func:`_tc_penalties` of several projections `ys` of the same `x` in one pass.

    The pass over `x` (the matrix product, the expensive part) is shared: comparing two
    projections of the same points, as a Submit's before/after tables do, costs little more
    than measuring one.
    """
    n = x.shape[0]
    spaces: list[_DenseSpace | _TreeSpace] = []
    for data in (x, *ys):
        if device.type == "cpu" and data.shape[1] <= LOW_DIM:
            spaces.append(_TreeSpace(data, n_threads))
        else:
            spaces.append(_DenseSpace(data, device))
    # Neighbour lists of each space, filled up front for trees and block by block for dense.
    nn: list[NDArray[np.int64]] = [np.zeros((n, k), dtype=np.int64) for _ in spaces]
    kth: list[NDArray[np.float64]] = [np.zeros(n) for _ in spaces]
    for s, space in enumerate(spaces):
        if isinstance(space, _TreeSpace):
            nn[s], kth[s] = space.knn(k)
    # Space 0 is x; space s >= 1 is ys[s - 1]. Ranks measured in x use the neighbours of each
    # projection (trustworthiness); ranks measured in a projection use x's (continuity).
    pairs = [(0, s) for s in range(1, len(spaces))] + [(s, 0) for s in range(1, len(spaces))]
    pen = {pair: np.zeros(n, dtype=np.int64) for pair in pairs}

    dense = [s for s, space in enumerate(spaces) if isinstance(space, _DenseSpace)]
    if dense:
        buffers = {s: torch.empty(block_size, n, dtype=torch.float64, device=device) for s in dense}
        with torch.inference_mode():
            for start in range(0, n, block_size):
                stop = min(n, start + block_size)
                blocks: dict[int, torch.Tensor] = {}
                kth_blk: dict[int, torch.Tensor] = {}
                for s in dense:
                    space = spaces[s]
                    assert isinstance(space, _DenseSpace)
                    blocks[s] = space.block(start, stop, buffers[s][: stop - start])
                    # topk values come back sorted: the last column is the k-th smallest.
                    vals, ind = torch.topk(blocks[s], k, dim=1, largest=False, sorted=True)
                    kth_blk[s] = vals[:, -1]
                    nn[s][start:stop] = ind.cpu().numpy()
                for ranked, other in pairs:
                    if ranked not in blocks:
                        continue
                    neighbours = torch.as_tensor(nn[other][start:stop], device=device)
                    pen[(ranked, other)][start:stop] = _dense_penalties(
                        blocks[ranked],
                        kth_blk[ranked],
                        blocks[ranked].gather(1, neighbours),
                        k,
                        numpy_count=device.type == "cpu",
                        threads=n_threads,
                    )
        del buffers
    for ranked, other in pairs:
        space = spaces[ranked]
        if isinstance(space, _TreeSpace):
            pen[(ranked, other)] = space.penalties(nn[other], kth[ranked], k)
    return [(pen[(0, s)], pen[(s, 0)]) for s in range(1, len(spaces))]


def trustworthiness_continuity_many(
    X: ArrayLike,
    Ys: Sequence[ArrayLike],
    *,
    n_neighbors: int = 7,
    device: str | torch.device | None = None,
    per_point: bool = False,
) -> list[TCResult]:
    """:func:`trustworthiness_continuity` of several projections of `X`, sharing one pass.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    Ys : sequence of array-like of shape (n_samples, n_components)
    n_neighbors, device, per_point
        As in :func:`trustworthiness_continuity`.

    Returns
    -------
    list of TCResult, one per projection, equal to separate calls.
    """
    x = _as_matrix("X", X)
    n = x.shape[0]
    ys = [_as_matrix(f"Ys[{i}]", y) for i, y in enumerate(Ys)]
    if not ys:
        raise ValueError("Ys must hold at least one projection; pass [Y]")
    for i, y in enumerate(ys):
        _check_same_rows(f"Ys[{i}]", y, n)
    k = _check_tc_neighbors(n_neighbors, n)
    dev = _resolve_device(device)
    found = _tc_penalties_many(x, ys, k, _auto_block_size(n), dev, torch.get_num_threads())
    total_scale = 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0))
    scale = 2.0 / (k * (2.0 * n - 3.0 * k - 1.0))
    out = []
    for pen_t, pen_c in found:
        t = 1.0 - float(pen_t.sum()) * total_scale
        c = 1.0 - float(pen_c.sum()) * total_scale
        if per_point:
            out.append(TCResult(t, c, 1.0 - pen_t * scale, 1.0 - pen_c * scale))
        else:
            out.append(TCResult(t, c))
    return out


def trustworthiness(X: ArrayLike, Y: ArrayLike, *, n_neighbors: int = 7, **kw: Any) -> float:
    """Exact trustworthiness of `Y` as a projection of `X`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    Y : array-like of shape (n_samples, n_components)
    n_neighbors : int, default=7
    **kw
        Passed on to :func:`trustworthiness_continuity` (``block_size``, ``device``,
        ``n_threads``).

    Returns
    -------
    float
        Equal to ``sklearn.manifold.trustworthiness(X, Y, n_neighbors=n_neighbors)``.
    """
    return trustworthiness_continuity(X, Y, n_neighbors=n_neighbors, **kw).trustworthiness


def continuity(X: ArrayLike, Y: ArrayLike, *, n_neighbors: int = 7, **kw: Any) -> float:
    """Exact continuity of `Y` as a projection of `X`, i.e. ``trustworthiness(Y, X)``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    Y : array-like of shape (n_samples, n_components)
    n_neighbors : int, default=7
    **kw
        Passed on to :func:`trustworthiness_continuity`.

    Returns
    -------
    float
    """
    return trustworthiness_continuity(X, Y, n_neighbors=n_neighbors, **kw).continuity


# --------------------------------------------------------------------------------------------
# Cheaper metrics
# --------------------------------------------------------------------------------------------


@overload
def neighborhood_hit(
    Y: ArrayLike, labels: ArrayLike, *, n_neighbors: int = ..., per_point: Literal[False] = ...
) -> float: ...
@overload
def neighborhood_hit(
    Y: ArrayLike, labels: ArrayLike, *, n_neighbors: int = ..., per_point: Literal[True]
) -> NDArray[np.float64]: ...
def neighborhood_hit(
    Y: ArrayLike, labels: ArrayLike, *, n_neighbors: int = 3, per_point: bool = False
) -> float | NDArray[np.float64]:
    """Share of each point's nearest projected neighbours that carry its label.

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_components)
        The projection (usually 2-D).
    labels : array-like of shape (n_samples,)
        Class label of every point; any comparable dtype.
    n_neighbors : int, default=3
        Neighbours per point ``k``, the point itself excluded; ``1 <= k < n_samples``.
    per_point : bool, default=False
        Return the per-point shares instead of their mean.

    Returns
    -------
    float or ndarray of shape (n_samples,)
        The mean over points of ``#{j in N_Y(i) : label_j == label_i} / k``, or with
        ``per_point=True`` the per-point shares (multiples of ``1/k``).
    """
    from sklearn.neighbors import NearestNeighbors

    y = _as_matrix("Y", Y)
    n = y.shape[0]
    lab = _check_labels(labels, n)
    k = _check_nh_neighbors(n_neighbors, n)
    # kneighbors() without query points leaves each point out of its own neighbour list.
    ind = NearestNeighbors(n_neighbors=k).fit(y).kneighbors(return_distance=False)
    hits = (lab[ind] == lab[:, None]).mean(axis=1)
    return hits if per_point else float(hits.mean())


def _condensed_distances(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Euclidean distances of all pairs ``i < j`` in :func:`scipy.spatial.distance.pdist` order.

    pdist's plain loop is fine for 2-D points but takes seconds for 5,000 x 784; the Gram
    form runs on BLAS (about 10x faster) and its ~1e-13 relative error is far below what a
    rank correlation or a stress value can resolve.
    """
    from scipy.spatial.distance import pdist

    m, d = points.shape
    if d <= 16:
        return pdist(points)
    centred = points - points.mean(axis=0)
    sq = np.einsum("ij,ij->i", centred, centred)
    out = np.empty(m * (m - 1) // 2, dtype=np.float64)
    pos = 0
    step = max(1, (32 * 2**20) // (8 * m))  # rows per Gram chunk: ~32 MB
    for start in range(0, m - 1, step):
        stop = min(m - 1, start + step)
        block = sq[start:stop, None] + sq[None, :] - 2.0 * (centred[start:stop] @ centred.T)
        for r in range(stop - start):
            i = start + r
            row = block[r, i + 1 :]
            out[pos : pos + row.size] = row
            pos += row.size
    # Rounding can make a tiny squared distance slightly negative.
    np.maximum(out, 0.0, out=out)
    return np.sqrt(out, out=out)


def _average_ranks(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """1-based ranks with ties sharing their mean rank, like scipy's ``rankdata``."""
    order = np.argsort(a)
    sorted_a = a[order]
    first = np.empty(a.size, dtype=bool)
    first[0] = True
    np.not_equal(sorted_a[1:], sorted_a[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(np.r_[starts, a.size])
    mean_rank = starts + (counts + 1) / 2.0
    ranks = np.empty(a.size, dtype=np.float64)
    # Group number of every sorted value; a gather is much faster than np.repeat here.
    ranks[order] = mean_rank[np.cumsum(first) - 1]
    return ranks


def _spearman(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Spearman's rho: Pearson correlation of the average ranks.

    Same value as ``scipy.stats.spearmanr`` (to ~1e-13), about twice as fast on the 12.5
    million pairs of a 5,000-point sample: the two rankings run in parallel (NumPy's sort
    releases the GIL) and ranking skips scipy's generic path.
    """
    with ThreadPoolExecutor(2) as pool:
        ra, rb = pool.map(_average_ranks, (a, b))
    ra -= ra.mean()
    rb -= rb.mean()
    return float(np.dot(ra, rb) / math.sqrt(float(np.dot(ra, ra)) * float(np.dot(rb, rb))))


class ShepardStress(NamedTuple):
    """Global distance-preservation statistics (a plain tuple ``(rho, stress)``)."""

    #: Spearman rank correlation of the pairwise distances in both spaces (1 = same order).
    rho: float
    #: Scale-normalised Kruskal stress (0 = distances equal up to one global factor).
    stress: float


def shepard_stress(X: ArrayLike, Y: ArrayLike, *, sample: ArrayLike | None = None) -> ShepardStress:
    """Shepard-diagram correlation and scale-normalised stress of a projection.

    With ``dx`` and ``dy`` the condensed pairwise Euclidean distances among the chosen
    points in `X` and `Y`:

    - ``rho = spearman(dx, dy)``;
    - ``a = sum(dx * dy) / sum(dy ** 2)`` rescales the projection optimally (a projection's
      scale is arbitrary, so a uniformly scaled copy must score 0), and
      ``stress = sqrt(sum((dx - a dy) ** 2) / sum(dx ** 2))``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    Y : array-like of shape (n_samples, n_components)
    sample : array-like of int, optional
        Indices of the points to use (unique, in range), e.g. from :func:`sample_indices`.
        By default all points, which is refused above 10,000 points (5e7 pairs).

    Returns
    -------
    ShepardStress
        ``(rho, stress)``. ``rho`` is NaN when either distance vector is constant; ``stress``
        is NaN when all `X` points coincide and 1.0 when all `Y` points do.
    """
    x = _as_matrix("X", X)
    y = _as_matrix("Y", Y)
    n = x.shape[0]
    _check_same_rows("Y", y, n)
    if sample is None:
        if n > MAX_SHEPARD_POINTS:
            raise ValueError(
                f"sample must be given when n_samples ({n}) exceeds {MAX_SHEPARD_POINTS}: all "
                f"pairs would be {n * (n - 1) // 2} distances; pass sample=sample_indices({n})"
            )
        idx = np.arange(n)
    else:
        idx = _check_indices("sample", sample, n)
    if idx.size < 3:
        raise ValueError(
            f"sample must select at least 3 points for a rank correlation of distances; "
            f"got {idx.size}; pass more points"
        )
    dx = _condensed_distances(x[idx])
    dy = _condensed_distances(y[idx])
    # A rank correlation with a constant vector is undefined.
    constant = np.ptp(dx) == 0.0 or np.ptp(dy) == 0.0
    rho = math.nan if constant else _spearman(dx, dy)
    sxx = float(np.dot(dx, dx))
    syy = float(np.dot(dy, dy))
    if sxx == 0.0:
        stress = math.nan
    elif syy == 0.0:
        stress = 1.0  # every a gives a * dy = 0, so the residual is all of dx
    else:
        a = float(np.dot(dx, dy)) / syy
        # Residual summed explicitly, not as sxx - sxy^2/syy, which cancels catastrophically
        # for the near-perfect projections whose stress matters most.
        resid = dx - a * dy
        stress = math.sqrt(float(np.dot(resid, resid)) / sxx)
    return ShepardStress(rho, stress)


def sample_indices(
    n: int, *, max_points: int = DEFAULT_MAX_SHEPARD_POINTS, seed: int = 0
) -> NDArray[np.int64]:
    """A reproducible subset of ``range(n)`` for the all-pairs statistics.

    Experiments compute this once and reuse it at every iteration, so changes in the Shepard
    correlation and stress reflect the projection, not a new sample.

    Parameters
    ----------
    n : int
        Number of points.
    max_points : int, default=5000
        Largest sample size.
    seed : int, default=0
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    ndarray of shape (min(n, max_points),), dtype int64
        Sorted unique indices; ``arange(n)`` when ``n <= max_points``.
    """
    n = _check_int("n", n, minimum=0)
    max_points = _check_int("max_points", max_points, minimum=1)
    seed = _check_int("seed", seed, minimum=0)
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=max_points, replace=False)).astype(np.int64)


@overload
def reconstruction_error(
    X: ArrayLike, X_rec: ArrayLike, *, per_point: Literal[False] = ...
) -> float: ...
@overload
def reconstruction_error(
    X: ArrayLike, X_rec: ArrayLike, *, per_point: Literal[True]
) -> NDArray[np.float64]: ...
def reconstruction_error(
    X: ArrayLike, X_rec: ArrayLike, *, per_point: bool = False
) -> float | NDArray[np.float64]:
    """Mean squared reconstruction error.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Original data.
    X_rec : array-like of shape (n_samples, n_features)
        Its reconstruction (e.g. the autoencoder's output).
    per_point : bool, default=False
        Return each row's mean squared error instead of the overall mean.

    Returns
    -------
    float or ndarray of shape (n_samples,)
        ``mean((X - X_rec) ** 2)`` over rows and columns, or the row means.
    """
    x = _as_matrix("X", X)
    xr = _as_matrix("X_rec", X_rec)
    if xr.shape != x.shape:
        raise ValueError(
            f"X_rec must have the same shape as X {x.shape}; got {xr.shape}; "
            f"pass the reconstruction of exactly these samples"
        )
    rows = np.empty(x.shape[0], dtype=np.float64)
    # Chunked so the squared-difference temporary stays small for 70,000 x 784 inputs.
    step = max(1, (64 * 2**20) // (8 * x.shape[1]))
    for start in range(0, x.shape[0], step):
        diff = x[start : start + step] - xr[start : start + step]
        rows[start : start + step] = np.einsum("ij,ij->i", diff, diff) / x.shape[1]
    if per_point:
        return rows
    # Equal row lengths, so the mean of row means is the mean over all entries.
    return float(rows.mean()) if rows.size else math.nan


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _json_float(value: float) -> float | None:
    """NaN/inf are not JSON; undefined statistics are reported as ``None``."""
    return float(value) if math.isfinite(value) else None


def quality_report(
    X: ArrayLike,
    Y: ArrayLike,
    *,
    labels: ArrayLike,
    selected: ArrayLike | None = None,
    X_rec: ArrayLike | None = None,
    kl_per_point: ArrayLike | None = None,
    n_neighbors_tc: int = 7,
    n_neighbors_nh: int = 3,
    sample: ArrayLike | None = None,
    device: str | torch.device | None = None,
    per_point: bool = False,
) -> dict[str, Any]:
    """All projection-quality metrics, overall and for a selection versus the rest.

    Group definitions:

    - ``trustworthiness``, ``continuity`` and ``neighborhood_hit`` of a group are the means
      of the per-point values over the group's points, where every per-point value is
      computed against *all* points (a selected point's neighbours may lie outside the
      selection). Hence ``all`` is the point-count weighted mean of ``selected`` and
      ``rest``, and ``all`` equals the global metric (scikit-learn's trustworthiness).
    - ``reconstruction_error`` and ``kl`` are likewise means of per-point values.
    - ``shepard`` (Spearman rho of pairwise distances) and ``stress`` (scale-normalised
      stress, see :func:`shepard_stress`) use the pairwise distances among the group's own
      points: those in `sample` when given, else a seeded sample of at most 5000 of them.
      They are ``None`` when fewer than 3 points remain or the value is undefined.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data (e.g. the autoencoder's input).
    Y : array-like of shape (n_samples, n_components)
        Its projection (the 2-D latent codes).
    labels : array-like of shape (n_samples,)
        Class labels for the neighbourhood hit.
    selected : array-like of int, optional
        Unique point indices of the selection; adds the ``selected`` and ``rest`` groups.
    X_rec : array-like of shape (n_samples, n_features), optional
        Reconstruction of `X`; adds ``reconstruction_error`` (mean squared error).
    kl_per_point : array-like of shape (n_samples,), optional
        A per-point KL term (e.g. of a VAE); adds ``kl``, its mean over the group.
    n_neighbors_tc : int, default=7
        ``k`` of trustworthiness and continuity.
    n_neighbors_nh : int, default=3
        ``k`` of the neighbourhood hit.
    sample : array-like of int, optional
        Shared point sample for the Shepard/stress statistics; pass the same one at every
        iteration (see :func:`sample_indices`).
    device : {"cpu", "cuda"}, optional
        Device of the trustworthiness/continuity pass.
    per_point : bool, default=False
        Add ``report["per_point"]`` with per-point arrays of shape (n_samples,):
        ``trustworthiness``, ``continuity``, ``neighborhood_hit`` and, when given,
        ``reconstruction_error`` and ``kl``.

    Returns
    -------
    dict
        ``{"all": group, "selected": group | None, "rest": group | None}`` (the last two only
        when `selected` is given; ``None`` for an empty group). Each group is a dict of
        JSON-ready values: floats ``trustworthiness``, ``continuity``,
        ``neighborhood_hit``, ``shepard``, ``stress`` (``None`` when undefined), optional
        ``reconstruction_error`` and ``kl``, and the int ``n_points``.
    """
    x = _as_matrix("X", X)
    y = _as_matrix("Y", Y)
    n = x.shape[0]
    _check_same_rows("Y", y, n)
    lab = _check_labels(labels, n)
    sel = None if selected is None else _check_indices("selected", selected, n)
    samp = None if sample is None else _check_indices("sample", sample, n)
    kl = None
    if kl_per_point is not None:
        kl = np.asarray(kl_per_point, dtype=np.float64)
        if kl.shape != (n,):
            raise ValueError(
                f"kl_per_point must have shape ({n},), one value per sample; got {kl.shape}; "
                f"pass the per-point KL of exactly these samples"
            )
        if not np.all(np.isfinite(kl)):
            raise ValueError(
                "kl_per_point must contain only finite values; found NaN or inf; "
                "pass finite values (check the model's KL computation)"
            )
    rec = None if X_rec is None else reconstruction_error(x, X_rec, per_point=True)
    # Validate everything before the expensive pass, under the caller's parameter names.
    k_tc = _check_tc_neighbors(n_neighbors_tc, n, "n_neighbors_tc")
    k_nh = _check_nh_neighbors(n_neighbors_nh, n, "n_neighbors_nh")
    tc = trustworthiness_continuity(x, y, n_neighbors=k_tc, device=device, per_point=True)
    nh = neighborhood_hit(y, lab, n_neighbors=k_nh, per_point=True)
    assert tc.local_trustworthiness is not None and tc.local_continuity is not None

    def group(ids: NDArray[np.int64], *, whole: bool) -> dict[str, Any] | None:
        if ids.size == 0:
            return None
        assert tc.local_trustworthiness is not None and tc.local_continuity is not None
        out: dict[str, Any] = {
            # For the whole set use the global values themselves (bit-identical to sklearn).
            "trustworthiness": tc.trustworthiness
            if whole
            else float(tc.local_trustworthiness[ids].mean()),
            "continuity": tc.continuity if whole else float(tc.local_continuity[ids].mean()),
            "neighborhood_hit": float(nh[ids].mean()),
        }
        # The group's own points: within the shared sample, or a seeded sample of the group.
        pts = np.intersect1d(ids, samp) if samp is not None else ids[sample_indices(ids.size)]
        if pts.size >= 3:
            rho, stress = shepard_stress(x, y, sample=pts)
            out["shepard"], out["stress"] = _json_float(rho), _json_float(stress)
        else:
            out["shepard"] = out["stress"] = None
        if rec is not None:
            out["reconstruction_error"] = float(rec[ids].mean())
        if kl is not None:
            out["kl"] = float(kl[ids].mean())
        out["n_points"] = int(ids.size)
        return out

    everyone = np.arange(n, dtype=np.int64)
    report: dict[str, Any] = {"all": group(everyone, whole=True)}
    if sel is not None:
        in_sel = np.zeros(n, dtype=bool)
        in_sel[sel] = True
        report["selected"] = group(np.sort(sel), whole=False)
        report["rest"] = group(np.flatnonzero(~in_sel).astype(np.int64), whole=False)
    if per_point:
        pp: dict[str, NDArray[np.float64]] = {
            "trustworthiness": tc.local_trustworthiness,
            "continuity": tc.local_continuity,
            "neighborhood_hit": nh,
        }
        if rec is not None:
            pp["reconstruction_error"] = rec
        if kl is not None:
            pp["kl"] = kl
        report["per_point"] = pp
    return report
