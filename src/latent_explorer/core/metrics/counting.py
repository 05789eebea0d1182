"""Neighbours and ranks inside one block of distance rows of a dense space.

The rank of ``j`` from ``i`` is ``1 + #{l != i : D_il < D_ij}`` (strictly closer points; the
self pair sits at +inf). Neighbour sets follow the tie rule of the reference: the first
``k`` of the points sorted by exact distance, then by index. Exact spaces (integers, or
explicit float64 sums) are compared directly; a :class:`~.distances.FloatSpace` block is only
within ``E_i`` of the reference, so its neighbours come from a few spare candidates checked
exactly, and its counts from two certified thresholds per rank with the values in between
recomputed (:func:`_settle_band`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from .distances import FloatSpace, float32_down, float32_up

#: Extra nearest candidates taken from a float32 block: their exact distances almost always
#: prove that no other point can be among the k nearest (else the exact row is used).
KNN_SPARE = 8

#: Bytes of the comparison mask each counting thread reuses (:func:`count_less_cpu`):
#: small enough to stay in a core's cache.
COUNT_MASK_BYTES = 2**20

#: Rows whose undecided values are gathered at once when settling a band (bounds memory).
SETTLE_ROWS = 128

#: Undecided values per row (besides the neighbour itself) above which a row is counted
#: again from float64 values rather than settled one pair at a time, at
#: :data:`FINE_REFERENCE_N` points (scaled with n, see :func:`fine_limit`).
FINE_LIMIT = 1000

#: The n at which :data:`FINE_LIMIT` applies.
FINE_REFERENCE_N = 70_000

#: Bytes of one chunk of float64 rows counted again (bounds the extra memory).
FINE_ROWS_BYTES = 64 * 2**20


def count_less_cpu(dist: NDArray[Any], thresholds: NDArray[Any], threads: int = 1) -> NDArray[Any]:
    """``out[r, j] = #{m : dist[r, m] < thresholds[r, j]}``.

    After the matrix product this is the CPU hot spot. A few rows are compared with all
    their thresholds at once into a small reused mask (it stays in cache) and the mask is
    summed as bytes: a handful of large NumPy calls instead of two small ones per threshold.
    Those calls release the GIL, so `threads` threads share the rows.
    """
    n_rows, kk = thresholds.shape
    thresholds = thresholds.astype(dist.dtype, copy=False)
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


def count_less(
    block: torch.Tensor, thresholds: NDArray[Any], threads: int, *, torch_loop: bool | None = None
) -> NDArray[np.int64]:
    """:func:`count_less_cpu` for a block on any device (a torch loop off the CPU, or when
    `torch_loop` says so)."""
    if not (block.device.type != "cpu" if torch_loop is None else torch_loop):
        return count_less_cpu(block.numpy(), thresholds, threads)
    t = torch.as_tensor(thresholds, device=block.device).to(block.dtype)
    out = torch.empty(thresholds.shape, dtype=torch.int64, device=block.device)
    for j in range(thresholds.shape[1]):
        out[:, j] = (block < t[:, j : j + 1]).sum(dim=1)
    return out.cpu().numpy()


def _row_order(d: NDArray[Any], ind: NDArray[np.int64]) -> NDArray[np.intp]:
    """Per-row order by value, then by index (the tie rule)."""
    by_index = np.argsort(ind, axis=1, kind="stable")
    by_value = np.argsort(np.take_along_axis(d, by_index, axis=1), axis=1, kind="stable")
    return np.take_along_axis(by_index, by_value, axis=1)


def _first_k(row: NDArray[Any], k: int) -> NDArray[np.int64]:
    """The k smallest entries of one full row by (value, index)."""
    return np.lexsort((np.arange(row.size), row))[:k].astype(np.int64)


def dense_knn(
    space: Any, rows: NDArray[np.intp], block: torch.Tensor, k: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The k nearest neighbours of `rows` (the tie rule) and their k-th exact squared distance."""
    vals, cand = torch.topk(block, candidates(space, k, block.shape[1]), dim=1, largest=False)
    return knn_from_candidates(space, rows, vals.cpu().numpy(), cand.cpu().numpy(), k)


