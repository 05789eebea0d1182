"""Forgetting per class over an iteration's chain: the metrics route, its downloads, the strip.

- ``GET .../iterations/<k>/forgetting``: :func:`~latent_explorer.core.forgetting.forgetting_report`
  for the chain from iteration 0 to ``k`` (part of the metrics API; cheap at 70,000 points).
- ``GET .../iterations/<k>/forgetting.json`` and ``forgetting.csv``: the same, as downloads.
- ``GET .../iterations/<k>/strip``: the fixed per-class sample reconstructed by every iteration
  of the chain (image data), or the per-class, per-feature error change (tabular data).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
from flask import Blueprint, Response, jsonify, request

from ..core.forgetting import (
    feature_error_change,
    forgetting_report,
    reconstruction_strip,
    report_rows,
)
from .errors import ApiError
from .exports import attachment, csv_cell, download_name
from .sessions import current_registry, iteration_or_404

bp = Blueprint("forgetting", __name__, url_prefix="/api")

#: Points per class the strip may ask for (one row per class, one column per iteration).
MAX_STRIP_PER_CLASS = 8


def _report(experiment_id: str, k: int) -> tuple[Any, dict[str, Any]]:
    session = current_registry().get(experiment_id)
    iteration_or_404(session, k)
    return session, forgetting_report(session.experiment, k)


@bp.get("/experiments/<experiment_id>/iterations/<int:k>/forgetting")
def get_forgetting(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    _, report = _report(experiment_id, k)
    return jsonify(report)


@bp.get("/experiments/<experiment_id>/iterations/<int:k>/forgetting.json")
def forgetting_json(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    session, report = _report(experiment_id, k)
    exp = session.experiment
    response = jsonify(
        {"experiment": session.id, "dataset": exp.dataset.name, "model": exp.model_kind, **report}
    )
    return attachment(response, download_name(session, k, "forgetting", "json"))


@bp.get("/experiments/<experiment_id>/iterations/<int:k>/forgetting.csv")
def forgetting_csv(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    session, report = _report(experiment_id, k)
    rows = report_rows(report)
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            # Class names may come from a user's CSV: neutralise spreadsheet formulas.
            writer.writerow({key: "" if v is None else csv_cell(v) for key, v in row.items()})
    response = Response(buf.getvalue(), mimetype="text/csv")
    return attachment(response, download_name(session, k, "forgetting", "csv"))


def _uint8(images: np.ndarray) -> list[list[int]]:
    return np.clip(np.rint(images * 255.0), 0, 255).astype(np.uint8).tolist()


@bp.get("/experiments/<experiment_id>/iterations/<int:k>/strip")
def get_strip(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    raw = request.args.get("per_class", "1")
    try:
        per_class = int(raw)
    except ValueError:
        per_class = 0
    if not 1 <= per_class <= MAX_STRIP_PER_CLASS:
        raise ApiError(
            400,
            "bad_per_class",
            f"per_class ({raw!r}) must be a whole number from 1 to {MAX_STRIP_PER_CLASS}; "
            "omit it for one point per class",
        )
    session = current_registry().get(experiment_id)
    it = iteration_or_404(session, k)
    exp = session.experiment
    ds = exp.dataset
    selected = np.zeros(ds.n_samples, dtype=bool)
    if it.selection is not None:
        selected[it.selection.ids] = True
    if ds.kind != "image":
        change = feature_error_change(exp, k)
        y = np.asarray(ds.y, dtype=np.int64)
        shares = [
            bool(selected[y == c].mean() >= 0.5) if (y == c).any() else False
            for c in range(len(change["classes"]))
        ]
        return jsonify({"kind": "tabular", **change, "selected": shares})
    strip = reconstruction_strip(exp, k, per_class=per_class)
    rows = []
    start = 0
    for c, ids in enumerate(strip["ids"]):
        stop = start + ids.size
        rows.append(
            {
                "class": str(ds.class_names[c]),
                "ids": ids.tolist(),
                "selected": bool(selected[ids].all()) if ids.size else False,
                "original": _uint8(strip["original"][start:stop]),
                "columns": [_uint8(rec[start:stop]) for rec in strip["reconstructions"]],
            }
        )
        start = stop
    return jsonify(
        {
            "kind": "image",
            "iterations": strip["iterations"],
            "shape": list(ds.image_shape or ()),
            "rows": rows,
        }
    )


def openapi_paths() -> dict[str, Any]:
    """This blueprint's entries for ``web/openapi``'s ``build_spec()["paths"]``."""
    # Imported here: the openapi package imports this module for these paths.
    from .openapi.operations import (
        P_EXPERIMENT,
        P_ITERATION,
        download,
        iteration_errors,
        json_response,
        operation,
    )
    from .openapi.schema import INT, NON_NEG, NUM, STR, array, nullable, obj

    stat = nullable(obj({"mean": NUM, "lo": NUM, "hi": NUM, "n": NUM}))
    stats = array(stat)
    role = {
        "type": "string",
        "enum": ["selected", "not selected", "partly selected", "no selection"],
    }
    cls = obj(
        {
            "index": NON_NEG,
            "name": STR,
            "n": NON_NEG,
            "n_selected": nullable(NON_NEG),
            "share_selected": nullable(NUM),
            "role": role,
            "reconstruction_error": stats,
            "selected": stats,
            "not_selected": stats,
            "trustworthiness": stats,
            "neighborhood_hit": stats,
            "change": obj(
                {
                    "relative": nullable(NUM),
                    "exceeds_interval": nullable({"type": "boolean"}),
                    "text": STR,
                }
            ),
        }
    )
    report = obj(
        {
            "iteration": nullable(NON_NEG),
            "iterations": array(NON_NEG),
            "n_selected": nullable(NON_NEG),
            "interval": STR,
            "local": STR,
            "classes": array(cls),
        }
    )
    pixels = array(array({"type": "integer", "minimum": 0, "maximum": 255}))
    matrix = array(array(nullable(NUM)))
    strip = {
        "oneOf": [
            obj(
                {
                    "kind": {"const": "image"},
                    "iterations": array(NON_NEG),
                    "shape": array(INT),
                    "rows": array(
                        obj(
                            {
                                "class": STR,
                                "ids": array(NON_NEG),
                                "selected": {"type": "boolean"},
                                "original": pixels,
                                "columns": array(pixels),
                            }
                        )
                    ),
                }
            ),
            obj(
                {
                    "kind": {"const": "tabular"},
                    "iteration": NON_NEG,
                    "iterations": array(NON_NEG),
                    "classes": array(STR),
                    "features": array(STR),
                    "before": matrix,
                    "after": matrix,
                    "relative": matrix,
                    "selected": array({"type": "boolean"}),
                }
            ),
        ]
    }
    per_class = {
        "name": "per_class",
        "in": "query",
        "required": False,
        "description": f"points per class in the strip, 1 to {MAX_STRIP_PER_CLASS} (default 1)",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_STRIP_PER_CLASS},
    }
    it = "/api/experiments/{experiment_id}/iterations/{k}"
    both = [P_EXPERIMENT, P_ITERATION]
    summary = (
        "Per-class reconstruction error (mean, 95% interval; selected / not selected), "
        "per-class T and NH, for every iteration from 0 to k, and the change against 0"
    )
    return {
        f"{it}/forgetting": {
            "get": operation(
                "getForgetting",
                summary,
                "iterations",
                {"200": json_response(report, "the forgetting report"), **iteration_errors()},
                parameters=both,
            )
        },
        f"{it}/forgetting.json": {
            "get": operation(
                "getForgettingFile",
                "The forgetting report as a downloadable JSON document",
                "iterations",
                {
                    "200": download("application/json", report, "the report"),
                    **iteration_errors(),
                },
                parameters=both,
            )
        },
        f"{it}/forgetting.csv": {
            "get": operation(
                "getForgettingCsv",
                "The forgetting report as CSV: one row per class and iteration",
                "iterations",
                {"200": download("text/csv", STR, "the rows"), **iteration_errors()},
                parameters=both,
            )
        },
        f"{it}/strip": {
            "get": operation(
                "getReconstructionStrip",
                "A fixed seeded sample per class reconstructed by every iteration from 0 to k "
                "(image data), or the error change per class and feature (tabular data)",
                "iterations",
                {
                    "200": json_response(strip, "the strip or the heat map"),
                    **iteration_errors({400: "`bad_per_class`: per_class is out of range"}),
                },
                parameters=[*both, per_class],
            )
        },
    }
