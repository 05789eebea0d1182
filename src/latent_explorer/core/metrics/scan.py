"""One pass over rows of distances that takes everything the ranks need from them.

For each of its points (a row of a tile, or a row of a tile's transpose: the later points'
side of the symmetric pass) the pass needs three things from the values:

- how many lie strictly below each threshold ``lo_j`` (the counts of the ranks);
- which lie in a band ``lo_j <= v < hi_j`` (float32 values the bound cannot decide; none
  for exact values);
- which are among its m nearest so far (its candidates, kept sorted in place).

NumPy needs a full pass over the tile per threshold and per question; at 70,000 points
those passes cost more than the matrix products. This loop is compiled by Numba and runs
over rows in parallel. Each block of a row (in L1 cache) is compared with one threshold at
a time, branch-free, so the compares vectorise; candidates are inserted in place (after a
point's first values, few beat its largest one); the few values in bands are kept in a
small per-point buffer, and only a point with more than :data:`LISTED_CAP` of them is
scanned again. The comparisons are made in the values' own type (int32 or float32), the
same comparisons as :func:`~.counting.count_less_cpu`.
"""

from __future__ import annotations

import types
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

#: Values of a row compared with every threshold before the next ones (16 KiB of int32 or
#: float32: in L1 cache, measured 0.75 against 1.2-2.2 ns per value for whole rows).
ROW_BLOCK = 4096

#: Places per point for values in a band; a point with more (crowded bands) is listed
#: again by a second scan of its values alone.
LISTED_CAP = 64


@numba.njit(cache=True, nogil=True, inline="always")
def _insert(cand_v, cand_p, i, v, point):  # type: ignore[no-untyped-def]
    """Put `v` (to `point`) among point i's candidates, kept sorted; the largest drops out."""
    pos = cand_v.shape[1] - 1
    while pos > 0 and cand_v[i, pos - 1] > v:
        cand_v[i, pos] = cand_v[i, pos - 1]
        cand_p[i, pos] = cand_p[i, pos - 1]
        pos -= 1
    cand_v[i, pos] = v
    cand_p[i, pos] = point


def _rows_count(values, points, lo, hi, banded, cand_v, cand_p, below, band, cap, kept, listed):  # type: ignore[no-untyped-def]
    b, w = values.shape
    kk = lo.shape[1]
    m = cand_v.shape[1]
    banded_j = np.zeros((b, kk), dtype=np.bool_)  # per row: thresholds with a band value
    for i in numba.prange(b):
        marks = np.empty(ROW_BLOCK, dtype=np.uint8)
        g = cand_v[i, m - 1]
        count = 0
        row = values[i]
        for c0 in range(0, w, ROW_BLOCK):
            c1 = min(w, c0 + ROW_BLOCK)
            # A slice indexed from 0: the compares vectorise (2-D indexing did not).
            part = row[c0:c1]
            found = False
            for j in range(kk):
                t = lo[i, j]
                s = np.int32(0)
                for col in range(c1 - c0):
                    s += np.int32(part[col] < t)
                below[i, j] += s
                banded_j[i, j] = False
                if banded:
                    t = hi[i, j]
                    s2 = np.int32(0)
                    for col in range(c1 - c0):
                        s2 += np.int32(part[col] < t)
                    band[i, j] += s2 - s
                    if s2 > s:
                        banded_j[i, j] = True
                        found = True
            for col in range(c0, c1):
                if values[i, col] < g:
                    _insert(cand_v, cand_p, i, values[i, col], points[col])
                    g = cand_v[i, m - 1]
            if found:
                # Values in a band (rare): marked branch-free, one band that holds some at a
                # time, then listed (each value once, even in two bands).
                mark = marks[: c1 - c0]
                mark[:] = 0
                for j in range(kk):
                    if banded_j[i, j]:
                        lo_j = lo[i, j]
                        hi_j = hi[i, j]
                        for col in range(c1 - c0):
                            v = part[col]
                            mark[col] |= np.uint8(lo_j <= v) & np.uint8(v < hi_j)
                for col in range(c0, c1):
                    if mark[col - c0]:
                        if count < cap:
                            kept[i, count] = col
                        count += 1
        listed[i] = count


