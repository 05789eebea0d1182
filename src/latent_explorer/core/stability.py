"""How stable a latent layout is across seeds: Procrustes alignment and per-point stability.

An autoencoder's 2-D layout changes with the seed even when it tells the same story: a
rotation, a mirror image, another size or position is the same map. :func:`procrustes` removes
exactly those (rotation, reflection, uniform scale, translation; orthogonal Procrustes via
:func:`scipy.linalg.orthogonal_procrustes`), so what is left between two seeds is real change.

Two per-point measures then say which regions of the map are stable (both are colour modes and
each has a summary number):

- **displacement**: how far a point lands from its place in the first repeat after alignment,
  in units of the first layout's scale (its RMS distance from the centroid), averaged over the
  other repeats. 0 = the same place; 1 = as far as a typical point is from the centre.
- **neighbour agreement**: the Jaccard index of a point's k nearest latent neighbours in two
  repeats, averaged over all pairs of repeats. 1 = the same neighbours in every seed. It needs
  no alignment (a similarity transform keeps every neighbour), so it checks the first measure.

Neighbours are exact: by distance, ties to the lower index, never the point itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from scipy.linalg import orthogonal_procrustes
from scipy.spatial import cKDTree

__all__ = [
    "Alignment",
    "StabilityReport",
    "align_repeats",
    "displacement",
    "knn_indices",
    "layout_scale",
    "neighbour_agreement",
    "procrustes",
    "stability_report",
]

#: Neighbours compared by :func:`neighbour_agreement` by default (the k of trustworthiness).
AGREEMENT_NEIGHBORS = 7
# Candidates fetched beyond k so that ties at the k-th distance are usually settled without a
# brute-force pass; rows whose tie group runs past them are recomputed exactly.
_SPARE_CANDIDATES = 8


@dataclass(frozen=True)
class Alignment:
    """A similarity transform ``aligned = scale * coords @ rotation + translation``.

    Attributes
    ----------
    rotation : numpy.ndarray
        (2, 2) orthogonal matrix; determinant -1 when it includes a reflection.
    scale : float
    translation : numpy.ndarray
        (2,)
    aligned : numpy.ndarray
        float64 (n, 2): the transformed coordinates.
    residual : float
        RMS distance between `aligned` and the reference, over the reference's
        :func:`layout_scale` (0 when the layouts agree up to the transform).
    """

    rotation: np.ndarray
    scale: float
    translation: np.ndarray
    aligned: np.ndarray
    residual: float

    @property
    def reflected(self) -> bool:
        """Whether the transform mirrors the layout."""
        return bool(np.linalg.det(self.rotation) < 0)

    def apply(self, coords: np.ndarray) -> np.ndarray:
        """Transform other coordinates of the same layout the same way."""
        return self.scale * np.asarray(coords, dtype=np.float64) @ self.rotation + self.translation


def layout_scale(coords: np.ndarray) -> float:
    """RMS distance of the points from their centroid: the unit of :func:`displacement`."""
    c = np.asarray(coords, dtype=np.float64)
    return float(np.sqrt(np.mean(np.sum((c - c.mean(axis=0)) ** 2, axis=1))))


def procrustes(
    coords: np.ndarray, reference: np.ndarray, *, reflection: bool = True, scaling: bool = True
) -> Alignment:
    """Align `coords` to `reference` by rotation, reflection, uniform scale and translation.

    Minimises ``||scale * coords @ R + t - reference||`` (Frobenius) over orthogonal R, scale
    and t: centre both, R from the SVD of their cross-product (orthogonal Procrustes), then the
    least-squares scale ``trace(S) / ||coords_centred||^2``.

    Parameters
    ----------
    coords, reference : array_like
        Shape (n, d), the same points in the same order.
    reflection : bool, optional
        Allow a mirror image (det R = -1). False restricts R to rotations.
    scaling : bool, optional
        Allow a uniform scale; False keeps 1.

    Returns
    -------
    Alignment
    """
    Y = np.asarray(coords, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    if Y.shape != ref.shape or Y.ndim != 2 or len(Y) < 2:
        raise ValueError(
            f"coords {Y.shape} and reference {ref.shape} must be the same points: equal "
            "shapes (n, d) with n >= 2"
        )
    y_mean, ref_mean = Y.mean(axis=0), ref.mean(axis=0)
    Yc, refc = Y - y_mean, ref - ref_mean
    norm = float(np.sum(Yc**2))
    if norm == 0.0:
        raise ValueError("coords put every point in one place: there is no layout to align")
    if reflection:
        R, singular_sum = orthogonal_procrustes(Yc, refc)
    else:
        # The closest rotation: flip the last singular direction when the best fit mirrors.
        U, S, Vt = np.linalg.svd(Yc.T @ refc)
        sign = np.ones(len(S))
        sign[-1] = np.sign(np.linalg.det(U @ Vt)) or 1.0
        R, singular_sum = (U * sign) @ Vt, float(np.sum(S * sign))
    scale = float(singular_sum) / norm if scaling else 1.0
    translation = ref_mean - scale * y_mean @ R
    aligned = scale * Y @ R + translation
    unit = layout_scale(ref)
    rms = float(np.sqrt(np.mean(np.sum((aligned - ref) ** 2, axis=1))))
    return Alignment(R, scale, translation, aligned, rms / unit if unit > 0 else float("inf"))


def align_repeats(latents: Sequence[np.ndarray], **options: bool) -> list[Alignment]:
    """Align every repeat's latents to the first (the first gets the identity).

    Parameters
    ----------
    latents : sequence of array_like
        N arrays of shape (n, 2): the same points under N seeds.
    **options
        `reflection`, `scaling`: as in :func:`procrustes`.
    """
    if len(latents) < 1:
        raise ValueError("latents is empty: give at least one repeat")
    reference = np.asarray(latents[0], dtype=np.float64)
    return [procrustes(coords, reference, **options) for coords in latents]


def displacement(aligned: Sequence[np.ndarray]) -> np.ndarray:
    """Per point: mean distance of repeats 1..N-1 from repeat 0, over repeat 0's layout scale.

    Parameters
    ----------
    aligned : sequence of array_like
        N >= 2 aligned layouts (n, 2), the first being the reference.

    Returns
    -------
    numpy.ndarray
        float64 (n,).
    """
    if len(aligned) < 2:
        raise ValueError("displacement needs at least 2 repeats (seeds); got 1")
    reference = np.asarray(aligned[0], dtype=np.float64)
    distances = [np.linalg.norm(np.asarray(a, np.float64) - reference, axis=1) for a in aligned[1:]]
    return np.mean(distances, axis=0) / layout_scale(reference)


def _exact_row(coords: np.ndarray, i: int, k: int) -> np.ndarray:
    d = np.sqrt(np.sum((coords - coords[i]) ** 2, axis=1))
    d[i] = np.inf
    return np.lexsort((np.arange(len(d)), d))[:k]


def knn_indices(coords: np.ndarray, k: int) -> np.ndarray:
    """Each point's k nearest other points: by distance, ties to the lower index.

    Returns
    -------
    numpy.ndarray
        int64 (n, k), nearest first.
    """
    c = np.asarray(coords, dtype=np.float64)
    n = len(c)
    if not 1 <= k < n:
        raise ValueError(f"k ({k}) must be between 1 and n - 1 = {n - 1}")
    m = min(n, k + 1 + _SPARE_CANDIDATES)
    dist, idx = cKDTree(c).query(c, k=m)
    dist = np.where(idx == np.arange(n)[:, None], np.inf, dist)  # never the point itself
    order = np.lexsort((idx, dist), axis=1)
    idx = np.take_along_axis(idx, order, axis=1)
    dist = np.take_along_axis(dist, order, axis=1)
    out = idx[:, :k].astype(np.int64)
    # Where the k-th distance reaches the last finite candidate's, a tied point may lie
    # beyond the candidates: settle those rows by brute force (duplicate points, grids).
    last = np.where(np.isfinite(dist), dist, -np.inf).max(axis=1)
    unsure = np.flatnonzero((dist[:, k - 1] >= last) & (m < n))
    for i in unsure:
        out[i] = _exact_row(c, int(i), k)
    return out


def neighbour_agreement(
    latents: Sequence[np.ndarray], *, k: int = AGREEMENT_NEIGHBORS
) -> np.ndarray:
    """Per point: Jaccard index of its k nearest latent neighbours, mean over pairs of repeats.

    Parameters
    ----------
    latents : sequence of array_like
        N >= 2 layouts (n, 2) of the same points; alignment does not change the result.
    k : int, optional

    Returns
    -------
    numpy.ndarray
        float64 (n,) in [0, 1].
    """
    if len(latents) < 2:
        raise ValueError("neighbour agreement needs at least 2 repeats (seeds); got 1")
    sets = [knn_indices(coords, k) for coords in latents]
    total = np.zeros(len(sets[0]))
    pairs = list(combinations(range(len(sets)), 2))
    for a, b in pairs:
        shared = (sets[a][:, :, None] == sets[b][:, None, :]).sum(axis=(1, 2))
        total += shared / (2 * k - shared)
    return total / len(pairs)


@dataclass
class StabilityReport:
    """The repeats aligned to the first, the per-point measures and their summary numbers.

    Attributes
    ----------
    alignments : list of Alignment
        One per repeat; the first is the identity.
    displacement : numpy.ndarray
        float64 (n,), see :func:`displacement`.
    agreement : numpy.ndarray
        float64 (n,), see :func:`neighbour_agreement`.
    k : int
    summary : dict of str to float
        ``displacement_mean``, ``displacement_median``, ``displacement_p90``,
        ``agreement_mean``, ``agreement_median``, ``agreement_p10`` (the least stable tenth
        starts there), ``residual_mean`` (mean Procrustes residual of repeats 1..N-1).
    """

    alignments: list[Alignment]
    displacement: np.ndarray
    agreement: np.ndarray
    k: int
    summary: dict[str, float] = field(default_factory=dict)

    @property
    def aligned(self) -> list[np.ndarray]:
        """The aligned layouts, float64 (n, 2) each, the first unchanged."""
        return [a.aligned for a in self.alignments]

    def per_point(self) -> dict[str, np.ndarray]:
        """The two colour modes by name."""
        return {"displacement": self.displacement, "neighbour_agreement": self.agreement}


def stability_report(
    latents: Sequence[np.ndarray], *, k: int = AGREEMENT_NEIGHBORS
) -> StabilityReport:
    """Align N >= 2 repeats to the first and measure every point's stability.

    Parameters
    ----------
    latents : sequence of array_like
        N arrays (n, 2): the same points under N seeds, the first being the reference.
    k : int, optional
        Neighbours compared by :func:`neighbour_agreement`.
    """
    alignments = align_repeats(latents)
    moved = displacement([a.aligned for a in alignments])
    agreement = neighbour_agreement(latents, k=k)
    summary = {
        "displacement_mean": float(moved.mean()),
        "displacement_median": float(np.median(moved)),
        "displacement_p90": float(np.percentile(moved, 90)),
        "agreement_mean": float(agreement.mean()),
        "agreement_median": float(np.median(agreement)),
        "agreement_p10": float(np.percentile(agreement, 10)),
        "residual_mean": float(np.mean([a.residual for a in alignments[1:]])),
    }
    return StabilityReport(alignments, moved, agreement, k, summary)
