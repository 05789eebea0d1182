"""The quality report (all points, a selection, the rest) and the cheaper metrics it combines
with trustworthiness and continuity: neighbourhood hit and reconstruction error."""

from __future__ import annotations

import math
from typing import Any, Literal, overload

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray

from .ranks import trustworthiness_continuity
from .shepard import sample_indices, shepard_stress
from .validation import (
    _as_matrix,
    _check_indices,
    _check_labels,
    _check_nh_neighbors,
    _check_same_rows,
    _check_tc_neighbors,
)


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
