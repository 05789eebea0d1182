"""Neighbours torn apart: a point's nearest neighbours in one space, ranked in the other.

A projection keeps a neighbourhood when a point's k nearest neighbours in the original space
are also among its nearest in the latent space, and vice versa. Trustworthiness and
continuity summarise that over all points; this module shows it for one point: its neighbours
in one space, their distances in both, and the rank each has in the other space (1 = the
nearest). A neighbour at rank 400 in the latent space has been torn away.

Everything is exact and needs one row of distances per space: O(n * d) time and O(n) memory
beyond the data, about 0.2 s for 70,000 MNIST points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "NeighbourReport",
    "distances_from",
    "latent_neighbours",
    "neighbour_report",
    "original_neighbours",
]

SPACES = ("original", "latent")

#: Bytes of the float64 difference block of one chunk of rows.
_CHUNK_BYTES = 16 * 2**20


def _check_point(n: int, i: object, k: object) -> tuple[int, int]:
    if isinstance(i, bool) or not isinstance(i, int | np.integer) or not 0 <= i < n:
        raise ValueError(f"i ({i!r}) must be a point id in [0, {n - 1}]")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= n - 1:
        raise ValueError(
            f"k ({k!r}) must be an integer in [1, n_samples - 1 = {n - 1}]; pass a smaller k"
        )
    return int(i), int(k)


def distances_from(X: ArrayLike, i: int) -> NDArray[np.float64]:
    """Euclidean distances from row ``i`` of ``X`` to every row, in float64.

    Differences are taken explicitly (not ``|a|^2 + |b|^2 - 2ab``), chunk by chunk, so close
    points are not lost to cancellation and float32 data is never copied whole.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    i : int

    Returns
    -------
    ndarray of shape (n_samples,); entry ``i`` is 0.
    """
    x = np.asarray(X)
    n, d = x.shape
    origin = x[i].astype(np.float64)
    out = np.empty(n, dtype=np.float64)
    step = max(1, _CHUNK_BYTES // (8 * max(d, 1)))
    for lo in range(0, n, step):
        diff = x[lo : lo + step].astype(np.float64) - origin
        out[lo : lo + step] = np.einsum("ij,ij->i", diff, diff)
    return np.sqrt(out, out=out)


def _nearest(dist: NDArray[np.float64], i: int, k: int) -> NDArray[np.int64]:
    """The k smallest entries of ``dist`` other than ``i``; ties broken by the lower id."""
    d = dist.copy()
    d[i] = np.inf
    kth = d[np.argpartition(d, k - 1)[k - 1]]
    # Everything up to the k-th value, so a tie at the boundary is resolved by id, not by
    # argpartition's arbitrary order.
    candidates = np.flatnonzero(d <= kth)
    order = np.lexsort((candidates, d[candidates]))
    return candidates[order[:k]].astype(np.int64)


def _ranks(dist: NDArray[np.float64], i: int, ids: NDArray[np.int64]) -> NDArray[np.int64]:
    """Rank of each of ``ids`` among all points but ``i`` by ``dist``: 1 + points closer."""
    others = np.delete(dist, i)
    others.sort()
    return (np.searchsorted(others, dist[ids], side="left") + 1).astype(np.int64)


def original_neighbours(X: ArrayLike, i: int, *, k: int = 10) -> NDArray[np.int64]:
    """Ids of the ``k`` nearest neighbours of point ``i`` in the original space.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    i : int
        Point id (row number).
    k : int, default=10
        In ``[1, n_samples - 1]``.

    Returns
    -------
    ndarray of shape (k,), int64
        Nearest first, ``i`` itself excluded; equal distances are ordered by id.
    """
    x = np.asarray(X)
    i, k = _check_point(x.shape[0], i, k)
    return _nearest(distances_from(x, i), i, k)


def latent_neighbours(Y: ArrayLike, i: int, *, k: int = 10) -> NDArray[np.int64]:
    """Ids of the ``k`` nearest neighbours of point ``i`` in the latent space.

    Same as :func:`original_neighbours`, on the latent coordinates ``Y`` (n_samples, 2).
    """
    return original_neighbours(Y, i, k=k)


@dataclass(frozen=True, eq=False)
class NeighbourReport:
    """One point's neighbours in one space, measured in both.

    Attributes
    ----------
    ids : ndarray of shape (k,), int64
        The neighbours in ``space``, nearest first.
    distances_original, distances_latent : ndarray of shape (k,), float64
        Their Euclidean distances to the point in each space.
    rank_in_other_space : ndarray of shape (k,), int64
        Their rank in the other space among all other points (1 = nearest; equal distances
        share the best rank). Ranks above ``k`` mark neighbours the projection tore away.
    """

    space: str
    ids: NDArray[np.int64]
    distances_original: NDArray[np.float64]
    distances_latent: NDArray[np.float64]
    rank_in_other_space: NDArray[np.int64]


def neighbour_report(
    X: ArrayLike, Y: ArrayLike, i: int, *, k: int = 10, space: str = "original"
) -> NeighbourReport:
    """Point ``i``'s ``k`` nearest neighbours in ``space`` and their ranks in the other one.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Original data (in the model's units).
    Y : array-like of shape (n_samples, n_components)
        Its latent coordinates.
    i : int
    k : int, default=10
    space : {"original", "latent"}
        Where the neighbours are found.

    Returns
    -------
    NeighbourReport
    """
    x, y = np.asarray(X), np.asarray(Y)
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"Y has {y.shape[0]} rows but X has {x.shape[0]}; pass the same points")
    if space not in SPACES:
        raise ValueError(f"space ({space!r}) must be one of {list(SPACES)}")
    i, k = _check_point(x.shape[0], i, k)
    d_orig, d_lat = distances_from(x, i), distances_from(y, i)
    here, there = (d_orig, d_lat) if space == "original" else (d_lat, d_orig)
    ids = _nearest(here, i, k)
    return NeighbourReport(space, ids, d_orig[ids], d_lat[ids], _ranks(there, i, ids))