def _rows_list(values, lo, hi, rows, starts, out_r, out_c):  # type: ignore[no-untyped-def]
    w = values.shape[1]
    kk = lo.shape[1]
    for p in numba.prange(rows.size):
        i = rows[p]
        at = starts[p]
        for col in range(w):
            v = values[i, col]
            for j in range(kk):
                if lo[i, j] <= v and v < hi[i, j]:
                    out_r[at] = i
                    out_c[at] = col
                    at += 1
                    break


def compiled(function: Any) -> tuple[Any, Any]:
    """`function` compiled twice: for the calling thread alone (``prange`` is ``range``), and
    across Numba's threads. One thread (the tests' and the server's setting) never starts
    Numba's thread pool, so processes forked later and concurrent callers are safe. The
    serial copy has its own name, hence its own on-disk cache entry."""
    serial = types.FunctionType(function.__code__, function.__globals__, function.__name__)
    serial.__qualname__ = function.__qualname__ + "_serial"
    return (
        numba.njit(cache=True, nogil=True)(serial),
        numba.njit(parallel=True, cache=True, nogil=True)(function),
    )


_ROWS_COUNT = compiled(_rows_count)
_ROWS_LIST = compiled(_rows_list)


def scan(
    values: NDArray[Any],
    points: NDArray[np.int64],
    lo: NDArray[Any],
    hi: NDArray[Any] | None,
    cand_v: NDArray[Any],
    cand_p: NDArray[np.int64],
    below: NDArray[np.int64],
    parallel: bool = False,
) -> tuple[NDArray[np.int64], NDArray[np.intp], NDArray[np.intp]]:
    """Scan the rows of `values` (C-contiguous; column ``c`` is the distance to
    ``points[c]``).

    ``lo``, ``hi`` (rows x thresholds; ``hi`` None for exact values: no bands) are in the
    values' type. Adds the counts below ``lo`` to `below`, keeps each row's m nearest
    candidates in `cand_v` / `cand_p` (sorted by value; unfilled places hold a value above
    every distance) and returns ``(band, r, c)``: per row and threshold how many values
    lie in its band, and those values (row ``r[p]``, column ``c[p]``), each once, by row
    then column.
    """
    dtype = values.dtype
    banded = hi is not None
    lo = np.ascontiguousarray(lo, dtype=dtype)
    hi = lo if hi is None else np.ascontiguousarray(hi, dtype=dtype)
    rows = lo.shape[0]
    band = np.zeros(lo.shape, dtype=np.int64)
    listed = np.zeros(rows, dtype=np.int64)
    kept = np.empty((rows, LISTED_CAP), dtype=np.intp)
    _ROWS_COUNT[parallel](
        values, points, lo, hi, banded, cand_v, cand_p, below, band, LISTED_CAP, kept, listed
    )
    fits = listed <= LISTED_CAP
    r = np.repeat(np.arange(rows), np.where(fits, listed, 0))
    c = kept[np.arange(LISTED_CAP) < np.where(fits, listed, 0)[:, None]]
    over = np.flatnonzero(~fits)
    if over.size:
        # Rows with more values in bands than places: list them again in full.
        starts = np.cumsum(listed[over]) - listed[over]
        more_r = np.empty(int(listed[over].sum()), dtype=np.intp)
        more_c = np.empty_like(more_r)
        _ROWS_LIST[parallel](values, lo, hi, over, starts, more_r, more_c)
        r, c = np.concatenate([r, more_r]), np.concatenate([c, more_c])
        order = np.argsort(r, kind="stable")
        r, c = r[order], c[order]
    return band, r, c
