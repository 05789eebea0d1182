"""Routes of one experiment's iterations and points on the /api blueprint: retrain on a
selection, the embedding, metrics, points, reconstructions, decoding, the CSV export.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
from flask import Response, jsonify

from .. import contract
from ..contract import (
    CreateIteration,
    DecodeRequest,
    EmbeddingQuery,
    IdsQuery,
)
from ..core.selection import Selection, validate_ids
from ..core.training import decode, reconstruct
from .api import bp
from .binary import float32_answer
from .errors import ApiError
from .exports import attachment, csv_cell, download_name
from .parsing import body as parse_body
from .parsing import query
from .sessions import Session, current_registry, iteration_or_404


@bp.post("/experiments/<experiment_id>/iterations")
def create_iteration(experiment_id: str):  # type: ignore[no-untyped-def]
    session = current_registry().get(experiment_id)
    exp = session.experiment
    wanted = parse_body(CreateIteration)
    if not exp.iterations:
        raise ApiError(409, "not_ready", "the initial training has not finished yet")
    parent = len(exp.iterations) - 1 if wanted.parent is None else wanted.parent
    iteration_or_404(session, parent)
    mode, epochs = wanted.mode, wanted.epochs
    try:  # the contract checked the types; the range depends on the dataset
        ids = validate_ids(wanted.selected_ids, n_samples=exp.dataset.n_samples)
    except (TypeError, ValueError) as exc:
        raise ApiError(400, "bad_selected_ids", str(exc)) from exc
    how = wanted.selection or contract.SelectionInput()
    selection = Selection(ids, method=how.method, params=how.params)
    registry = current_registry()
    after = registry.events.last_id(session.id) if hasattr(registry.events, "last_id") else 0
    if wanted.repeat > 1 and mode != "finetune":
        raise ApiError(
            400,
            "bad_repeat",
            f"repeat ({wanted.repeat}) chains fine-tunes, but mode is {mode!r}: {wanted.repeat} "
            "models from scratch would not build on each other; use mode 'finetune' or repeat 1",
        )
    job = registry.start_retrain(
        session, selection, parent=parent, mode=mode, epochs=epochs, repeat=wanted.repeat
    )
    return jsonify(
        {
            "iteration": job.iteration,
            "status": "training",
            "job": registry.job_json(job),
            "events_after": after,
        }
    ), 202


@bp.get("/experiments/<experiment_id>/iterations/<int:k>/embedding")
def get_embedding(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    """Coordinates of every point, as JSON columns (default) or raw float32 (``format=f32``).

    ``format=f32`` answers ``application/octet-stream``: little-endian float32
    ``[x_0..x_{n-1}, y_0..y_{n-1}]`` (8n bytes) with ``X-Points``, ``X-Iteration`` and
    ``X-Parent`` headers; the page views it as two Float32Arrays without parsing (70,000 points:
    560 kB instead of ~2.6 MB of JSON text). Labels and the selection stay in the JSON form;
    ``fields=labels,selected`` asks for just those columns, so the page skips x/y there.
    """
    asked = query(EmbeddingQuery)
    fmt, raw_fields = asked.format, asked.fields
    columns = ("x", "y", "labels", "selected")
    fields = set(columns) if raw_fields is None else {f.strip() for f in raw_fields.split(",")}
    if fmt == "f32" and raw_fields is not None:
        raise ApiError(
            400, "bad_fields", "fields applies to the JSON form only; format=f32 is always x, y"
        )
    if not fields <= set(columns):
        unknown = sorted(fields - set(columns))
        raise ApiError(
            400,
            "bad_fields",
            f"fields ({raw_fields!r}) has unknown names {unknown}; "
            f"use a comma-separated subset of {list(columns)}",
        )
    session = current_registry().get(experiment_id)
    it = iteration_or_404(session, k)
    n = int(it.coords.shape[0])
    if fmt == "f32":
        parent = "none" if it.parent is None else it.parent
        return float32_answer(it.coords.T, {"X-Points": n, "X-Iteration": k, "X-Parent": parent})
    out: dict[str, Any] = {"iteration": k, "parent": it.parent, "n": n}
    if "x" in fields or "y" in fields:
        coords = it.coords.astype(np.float64)
        if "x" in fields:
            out["x"] = coords[:, 0].tolist()
        if "y" in fields:
            out["y"] = coords[:, 1].tolist()
    if "labels" in fields:
        out["labels"] = session.experiment.dataset.y.tolist()
    if "selected" in fields:
        out["selected"] = it.selection.ids.tolist() if it.selection is not None else None
    return jsonify(out)


@bp.get("/experiments/<experiment_id>/iterations/<int:k>/metrics")
def get_metrics(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    it = iteration_or_404(current_registry().get(experiment_id), k)
    return jsonify(
        {
            "iteration": k,
            "measured": it.metrics is not None,
            "metrics": it.metrics,
            "parent_metrics": it.parent_metrics,
        }
    )


def _query_ids(session: Session) -> np.ndarray:
    values = query(IdsQuery).id_list()
    try:
        return validate_ids(values, n_samples=session.experiment.dataset.n_samples, name="ids")
    except ValueError as exc:
        raise ApiError(400, "bad_ids", str(exc)) from exc


def _to_uint8(images: np.ndarray) -> list[list[int]]:
    return np.clip(np.rint(images * 255.0), 0, 255).astype(np.uint8).tolist()


@bp.get("/experiments/<experiment_id>/points")
def get_points(experiment_id: str):  # type: ignore[no-untyped-def]
    session = current_registry().get(experiment_id)
    ds = session.experiment.dataset
    ids = _query_ids(session)
    out: dict[str, Any] = {"ids": ids.tolist(), "labels": ds.y[ids].tolist()}
    if ds.kind == "image":
        out.update({"shape": list(ds.image_shape or ()), "pixels": _to_uint8(ds.X[ids])})
    else:
        out.update({"feature_names": list(ds.feature_names), "values": ds.raw[ids].tolist()})
    out["attributes"] = {
        name: [v.item() if hasattr(v, "item") else v for v in values[ids]]
        for name, values in ds.attributes.items()
    }
    return jsonify(out)


@bp.get("/experiments/<experiment_id>/iterations/<int:k>/reconstructions")
def get_reconstructions(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    session = current_registry().get(experiment_id)
    it = iteration_or_404(session, k)
    ds = session.experiment.dataset
    ids = _query_ids(session)
    rec = reconstruct(it.model, ds.X[ids], device=session.experiment.device)
    if ds.kind != "image":
        return jsonify(
            {"ids": ids.tolist(), "original": ds.X[ids].tolist(), "reconstruction": rec.tolist()}
        )
    return jsonify(
        {
            "ids": ids.tolist(),
            "shape": list(ds.image_shape or ()),
            "original": _to_uint8(ds.X[ids]),
            "reconstruction": _to_uint8(rec),
        }
    )


@bp.post("/experiments/<experiment_id>/decode")
def decode_points(experiment_id: str):  # type: ignore[no-untyped-def]
    session = current_registry().get(experiment_id)
    exp = session.experiment
    wanted = parse_body(DecodeRequest)
    k = len(exp.iterations) - 1 if wanted.iteration is None else wanted.iteration
    it = iteration_or_404(session, k)
    # The contract bounds every coordinate to +-MAX_LATENT_ABS, so float32 cannot overflow.
    Z = np.asarray(wanted.points, dtype=np.float64)
    out = decode(it.model, Z.astype(np.float32), device=exp.device)
    if not np.isfinite(out).all():
        raise ApiError(422, "decode_overflow", "the decoder overflowed; pick points nearer 0")
    if exp.dataset.kind == "image":
        return jsonify({"shape": list(exp.dataset.image_shape or ()), "images": _to_uint8(out)})
    return jsonify({"feature_names": list(exp.dataset.feature_names), "values": out.tolist()})


@bp.get("/experiments/<experiment_id>/iterations/<int:k>/export.csv")
def export_csv(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    session = current_registry().get(experiment_id)
    it = iteration_or_404(session, k)
    ds = session.experiment.dataset
    selected = np.zeros(ds.n_samples, dtype=bool)
    if it.selection is not None:
        selected[it.selection.ids] = True
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "x", "y", "label", "selected"])
    for i in range(ds.n_samples):
        # Labels may come from a user's CSV: neutralise spreadsheet formulas (exports.csv_cell).
        label = csv_cell(ds.class_names[int(ds.y[i])])
        writer.writerow(
            [i, f"{it.coords[i, 0]:.7g}", f"{it.coords[i, 1]:.7g}", label, int(selected[i])]
        )
    response = Response(buf.getvalue(), mimetype="text/csv")
    return attachment(response, download_name(session, k, "", "csv"))
