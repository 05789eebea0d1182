"""Exact trustworthiness and continuity from one pass over blocks of distance rows.

With ``r_X(i, j)`` the rank of ``j`` from ``i`` in `X` (``1 +`` the number of points strictly
closer, ``i`` itself excluded) and ``N_Y(i)`` the ``k`` nearest neighbours of ``i`` in `Y`::

    T = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in N_Y(i)} max(r_X(i, j) - k, 0)

which is scikit-learn's definition; continuity swaps the roles, ``C(X, Y) = T(Y, X)``.

**Tie rule.** Ranks count strictly closer points, and a neighbour set is the first ``k``
points by exact distance, then by index. Every value equals that of a float64 reference
computed from direct pairwise distances ``((x_i - x_j) ** 2).sum()`` (for 8-bit data: of the
8-bit levels, see :func:`~.distances.eight_bit_codes`), ties and near-ties included. On
tie-free data that is scikit-learn's value too; where distances tie exactly, scikit-learn
orders them by its argsort, and the two can differ by about 1e-5.

**The pass.** Points are visited in a seeded random order, a strip of rows at a time
(``strip x n`` memory, never ``n x n``). On a CPU with a high-dimensional `X` and projections
of at most 3 columns (the usual case) the pass is symmetric (:mod:`.triangle`): each strip
forms one tile of the upper triangle of `X`'s distances (:mod:`.distances`: exact integers
for 8-bit data, certified float32 for other data), a compiled scan (:mod:`.scan`) takes its
rows' and its columns' counts and neighbour candidates, and the projections are served by a
KD-tree (:mod:`.plane`). Otherwise (a GPU, or projections with more columns) every dense
space forms whole rows of a block, takes its rows' neighbours and counts the ranks of the
other space's neighbours (:mod:`.counting`). After each strip or block the rows done give
unbiased estimates with a 95 % interval (:mod:`.progress`), reported through
``on_progress``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray

from .counting import dense_knn, dense_penalties
from .distances import ExplicitSpace, FloatSpace
from .eight_bit import IntegerSpace, eight_bit_codes
from .plane import PlaneSpace
from .progress import ProgressCallback, local_values, point_scale, tc_estimates
from .triangle import TriangleSweep, strip_rows, work_done
from .validation import (
    _as_matrix,
    _check_int,
    _check_same_rows,
    _check_tc_neighbors,
    _resolve_device,
)

#: Bytes allowed for one ``(block_size, n)`` distance buffer when ``block_size`` is automatic.
#: Each dense space owns one such buffer, reused for every block; on CPU only the
#: high-dimensional side is dense, so the working set is about this plus the data.
BLOCK_BUDGET_BYTES = 256 * 2**20

#: Spaces with at most this many columns are "low-dimensional": on CPU they are served by a
#: KD-tree, elsewhere by explicit float64 sums of squared differences.
LOW_DIM = 3

#: Seed of the order in which rows are visited (the estimates' random sample).
ORDER_SEED = 0


# eq=False: the optional arrays would make == raise instead of answering.
@dataclass(frozen=True, eq=False)
class TCResult:
    """Trustworthiness and continuity of one projection.

    Attributes
    ----------
    trustworthiness : float
        Global trustworthiness ``T`` in ``[0, 1]``.
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


Space = PlaneSpace | IntegerSpace | FloatSpace | ExplicitSpace


def _make_space(
    data: NDArray[Any], device: torch.device, threads: int, order: NDArray[np.intp] | None = None
) -> Space:
    """The space that serves `data`; a dense one stores its points in `order` if given."""
    if data.shape[1] <= LOW_DIM:
        if device.type == "cpu":
            return PlaneSpace(np.asarray(data, dtype=np.float64), threads)
        return ExplicitSpace(data, device)
    codes = eight_bit_codes(data)
    if codes is not None:
        return IntegerSpace(codes, device, order, threads)
    return FloatSpace(data, device, order, threads)


def _bytes_per_value(space: Space) -> int:
    if isinstance(space, PlaneSpace):
        return 0
    if isinstance(space, IntegerSpace):
        return 8
    return space.dtype.itemsize


