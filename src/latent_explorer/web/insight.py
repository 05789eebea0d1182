"""What the latent space means: neighbours, per-point values, attributes, PCA, feature stats.

Read-only routes under /api/experiments/<id>; the work is in core (neighbours, reference,
quality). Attribute names from the URL are looked up in a list, never used as paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from flask import Blueprint, Response, jsonify, request

from ..core.datasets import Dataset
from ..core.neighbours import SPACES, neighbour_report
from .errors import ApiError
from .sessions import current_registry, iteration_or_404

bp = Blueprint("insight", __name__, url_prefix="/api")

PER_POINT_KEYS = ("trustworthiness", "continuity", "neighborhood_hit", "reconstruction_error", "kl")
MAX_NEIGHBOURS = 100
#: A text attribute with more distinct values than this (e.g. a timestamp) cannot be told
#: apart by colour, so it is not offered.
MAX_CATEGORIES = 256
ITERATION_ROUTE = "/experiments/<experiment_id>/iterations/<int:k>"


def _int_arg(name: str, default: int | None, lo: int, hi: int, code: str) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        if default is None:
            raise ApiError(400, code, f"{name} is required: an integer in [{lo}, {hi}]")
        return default
    # isascii: str.isdigit() also accepts digits like "²" that int() refuses.
    if not (raw.isascii() and raw.isdigit()) or not lo <= int(raw) <= hi:
        raise ApiError(400, code, f"{name} ({raw!r}) must be an integer in [{lo}, {hi}]")
    return int(raw)


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
    point = _int_arg("id", None, 0, ds.n_samples - 1, "bad_id")
    count = _int_arg("k", 10, 1, min(MAX_NEIGHBOURS, ds.n_samples - 1), "bad_k")
    space = request.args.get("space", "original")
    if space not in SPACES:
        raise ApiError(400, "bad_space", f"space ({space!r}) must be one of {list(SPACES)}")
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
    key = request.args.get("key", "")
    if key not in PER_POINT_KEYS:
        raise ApiError(400, "bad_key", f"key ({key!r}) must be one of {list(PER_POINT_KEYS)}")
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "f32"):
        raise ApiError(400, "bad_format", f"format ({fmt!r}) must be json or f32")
    values = it.per_point.get(key)
    if values is None:
        if it.metrics is None:
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
        response = Response(
            np.asarray(values, dtype="<f4").tobytes(), mimetype="application/octet-stream"
        )
        # Headers as the embedding's f32 form (X-Points, X-Iteration), plus the key and extent.
        response.headers.update(
            {
                "X-Points": str(values.size),
                "X-Iteration": str(k),
                "X-Key": key,
                "X-Min": str(lo),
                "X-Max": str(hi),
            }
        )
        return response
    return jsonify(
        {"key": key, "n": int(values.size), "values": _floats(values), "min": lo, "max": hi}
    )


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


# -- OpenAPI ------------------------------------------------------------------------------------


def openapi_paths() -> dict[str, Any]:
    """This blueprint's entries for ``web/openapi.py``'s ``build_spec()["paths"]``."""
    # Imported here: openapi.py may import this module for these paths.
    from .openapi import (
        INT,
        NON_NEG,
        NUM,
        P_EXPERIMENT,
        P_ITERATION,
        STR,
        _array,
        _experiment_errors,
        _iteration_errors,
        _json,
        _nullable,
        _obj,
        _op,
        _ref,
    )

    def query(name: str, schema: dict[str, Any], text: str, required: bool = False) -> Any:
        return {
            "name": name,
            "in": "query",
            "required": required,
            "description": text,
            "schema": schema,
        }

    nums, maybe_nums, maybe_num = (
        _array(_nullable(NUM)),
        _nullable(_array(_nullable(NUM))),
        _nullable(NUM),
    )
    kind = {"type": "string", "enum": ["numeric", "categorical"]}
    it = "/api/experiments/{experiment_id}/iterations/{k}"
    exp = "/api/experiments/{experiment_id}"
    both = [P_EXPERIMENT, P_ITERATION]
    neighbours = _obj(
        {
            "id": NON_NEG,
            "k": INT,
            "space": {"type": "string", "enum": list(SPACES)},
            "neighbors": _array(NON_NEG),
            "distances_original": nums,
            "distances_latent": nums,
            "rank_in_other_space": _array({"type": "integer", "minimum": 1}),
        }
    )
    per_point = _obj(
        {
            "key": {"type": "string", "enum": list(PER_POINT_KEYS)},
            "n": NON_NEG,
            "values": nums,
            "min": maybe_num,
            "max": maybe_num,
        }
    )
    attribute = {
        "oneOf": [
            _obj(
                {
                    "name": STR,
                    "kind": {"const": "numeric"},
                    "values": nums,
                    "min": maybe_num,
                    "max": maybe_num,
                }
            ),
            _obj(
                {
                    "name": STR,
                    "kind": {"const": "categorical"},
                    "categories": _array(STR),
                    "codes": _array(NON_NEG),
                }
            ),
        ]
    }
    source = {"type": "string", "enum": ["label", "attribute", "feature"]}
    listed = _obj({"attributes": _array(_obj({"name": STR, "kind": kind, "source": source}))})
    pca = _obj(
        {
            "x": nums,
            "y": nums,
            "metrics": _nullable(_ref("MetricsRow")),
            "explained_variance_ratio": nums,
        }
    )
    stats = _obj(
        {
            "feature_names": _array(STR),
            "mean_raw": nums,
            "std_raw": nums,
            "mean_scaled": nums,
            "feature_mean": maybe_nums,
            "feature_scale": maybe_nums,
        }
    )
    bad = "`bad_id`, `bad_k` or `bad_space`: the parameter named in the message is invalid"
    f32 = {"type": "string", "format": "binary"}
    return {
        f"{it}/neighbors": {
            "get": _op(
                "getNeighbors",
                "A point's k nearest neighbours in one space, with their rank in the other",
                "iterations",
                {
                    "200": _json(neighbours, "neighbours, nearest first"),
                    **_iteration_errors({400: bad}),
                },
                parameters=[
                    *both,
                    query("id", NON_NEG, "the point", required=True),
                    query(
                        "k",
                        {"type": "integer", "minimum": 1, "maximum": MAX_NEIGHBOURS},
                        "how many (default 10)",
                    ),
                    query(
                        "space",
                        {"type": "string", "enum": list(SPACES)},
                        "where neighbours are found (default original)",
                    ),
                ],
            )
        },
        f"{it}/per_point": {
            "get": _op(
                "getPerPoint",
                "One value per point (local quality, errors) for colouring",
                "iterations",
                {
                    "200": {
                        "description": "values[i] is point i's; format=f32: n little-endian float32 values with X-Points, X-Iteration, X-Key, X-Min, X-Max headers",
                        "content": {
                            "application/json": {"schema": per_point},
                            "application/octet-stream": {"schema": f32},
                        },
                    },
                    **_iteration_errors(
                        {
                            400: "`bad_key` or `bad_format`",
                            404: "`not_available`: no such values for this model (kl of an AE)",
                            409: "`not_measured`: the iteration is still being measured",
                        }
                    ),
                },
                parameters=[
                    *both,
                    query(
                        "key",
                        {"type": "string", "enum": list(PER_POINT_KEYS)},
                        "which values",
                        required=True,
                    ),
                    query(
                        "format",
                        {"type": "string", "enum": ["json", "f32"]},
                        "json (default) or f32 bytes",
                    ),
                ],
            )
        },
        f"{exp}/attributes": {
            "get": _op(
                "listAttributes",
                "What points can be coloured by: the label, attributes and raw features",
                "experiments",
                {
                    "200": _json(listed, "attribute names, kinds and sources"),
                    **_experiment_errors(),
                },
                parameters=[P_EXPERIMENT],
            )
        },
        f"{exp}/attributes/{{name}}": {
            "get": _op(
                "getAttribute",
                "One attribute's value for every point",
                "experiments",
                {
                    "200": _json(attribute, "numeric values or categorical codes"),
                    **_experiment_errors({404: "`attribute_not_found`: not in the list"}),
                },
                parameters=[
                    P_EXPERIMENT,
                    {
                        "name": "name",
                        "in": "path",
                        "required": True,
                        "description": "a name from the list",
                        "schema": STR,
                    },
                ],
            )
        },
        f"{exp}/pca": {
            "get": _op(
                "getPca",
                "The 2-D PCA of all points and its metrics (null while a job computes them)",
                "experiments",
                {"200": _json(pca, "x[i], y[i] is point i"), **_experiment_errors()},
                parameters=[P_EXPERIMENT],
            )
        },
        f"{exp}/feature_stats": {
            "get": _op(
                "getFeatureStats",
                "Feature means for decoded profiles; raw = scaled * feature_scale + feature_mean",
                "experiments",
                {"200": _json(stats, "one entry per feature"), **_experiment_errors()},
                parameters=[P_EXPERIMENT],
            )
        },
    }
