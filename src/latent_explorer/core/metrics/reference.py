"""The reference squared distances of pairs, bit for bit, without NumPy's gathers.

Exact ranks are decided against the float64 reference ``((x_i - x_j) ** 2).sum()``: every
value a bound cannot decide, every threshold and every candidate neighbour is computed
that way. Through NumPy each pair gathers float64 copies of two rows first (about 2 us for
784 columns; 100,000 pairs at n = 5,000 took a fifth of the whole measure). The compiled
loop here reads the rows in place and does the same arithmetic: each difference in
float64, squared, then summed in *NumPy's own order*. NumPy reduces a contiguous row by
pairwise summation (``pairwise_sum`` in its ``loops_utils.h``): rows of fewer than 8 terms
from left to right; up to 128 terms in 8 interleaved partial sums, combined as
``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))``, then the remainder; longer rows
split at half (rounded down to a multiple of 8) and the halves' sums added; the reduction
starts from 0. :func:`_summation_program` lays out that tree for a row's width once, and
the compiled loop follows it for every pair, so the values are identical.

That order is NumPy's implementation, not its promise. So before the compiled loop is
used, :func:`_replica_agrees` compares it with NumPy on rows of every structural length
(below 8, the 8-blocks, 128, the splits), once per process; if a NumPy version ever sums
differently, :func:`exact_sqdist` keeps to NumPy itself and stays exact, only slower.
"""

from __future__ import annotations

import functools
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from .scan import compiled

#: Bytes per chunk of the float64 rows gathered on NumPy's path: small enough to stay in a
#: core's cache (1 MiB took 0.06 s for 35,000 pairs of 784 columns, 16 MiB 0.16 s).
EXACT_CHUNK_BYTES = 2**20

#: Pairs per parallel task of the compiled loop.
PAIRS_PER_TASK = 256


@functools.cache
def _summation_program(width: int) -> NDArray[np.int64]:
    """NumPy's summation tree of a row of `width` terms, in post-order: ``(lo, n)`` sums
    terms ``lo:lo + n`` as one block (:func:`_block_sum`), ``(-1, 0)`` adds the last two sums."""
    ops: list[tuple[int, int]] = []

    def split(lo: int, n: int) -> None:
        if n <= 128:
            ops.append((lo, n))
            return
        half = n // 2
        half -= half % 8
        split(lo, half)
        split(lo + half, n - half)
        ops.append((-1, 0))

    split(0, width)
    return np.array(ops, dtype=np.int64)


@numba.njit(cache=True, nogil=True, inline="always")
def _block_sum(a, lo, n):  # type: ignore[no-untyped-def]
    """NumPy's sum of ``a[lo:lo + n]`` for ``n <= 128`` (see the module)."""
    if n < 8:
        res = 0.0
        for c in range(lo, lo + n):
            res += a[c]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    end = lo + n - n % 8
    for c in range(lo + 8, end, 8):
        r0 += a[c]
        r1 += a[c + 1]
        r2 += a[c + 2]
        r3 += a[c + 3]
        r4 += a[c + 4]
        r5 += a[c + 5]
        r6 += a[c + 6]
        r7 += a[c + 7]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for c in range(end, lo + n):
        res += a[c]
    return res


def _pairs(x, i, j, program, out):  # type: ignore[no-untyped-def]
    """``out[p]`` = the reference squared distance of ``(i[p], j[p])``: the squared float64
    differences, then NumPy's summation `program` over them (from 0, as its reduction)."""
    width = x.shape[1]
    tasks = (i.shape[0] + PAIRS_PER_TASK - 1) // PAIRS_PER_TASK
    for task in numba.prange(tasks):
        terms = np.empty(width)
        sums = np.empty(program.shape[0])
        for p in range(task * PAIRS_PER_TASK, min(i.shape[0], (task + 1) * PAIRS_PER_TASK)):
            a, b = x[i[p]], x[j[p]]
            for c in range(width):
                d = np.float64(a[c]) - np.float64(b[c])
                terms[c] = d * d
            top = 0
            for op in range(program.shape[0]):
                if program[op, 0] >= 0:
                    sums[top] = _block_sum(terms, program[op, 0], program[op, 1])
                    top += 1
                else:
                    top -= 1
                    sums[top - 1] = sums[top - 1] + sums[top]
            out[p] = 0.0 + sums[0]


_PAIRS = compiled(_pairs)


def _numpy_sqdist(x: NDArray[Any], i: NDArray[np.intp], j: NDArray[np.intp]) -> NDArray[np.float64]:
    """The reference through NumPy itself: float64 copies of the rows, then their sums."""
    out = np.empty(i.shape[0], dtype=np.float64)
    step = max(1, EXACT_CHUNK_BYTES // (8 * max(1, x.shape[1])))
    for a in range(0, i.shape[0], step):
        diff = x[i[a : a + step]].astype(np.float64)
        diff -= x[j[a : a + step]]
        diff *= diff
        out[a : a + step] = diff.sum(axis=1)
    return out


@functools.cache
def _replica_agrees() -> bool:
    """Whether the compiled loop gives this NumPy's values bit for bit (checked once)."""
    rng = np.random.default_rng(0)
    for width in (1, 5, 7, 8, 9, 15, 16, 100, 127, 128, 129, 136, 255, 256, 257, 784, 1000):
        for dtype in (np.float32, np.float64):
            x = (rng.random((40, width)) ** 3 * rng.random((40, 1)) * 1e3).astype(dtype)
            i = rng.integers(0, 40, 200)
            j = rng.integers(0, 40, 200)
            got = np.empty(i.size)
            _PAIRS[0](x, i, j, _summation_program(width), got)
            if not np.array_equal(got, _numpy_sqdist(x, i, j)):
                return False
    return True


def exact_sqdist(
    x: NDArray[Any], i: NDArray[np.intp], j: NDArray[np.intp], threads: int = 1
) -> NDArray[np.float64]:
    """The reference squared distances ``((x[i[p]] - x[j[p]]) ** 2).sum()`` in float64.

    Rows are converted to float64 and summed in NumPy's order, the same arithmetic as
    ``((X[i] - X) ** 2).sum(axis=1)`` on a float64 copy of ``X``, so the values are that
    reference's bit for bit. `threads` > 1 splits the pairs among Numba's threads.
    """
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    fast = x.dtype in (np.float32, np.float64) and x.flags.c_contiguous and x.ndim == 2
    if not (fast and x.shape[1] > 0 and _replica_agrees()):
        return _numpy_sqdist(x, i, j)
    out = np.empty(i.shape[0], dtype=np.float64)
    _PAIRS[threads > 1](x, i, j, _summation_program(x.shape[1]), out)
    return out