def _auto_block_size(n: int, itemsize: int = 4) -> int:
    return max(1, min(n, BLOCK_BUDGET_BYTES // (itemsize * n)))


@contextlib.contextmanager
def _full_precision(threads: int | None) -> Iterator[None]:
    """float32 products in full float32 (no TF32/bf16 shortcuts: the bound assumes it), and
    `threads` torch and scan threads (the current torch setting when None), for the
    duration of a pass."""
    old_threads = torch.get_num_threads()
    old_precision = torch.get_float32_matmul_precision()
    old_tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.set_float32_matmul_precision("highest")
    torch.backends.cuda.matmul.allow_tf32 = False
    # The compiled scan (:mod:`.scan`) runs on as many threads as torch, never more; with
    # one it runs serially and Numba's thread pool is never started.
    scan_threads = min(numba.config.NUMBA_NUM_THREADS, threads or old_threads)  # type: ignore[attr-defined]
    old_scan_threads = numba.get_num_threads() if scan_threads > 1 else None
    if old_scan_threads is not None:
        numba.set_num_threads(scan_threads)
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if old_scan_threads is not None:
            numba.set_num_threads(old_scan_threads)
        torch.set_num_threads(old_threads)
        torch.set_float32_matmul_precision(old_precision)
        torch.backends.cuda.matmul.allow_tf32 = old_tf32


def _tc_penalties_triangle(
    x: NDArray[Any],
    ys: Sequence[NDArray[np.float64]],
    k: int,
    block_size: int | None,
    n_threads: int,
    on_progress: ProgressCallback | None = None,
    single: bool = False,
) -> list[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """:func:`_tc_penalties_many` for the usual case on a CPU, a high-dimensional `x` and
    projections of at most :data:`LOW_DIM` columns, by the symmetric pass of
    :mod:`.triangle`: half the matrix products of whole rows, the same numbers."""
    n = x.shape[0]
    order = np.random.default_rng(ORDER_SEED).permutation(n)
    space = _make_space(x, torch.device("cpu"), n_threads, order)
    assert isinstance(space, IntegerSpace | FloatSpace)
    planes = [PlaneSpace(np.asarray(y, dtype=np.float64), n_threads) for y in ys]
    known = [plane.knn(k) for plane in planes]
    # One buffer of tiles (4 bytes per value); the transposes and products go by columns.
    bs = strip_rows(n, 4, BLOCK_BUDGET_BYTES) if block_size is None else min(block_size, n)
    sweep = TriangleSweep(space, np.hstack([nn for nn, _ in known]), k, bs, n_threads)
    pen_t = [np.zeros(n, dtype=np.int64) for _ in ys]
    pen_c = [np.zeros(n, dtype=np.int64) for _ in ys]
    started = time.perf_counter()
    with torch.inference_mode():
        for lo in range(0, n, bs):
            hi = min(n, lo + bs)
            rows, nn_x, _, closer = sweep.strip(lo, hi)
            for s, plane in enumerate(planes):
                excess = closer[:, s * k : (s + 1) * k] + (1 - k)
                pen_t[s][rows] = np.maximum(excess, 0).sum(axis=1)
                pen_c[s][rows] = plane.penalties(rows, nn_x, known[s][1][rows], k)
            if on_progress is not None:
                elapsed = time.perf_counter() - started
                share = work_done(hi, n)
                estimates = [
                    tc_estimates(pen_t[s], pen_c[s], order[:hi], rows, n, k, elapsed, share)
                    for s in range(len(ys))
                ]
                on_progress(hi, n, estimates[0] if single else estimates)
    return list(zip(pen_t, pen_c, strict=True))


def _tc_penalties_many(
    x: NDArray[Any],
    ys: Sequence[NDArray[np.float64]],
    k: int,
    block_size: int | None,
    device: torch.device,
    n_threads: int,
    on_progress: ProgressCallback | None = None,
    single: bool = False,
) -> list[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """Per-point rank penalties ``(trustworthiness, continuity)`` of each projection in `ys`.

    ``pen_t[i]`` sums the excess ranks in `x` of the neighbours of ``i`` in ``y``;
    ``pen_c`` swaps the spaces. The pass over `x` (the matrix product, the expensive part)
    is shared, so a Submit's before/after tables cost little more than one measurement.
    Each space is handled by its own kind regardless of its role, so swapping `x` and a
    single `y` swaps the results exactly.
    """
    n = x.shape[0]
    spaces: list[Space] = [_make_space(data, device, n_threads) for data in (x, *ys)]
    nn = [np.zeros((n, k), dtype=np.int64) for _ in spaces]
    kth = [np.zeros(n) for _ in spaces]
    for s, space in enumerate(spaces):
        if isinstance(space, PlaneSpace):
            nn[s], kth[s] = space.knn(k)
    # Space 0 is x; space s >= 1 is ys[s - 1]. Ranks in x use each projection's neighbours
    # (trustworthiness); ranks in a projection use x's (continuity).
    pairs = [(0, s) for s in range(1, len(spaces))] + [(s, 0) for s in range(1, len(spaces))]
    pen = {pair: np.zeros(n, dtype=np.int64) for pair in pairs}
    dense = [s for s, space in enumerate(spaces) if not isinstance(space, PlaneSpace)]

    # Bytes per buffered value; an integer space also keeps a float32 buffer of products.
    itemsize = sum(_bytes_per_value(spaces[s]) for s in dense) or 4
    bs = _auto_block_size(n, itemsize) if block_size is None else min(block_size, n)
    whole = bs >= n
    order = np.arange(n) if whole else np.random.default_rng(ORDER_SEED).permutation(n)
    buffers = {
        s: torch.empty(bs, n, dtype=spaces[s].dtype, device=device)  # type: ignore[union-attr]
        for s in dense
    }
    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, n, bs):
            rows = np.sort(order[start : start + bs])
            blocks: dict[int, torch.Tensor] = {}
            for s in dense:
                space = spaces[s]
                assert not isinstance(space, PlaneSpace)
                out = buffers[s][: rows.size]
                blocks[s] = space.block(None if whole else rows, out)
                nn[s][rows], kth[s][rows] = dense_knn(space, rows, blocks[s], k)
            for ranked, other in pairs:
                space = spaces[ranked]
                if isinstance(space, PlaneSpace):
                    found = space.penalties(rows, nn[other][rows], kth[ranked][rows], k)
                else:
                    found = dense_penalties(
                        space, rows, blocks[ranked], nn[other][rows], kth[ranked][rows], k,
                        n_threads,
                    )  # fmt: skip
                pen[(ranked, other)][rows] = found
            if on_progress is not None:
                done = order[: start + rows.size]
                elapsed = time.perf_counter() - started
                estimates = [
                    tc_estimates(pen[(0, s)], pen[(s, 0)], done, rows, n, k, elapsed)
                    for s in range(1, len(spaces))
                ]
                on_progress(done.size, n, estimates[0] if single else estimates)
    return [(pen[(0, s)], pen[(s, 0)]) for s in range(1, len(spaces))]


def _result(pen_t: NDArray[np.int64], pen_c: NDArray[np.int64], n: int, k: int, per_point: bool):
    # Same expression and operation order as scikit-learn, so the floats agree bit for bit.
    total_scale = 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0))
    t = 1.0 - float(pen_t.sum()) * total_scale
    c = 1.0 - float(pen_c.sum()) * total_scale
    if not per_point:
        return TCResult(t, c)
    scale = point_scale(n, k)
    return TCResult(t, c, local_values(pen_t, scale), local_values(pen_c, scale))


def trustworthiness_continuity(
    X: ArrayLike,
    Y: ArrayLike,
    *,
    n_neighbors: int = 7,
    block_size: int | None = None,
    device: str | torch.device | None = None,
    per_point: bool = False,
    n_threads: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> TCResult:
    """Exact trustworthiness and continuity of the projection `Y` of `X` (see the module).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        High-dimensional data (float32 input is used without a float64 copy).
    Y : array-like of shape (n_samples, n_components)
        Its projection, usually ``n_components=2``; any width >= 1 is accepted.
    n_neighbors : int, default=7
        Neighbourhood size ``k``; must satisfy ``1 <= k < n_samples / 2``.
    block_size : int, optional
        Rows per block. By default one ``(block_size, n_samples)`` buffer takes about
        256 MiB; the working set is that buffer plus the data.
    device : {"cpu", "cuda"} or torch.device, optional
        Where the distance blocks are computed. Default: CUDA when available, else CPU.
    per_point : bool, default=False
        Also return the per-point values ``t_i`` and ``c_i``.
    n_threads : int, optional
        If given, torch's intra-op thread count for this call (restored afterwards) and the
        number of counting threads. By default the current torch setting is used.
    on_progress : callable, optional
        ``on_progress(rows_done, rows_total, estimates)`` after every block, with a
        :class:`~.progress.TCEstimates` (estimates with 95 % intervals, an ETA and the
        finished rows' exact per-point values).

    Returns
    -------
    TCResult
        With ``per_point=True`` also ``t_i = 1 - 2 / (k (2n - 3k - 1)) * sum_{j in N_Y(i)}
        max(r_X(i, j) - k, 0)`` (likewise ``c_i``), whose means are ``T`` and ``C``.

    Raises
    ------
    ValueError
        On arrays that are not 2-D, have different row counts or contain NaN/inf, on
        ``n_neighbors`` outside ``[1, n_samples / 2)``, a bad ``block_size`` or
        ``n_threads``, or an unavailable device.
    """
    return _measure(
        X, [Y], ["Y"], n_neighbors, block_size, device, per_point, n_threads, on_progress, True
    )[0]


def trustworthiness_continuity_many(
    X: ArrayLike,
    Ys: Sequence[ArrayLike],
    *,
    n_neighbors: int = 7,
    block_size: int | None = None,
    device: str | torch.device | None = None,
    per_point: bool = False,
    n_threads: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> list[TCResult]:
    """:func:`trustworthiness_continuity` of several projections of `X`, sharing one pass.

    `on_progress` receives a list of estimates, one per projection. Returns one
    :class:`TCResult` per projection, equal to separate calls.
    """
    if len(Ys) == 0:
        raise ValueError("Ys must hold at least one projection; pass [Y]")
    names = [f"Ys[{i}]" for i in range(len(Ys))]
    return _measure(
        X, Ys, names, n_neighbors, block_size, device, per_point, n_threads, on_progress, False
    )


def _measure(
    X: ArrayLike,
    Ys: Sequence[ArrayLike],
    names: list[str],
    n_neighbors: int,
    block_size: int | None,
    device: str | torch.device | None,
    per_point: bool,
    n_threads: int | None,
    on_progress: ProgressCallback | None,
    single: bool,
) -> list[TCResult]:
    x = _as_matrix("X", X, keep_float32=True)
    n = x.shape[0]
    ys = [_as_matrix(name, y) for name, y in zip(names, Ys, strict=True)]
    for name, y in zip(names, ys, strict=True):
        _check_same_rows(name, y, n)
    k = _check_tc_neighbors(n_neighbors, n)
    bs = None if block_size is None else _check_int("block_size", block_size, minimum=1)
    dev = _resolve_device(device)
    if n_threads is not None:
        n_threads = _check_int("n_threads", n_threads, minimum=1)
    threads = n_threads or torch.get_num_threads()
    with _full_precision(n_threads):
        if dev.type == "cpu" and x.shape[1] > LOW_DIM and all(y.shape[1] <= LOW_DIM for y in ys):
            found = _tc_penalties_triangle(x, ys, k, bs, threads, on_progress, single)
        else:
            found = _tc_penalties_many(x, ys, k, bs, dev, threads, on_progress, single)
    return [_result(pen_t, pen_c, n, k, per_point) for pen_t, pen_c in found]


def trustworthiness(X: ArrayLike, Y: ArrayLike, *, n_neighbors: int = 7, **kw: Any) -> float:
    """Exact trustworthiness of `Y` as a projection of `X`.

    ``**kw`` goes to :func:`trustworthiness_continuity` (``block_size``, ``device``,
    ``n_threads``). Equals ``sklearn.manifold.trustworthiness`` on data without tied distances.
    """
    return trustworthiness_continuity(X, Y, n_neighbors=n_neighbors, **kw).trustworthiness


def continuity(X: ArrayLike, Y: ArrayLike, *, n_neighbors: int = 7, **kw: Any) -> float:
    """Exact continuity of `Y` as a projection of `X`, i.e. ``trustworthiness(Y, X)``."""
    return trustworthiness_continuity(X, Y, n_neighbors=n_neighbors, **kw).continuity
