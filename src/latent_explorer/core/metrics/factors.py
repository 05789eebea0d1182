"""The float32 factors of a float space's products, formed in compiled passes over the data.

:class:`~.distances.FloatSpace` multiplies ``[u_i, 1, n_i]`` by ``[-2 u_l, n_l, 1]``, where
``u = fl32(s (x - c))`` is a row centred on the column means ``c`` and scaled by a power of
two ``s`` (so that every ``|u| < 1``), and ``n = fl32(|u|^2)``. Through NumPy that took
three passes over the data with float64 copies of each chunk (0.1-0.2 s at 5,000 x 784,
a fifth of the whole measure); here each pass reads the data once and allocates nothing.

Only the bound depends on these values (see :mod:`.distances`): it holds for whatever
``c`` is, since it is stated for the stored ``u``; ``n`` and ``|u|`` are float64 sums of
the stored ``u``, rounded once, whatever the order of the sum. So no NumPy order has to be
replicated, unlike :mod:`.reference`.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from .scan import compiled


@numba.njit(cache=True, nogil=True)
def _column_means(data, columns):  # type: ignore[no-untyped-def]
    n = data.shape[0]
    mean = np.zeros(columns.size)
    for r in range(n):
        for c in range(columns.size):
            mean[c] += data[r, columns[c]]
    return mean / n


@numba.njit(cache=True, nogil=True)
def _largest_norm(data, columns, mean):  # type: ignore[no-untyped-def]
    largest = 0.0
    for r in range(data.shape[0]):
        sq = 0.0
        for c in range(columns.size):
            d = np.float64(data[r, columns[c]]) - mean[c]
            sq += d * d
        largest = max(largest, sq)
    return math.sqrt(largest)


def _augment(data, columns, mean, scale, order, aug, rnorm):  # type: ignore[no-untyped-def]
    """Row ``a`` of `aug` = ``[-2 u, n, 1]`` of point ``order[a]``; ``rnorm`` by point."""
    dim = columns.size
    for a in numba.prange(order.size):
        r = order[a]
        sq = 0.0
        for c in range(dim):
            u = np.float32((np.float64(data[r, columns[c]]) - mean[c]) * scale)
            aug[a, c] = u * np.float32(-2.0)  # exact: a power of two
            sq += np.float64(u) * np.float64(u)
        aug[a, dim] = np.float32(sq)
        aug[a, dim + 1] = np.float32(1.0)
        rnorm[r] = math.sqrt(sq)


_AUGMENT = compiled(_augment)


def float_factors(
    data: NDArray[Any],
    columns: NDArray[np.intp],
    order: NDArray[np.intp] | None,
    threads: int = 1,
) -> tuple[NDArray[np.float32], NDArray[np.float64], NDArray[np.float64], int]:
    """The right factors ``[-2 u_l, n_l, 1]`` of the points (in `order`, else their own),
    ``|u_i|`` by point, the column means ``c`` and the exponent ``e`` of ``s = 2**-e``."""
    n = data.shape[0]
    columns = np.asarray(columns, dtype=np.int64)
    mean = _column_means(data, columns)
    # Largest centred row norm first, to pick the power-of-two scale s (U < 1).
    norm_max = _largest_norm(data, columns, mean)
    exponent = math.frexp(norm_max)[1] if norm_max > 0 else 0
    aug = np.empty((n, columns.size + 2), dtype=np.float32)
    rnorm = np.empty(n, dtype=np.float64)
    at = np.arange(n, dtype=np.int64) if order is None else np.asarray(order, dtype=np.int64)
    _AUGMENT[threads > 1](data, columns, mean, math.ldexp(1.0, -exponent), at, aug, rnorm)
    return aug, rnorm, mean, exponent
