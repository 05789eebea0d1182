"""What the latent space means: neighbours, per-point values, attributes, PCA, feature stats.

Read-only routes under /api/experiments/<id>; the work is in core (neighbours, reference,
quality). Attribute names from the URL are looked up in a list, never used as paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from flask import Blueprint, Response, jsonify

from ..contract import NeighboursQuery, PartialPerPointQuery, PerPointQuery
from ..core.datasets import Dataset
from ..core.neighbours import neighbour_report
from ..core.seed_summary import STABILITY_KEYS
from .binary import float32_answer
from .errors import ApiError
from .parsing import query
from .seeds import stability_values
from .sessions import current_registry, iteration_or_404

bp = Blueprint("insight", __name__, url_prefix="/api")

#: A text attribute with more distinct values than this (e.g. a timestamp) cannot be told
#: apart by colour, so it is not offered.
MAX_CATEGORIES = 256
ITERATION_ROUTE = "/experiments/<experiment_id>/iterations/<int:k>"


def _floats(values: np.ndarray) -> list[float | None]:
    """JSON numbers; NaN and infinities (JSON has none) become null."""
    v = np.asarray(values, dtype=np.float64)
    return [float(x) if np.isfinite(x) else None for x in v.tolist()]


def _extent(values: np.ndarray) -> tuple[float | None, float | None]:
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return (float(finite.min()), float(finite.max())) if finite.size else (None, None)


# -- neighbours ---------------------------------------------------------------------------


@bp.get(f"{ITERATION_ROUTE}/neighbors")
def get_neighbours(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    session = current_registry().get(experiment_id)
    it = iteration_or_404(session, k)
    ds = session.experiment.dataset
    asked = query(NeighboursQuery)
    point, count, space = asked.id, asked.k, asked.space
    # The contract bounds id and k; what this dataset allows is known only here.
    if point >= ds.n_samples:
        raise ApiError(400, "bad_id", f"id ({point}) must be a point id in [0, {ds.n_samples - 1}]")
    if count > ds.n_samples - 1:
        raise ApiError(
            400, "bad_k", f"k ({count}) must be at most {ds.n_samples - 1}, the other points"
        )
    found = neighbour_report(ds.X, it.coords, point, k=count, space=space)
    return jsonify(
        {
            "id": point,
            "k": count,
            "space": space,
            "neighbors": found.ids.tolist(),
            "distances_original": _floats(found.distances_original),
            "distances_latent": _floats(found.distances_latent),
            "rank_in_other_space": found.rank_in_other_space.tolist(),
        }
    )


# -- per-point values ---------------------------------------------------------------------


@bp.get(f"{ITERATION_ROUTE}/per_point")
def get_per_point(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    session = current_registry().get(experiment_id)
    it = iteration_or_404(session, k)
    asked = query(PerPointQuery)
    key, fmt = asked.key, asked.format
    # Stability comes from the seeds, once every seed of iteration k is in.
    stable = key in STABILITY_KEYS
    values = stability_values(session, k, key) if stable else it.per_point.get(key)
    if values is None:
        # A sampled preview (large data) has tables but no per-point T and C yet.
        if it.metrics is None or it.metrics_sampled:
            raise ApiError(
                409,
                "not_measured",
                f"{key} of iteration {k} is not measured yet; ask again after the job's "
                "'done' event",
            )
        raise ApiError(
            404,
            "not_available",
            f"{key} does not exist for iteration {k} (kl needs a VAE; trustworthiness and "
            "continuity need at least 3 points)",
        )
    lo, hi = _extent(values)
    if fmt == "f32":
        # Headers as the embedding's f32 form (X-Points, X-Iteration), plus the key and extent.
        return float32_answer(
            values,
            {"X-Points": values.size, "X-Iteration": k, "X-Key": key, "X-Min": lo, "X-Max": hi},
        )
    return jsonify(
        {"key": key, "n": int(values.size), "values": _floats(values), "min": lo, "max": hi}
    )


@bp.get(f"{ITERATION_ROUTE}/per_point/partial")
def get_partial_per_point(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    """Local trustworthiness or continuity of iteration ``k`` while it is measured: the rows
    the exact pass has finished hold their exact values, the others NaN (all NaN before the
    pass begins). Raw float32 like ``per_point?format=f32``, with ``X-Rows-Done`` of
    ``X-Rows-Total``; 204 (no body) once the exact values are stored: read ``per_point``
    then. Not a 409: the page asks after each "estimates" event, and values replaced by the
    exact ones are not an error."""
    registry = current_registry()
    session = registry.get(experiment_id)
    it = iteration_or_404(session, k)
    key = query(PartialPerPointQuery).key
    no_store = {"Cache-Control": "no-store"}
    if it.metrics is not None and not it.metrics_sampled:
        return Response(status=204, headers=no_store)
    partial = registry.store.partial_values(experiment_id, k)
    n = session.experiment.dataset.n_samples
    if partial is None or partial.rows_total != n:
        values, done = np.full(n, np.nan, dtype=np.float32), 0
    else:
        values, done = partial.values(key), partial.rows_done
    lo, hi = _extent(values)
    return float32_answer(
        values,
        {"X-Points": n, "X-Iteration": k, "X-Key": key, "X-Rows-Done": done,
         "X-Rows-Total": n, "X-Min": lo, "X-Max": hi, **no_store},
    )  # fmt: skip


# -- attributes for colouring ---------------------------------------------------------------


@dataclass(frozen=True)
class _Attribute:
    name: str
    kind: str  # numeric | categorical
    source: str  # label | attribute | feature
    values: np.ndarray
    categories: tuple[str, ...] | None = None  # fixed category order (the label's classes)


def _catalogue(ds: Dataset) -> list[_Attribute]:
    """Everything a point can be coloured by: the label, the dataset's attributes and, for
    tabular data, each feature in raw units (784 pixels would drown the list, so images
    offer none). A name clash gets its source appended, e.g. ``"quality (feature)"``."""
    found = [_Attribute("label", "categorical", "label", ds.y, tuple(ds.class_names))]
    for name, column in ds.attributes.items():
        arr = np.asarray(column)
        if arr.dtype.kind in "iuf":
            found.append(_Attribute(name, "numeric", "attribute", arr))
        elif np.unique(arr.astype(str)).size <= MAX_CATEGORIES:
            found.append(_Attribute(name, "categorical", "attribute", arr))
    if ds.kind != "image":
        for j, name in enumerate(ds.feature_names):
            found.append(_Attribute(name, "numeric", "feature", ds.raw[:, j]))
    taken: set[str] = set()
    out = []
    for a in found:
        name = a.name if a.name not in taken else f"{a.name} ({a.source})"
        taken.add(name)
        out.append(_Attribute(name, a.kind, a.source, a.values, a.categories))
    return out


@bp.get("/experiments/<experiment_id>/attributes")
def list_attributes(experiment_id: str):  # type: ignore[no-untyped-def]
    ds = current_registry().get(experiment_id).experiment.dataset
    items = [{"name": a.name, "kind": a.kind, "source": a.source} for a in _catalogue(ds)]
    return jsonify({"attributes": items})


@bp.get("/experiments/<experiment_id>/attributes/<path:name>")
def get_attribute(experiment_id: str, name: str):  # type: ignore[no-untyped-def]
    ds = current_registry().get(experiment_id).experiment.dataset
    attributes = {a.name: a for a in _catalogue(ds)}
    if name not in attributes:
        raise ApiError(
            404,
            "attribute_not_found",
            f"attribute ({name!r}) is unknown; GET /api/experiments/<id>/attributes lists them",
        )
    a = attributes[name]
    if a.kind == "numeric":
        lo, hi = _extent(a.values)
        body: dict[str, Any] = {"values": _floats(a.values), "min": lo, "max": hi}
    elif a.categories is not None:
        body = {"categories": list(a.categories), "codes": np.asarray(a.values).tolist()}
    else:
        categories, codes = np.unique(np.asarray(a.values).astype(str), return_inverse=True)
        body = {"categories": categories.tolist(), "codes": codes.astype(np.int64).tolist()}
    return jsonify({"name": a.name, "kind": a.kind, **body})


# -- PCA reference and feature statistics -------------------------------------------------------


@bp.get("/experiments/<experiment_id>/pca")
def get_pca(experiment_id: str):  # type: ignore[no-untyped-def]
    """The full-data PCA; its metrics are ``null`` while a job will compute them anyway."""
    registry = current_registry()
    session = registry.get(experiment_id)
    meter = session.experiment.quality
    pca = meter.pca()
    row = meter.cached_pca_row()
    if row is None and not registry.store.jobs_for(session.id, active=True, limit=1):
        row = meter.pca_row()
    return jsonify(
        {
            "x": _floats(pca.coords[:, 0]),
            "y": _floats(pca.coords[:, 1]),
            "metrics": row,
            "explained_variance_ratio": _floats(pca.explained_variance_ratio),
        }
    )


@bp.get("/experiments/<experiment_id>/feature_stats")
def get_feature_stats(experiment_id: str):  # type: ignore[no-untyped-def]
    """Means for a decoded profile; ``raw = scaled * feature_scale + feature_mean``."""
    ds = current_registry().get(experiment_id).experiment.dataset
    mean, scale = ds.feature_mean, ds.feature_scale
    return jsonify(
        {
            "feature_names": list(ds.feature_names),
            "mean_raw": _floats(ds.raw.mean(axis=0, dtype=np.float64)),
            "std_raw": _floats(ds.raw.std(axis=0, dtype=np.float64)),
            "mean_scaled": _floats(ds.X.mean(axis=0, dtype=np.float64)),
            # The exact map of Dataset.to_raw (null: the model's units are the raw units).
            "feature_mean": _floats(mean) if mean is not None and scale is not None else None,
            "feature_scale": _floats(scale) if mean is not None and scale is not None else None,
        }
    )