def candidates(space: Any, k: int, n: int) -> int:
    """How many nearest values per row :func:`knn_from_candidates` needs: ``k`` and one more
    to see a tie at the k-th (exact values), or :data:`KNN_SPARE` more (float32 values)."""
    return min(n - 1, k + (KNN_SPARE if isinstance(space, FloatSpace) else 1))


def knn_from_candidates(
    space: Any,
    rows: NDArray[np.intp],
    values: NDArray[Any],
    cand: NDArray[Any],
    k: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The k nearest neighbours of `rows` and their k-th exact value, from the
    :func:`candidates` smallest values of each row (`values`, in the block's precision, any
    order, any choice among equal values at the last place) and their points `cand`."""
    n = space.n
    m = cand.shape[1]
    cand = cand.astype(np.int64)
    if isinstance(space, FloatSpace):
        # Only candidates that can be among the k nearest get exact values: the k smallest
        # D~ have D_ref <= D~_(k) + E, so the k-th exact value is at most that, and a
        # candidate with D~ - E > D~_(k) + E is strictly farther (inf: it sorts last). The
        # bound's factor 1.01 dwarfs the float64 rounding of these sums.
        e = space.bound(rows)[:, None]
        approx = np.sort(values.astype(np.float64), axis=1)
        maybe = values.astype(np.float64) - e <= approx[:, k - 1 : k] + e
        vals = np.full(cand.shape, np.inf)
        vals[maybe] = space.exact(np.repeat(rows, m)[maybe.ravel()], cand[maybe])
        far = approx[:, -1]
    else:
        vals = values.astype(np.float64)
        far = vals.max(axis=1)
    order = _row_order(vals, cand)
    cand = np.take_along_axis(cand, order, axis=1)
    vals = np.take_along_axis(vals, order, axis=1)
    kth = vals[:, k - 1].copy()
    if m == n - 1:
        return np.ascontiguousarray(cand[:, :k]), kth
    if isinstance(space, FloatSpace):
        # Every other point l has D_ref >= D~_l - E >= (m-th smallest D~) - E: strictly
        # beyond the k-th exact value proves the candidates hold the whole answer.
        unsure = np.flatnonzero(far - space.bound(rows) <= kth)
    else:
        # Exact values: only a tie between the k-th and the next candidate can leave out a
        # point of lower index at the same distance.
        unsure = np.flatnonzero(vals[:, k] == kth)
    for r in unsure:
        row = space.row(rows[r])
        first = _first_k(row, k)
        cand[r, :k], kth[r] = first, float(row[first[-1]])
    return np.ascontiguousarray(cand[:, :k]), kth


def dense_penalties(
    space: Any,
    rows: NDArray[np.intp],
    block: torch.Tensor,
    neighbours: NDArray[np.int64],
    kth: NDArray[np.float64],
    k: int,
    threads: int,
) -> NDArray[np.int64]:
    """Per-row ``sum_j max(rank(i, j) - k, 0)`` over ``j`` in ``neighbours`` (another space's).

    A rank exceeds ``k`` exactly when ``D_ij`` is beyond the row's k-th exact value `kth`;
    only those neighbours are counted.
    """
    b, kk = neighbours.shape
    if isinstance(space, FloatSpace):
        t = space.exact(np.repeat(rows, kk), neighbours.ravel()).reshape(b, kk)
    else:
        t = block.gather(1, torch.as_tensor(neighbours, device=block.device)).cpu().numpy()
        t = t.astype(np.float64)
    need = t > kth[:, None]
    if not need.any():
        return np.zeros(b, dtype=np.int64)
    if isinstance(space, FloatSpace):
        closer = _certified_counts(space, rows, block, t, need, neighbours, threads)
    else:
        # Not needed: a threshold nothing is below (distances are >= 0; -1 fits integers).
        closer = count_less(block, np.where(need, t, -1.0), threads)
    return np.where(need, closer + (1 - k), 0).sum(axis=1).astype(np.int64)


def _certified_counts(
    space: FloatSpace,
    rows: NDArray[np.intp],
    block: torch.Tensor,
    t: NDArray[np.float64],
    need: NDArray[np.bool_],
    neighbours: NDArray[np.int64],
    threads: int,
) -> NDArray[np.int64]:
    """``#{l : D_ref_il < t_ij}`` from a float32 block, certified (see :mod:`.distances`).

    ``t_ij`` is the exact distance of neighbour ``neighbours[r, j]`` itself, whose value lies
    in its own band: it is never strictly closer than itself, so it is left out of the band
    rather than recomputed (one pair per threshold, about an eighth of all re-checks).
    Rows whose band still holds more than :func:`fine_limit` values are counted again from
    float64 values in chunks of :data:`FINE_ROWS_BYTES`.
    """
    kk = t.shape[1]
    e = space.bound(rows)[:, None]
    # Not needed: thresholds -inf, counted as 0 and discarded.
    lo = np.where(need, float32_down(t - e), -np.inf).astype(np.float32)
    hi = np.where(need, float32_up(t + e), -np.inf).astype(np.float32)
    both = count_less(block, np.hstack([lo, hi]), threads)
    below, undecided = both[:, :kk], both[:, kk:] - both[:, :kk]
    undecided -= _own_in_band(block, neighbours, lo, hi)
    heavy = undecided.sum(axis=1) > fine_limit(space.n)
    light = np.flatnonzero(~heavy)
    below[light] += _settle_band(
        space, rows[light], block, light, lo[light], hi[light], t[light], undecided[light],
        neighbours[light], space.pair_bound,
    )  # fmt: skip
    heavy_at = np.flatnonzero(heavy)
    below[heavy_at] = fine_counts(
        space, rows[heavy_at], t[heavy_at], need[heavy_at], neighbours[heavy_at], threads
    )
    return below


def fine_counts(
    space: FloatSpace,
    rows: NDArray[np.intp],
    t: NDArray[np.float64],
    need: NDArray[np.bool_],
    neighbours: NDArray[np.int64],
    threads: int,
) -> NDArray[np.int64]:
    """``#{l : D_ref_il < t_ij}`` (where `need`, else 0) from float64 rows: for rows whose
    float32 band holds too many values to recompute one by one, in chunks of
    :data:`FINE_ROWS_BYTES`."""
    kk = t.shape[1]
    below = np.zeros(t.shape, dtype=np.int64)
    step = max(1, FINE_ROWS_BYTES // (8 * space.n))
    for a in range(0, rows.size, step):
        part = np.arange(a, min(rows.size, a + step))
        values = space.fine_block(rows[part])
        e64 = space.fine_bound(rows[part])[:, None]
        lo64 = np.where(need[part], np.nextafter(t[part] - e64, -np.inf), -np.inf)
        hi64 = np.where(need[part], np.nextafter(t[part] + e64, np.inf), -np.inf)
        both = count_less(values, np.hstack([lo64, hi64]), threads)
        band = both[:, kk:] - both[:, :kk] - _own_in_band(values, neighbours[part], lo64, hi64)
        below[part] = both[:, :kk] + _settle_band(
            space, rows[part], values, np.arange(part.size), lo64, hi64, t[part], band,
            neighbours[part], None,
        )  # fmt: skip
        space.fine_blocks += 1
    return below


def fine_limit(n: int) -> float:
    """Undecided values per row above which the row is counted again in float64.

    A re-checked pair costs two gathered rows (~3-4 us measured at 784 columns, loaded
    2-core machine); a float64 row costs its share of a float64 product plus counting,
    ~0.1 us per point (n = 5,000: one row ~0.5 ms). The break-even therefore grows with n.
    """
    return FINE_LIMIT * n / FINE_REFERENCE_N


def _own_in_band(
    values: torch.Tensor, neighbours: NDArray[np.int64], lo: NDArray[Any], hi: NDArray[Any]
) -> NDArray[np.int64]:
    """1 where neighbour ``j``'s own value is in its band ``[lo_j, hi_j)`` (same comparisons
    as :func:`count_less`, so subtracting it from the band's count is exact)."""
    own = values.gather(1, torch.as_tensor(neighbours, device=values.device)).cpu().numpy()
    lo = lo.astype(own.dtype, copy=False)
    hi = hi.astype(own.dtype, copy=False)
    return ((lo <= own) & (own < hi)).astype(np.int64)


def _settle_band(
    space: FloatSpace,
    rows: NDArray[np.intp],
    block: torch.Tensor,
    block_rows: NDArray[np.intp],
    lo: NDArray[Any],
    hi: NDArray[Any],
    t: NDArray[np.float64],
    undecided: NDArray[np.int64],
    neighbours: NDArray[np.int64],
    pair_bound: Callable[[NDArray[np.intp], NDArray[np.intp]], NDArray[np.float64]] | None,
) -> NDArray[np.int64]:
    """How many of the undecided values (``lo <= value < hi``, the neighbour itself left out)
    are below `t`, exactly. Row ``r`` of the arguments is row ``block_rows[r]`` of `block`.

    With `pair_bound`, each value is first tried against its own pair's bound (the row's
    bound assumes the largest norm of all points), and only the rest is recomputed.
    """
    extra = np.zeros(undecided.shape, dtype=np.int64)
    values = block.cpu().numpy() if block.device.type != "cpu" else block.numpy()
    todo = np.flatnonzero((undecided > 0).any(axis=1))
    # A strip of rows is gathered and scanned once for all its bands (one nonzero per strip,
    # not per threshold); each value found is then matched with its bands, and computed
    # exactly once even when it lies in several.
    for a in range(0, todo.size, SETTLE_ROWS):
        part = todo[a : a + SETTLE_ROWS]
        sub = values[block_rows[part]]
        inside = np.zeros(sub.shape, dtype=bool)
        ge, lt = np.empty_like(inside), np.empty_like(inside)
        for j in np.flatnonzero((undecided[part] > 0).any(axis=0)):
            np.greater_equal(sub, lo[part, j, None], out=ge)
            np.less(sub, hi[part, j, None], out=lt)
            ge &= lt
            ge[undecided[part, j] == 0] = False
            inside |= ge
        r, col = np.nonzero(inside)
        extra[part] += settle_found(
            space, rows[part], sub[r, col], r, col, lo[part], hi[part], t[part],
            undecided[part] > 0, neighbours[part], pair_bound,
        )  # fmt: skip
    return extra


def settle_found(
    space: FloatSpace,
    rows: NDArray[np.intp],
    v: NDArray[Any],
    r: NDArray[np.intp],
    col: NDArray[np.intp],
    lo: NDArray[Any],
    hi: NDArray[Any],
    t: NDArray[np.float64],
    open_band: NDArray[np.bool_],
    neighbours: NDArray[np.int64],
    pair_bound: Callable[[NDArray[np.intp], NDArray[np.intp]], NDArray[np.float64]] | None,
) -> NDArray[np.int64]:
    """How many of the values ``v[p]`` (of row ``r[p]``, to point ``col[p]``) lying in a band
    ``lo <= v < hi`` of their row (one whose `open_band` is set; the neighbour itself left
    out) are below its `t`, exactly, per row and threshold. Each value is computed exactly
    once even when it lies in several bands. With `pair_bound`, each value is first tried
    against its own pair's bound (the row's assumes the largest norm of all points)."""
    v = v[:, None]
    own = col[:, None] == neighbours[r]
    band = (v >= lo[r]) & (v < hi[r]) & open_band[r] & ~own
    tt, i_rows = t[r], rows[r]
    if pair_bound is None:
        below, unsure = np.zeros_like(band), band
    else:
        v64, e = v.astype(np.float64), pair_bound(i_rows, col)[:, None]
        below = band & (v64 < tt - e)  # surely closer
        unsure = band & ~below & (v64 < tt + e)
    redo = np.flatnonzero(unsure.any(axis=1))
    exact = space.exact(i_rows[redo], col[redo])[:, None]
    below[redo] |= unsure[redo] & (exact < tt[redo])
    space.settled += redo.size
    extra = np.zeros(t.shape, dtype=np.int64)
    for c in range(t.shape[1]):
        extra[:, c] = np.bincount(r, weights=below[:, c], minlength=t.shape[0]).astype(np.int64)
    return extra
