"""The /api blueprint: parse and validate, call the core, serialise. No computation lives here."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import numpy as np
from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context

from .. import contract
from ..contract import (
    CreateExperiment,
    CreateIteration,
    DecodeRequest,
    EmbeddingQuery,
    IdsQuery,
    ListExperimentsQuery,
    ModelsQuery,
)
from ..core.datasets import DatasetError, DatasetUnavailable, list_datasets, load_dataset
from ..core.experiment import Experiment
from ..core.models import MODEL_KINDS, MODEL_TITLES
from ..core.selection import Selection, validate_ids
from ..core.training import TrainConfig, decode, default_config, reconstruct
from .errors import ApiError
from .exports import attachment, csv_cell, download_name
from .jobs import JobConflict
from .parsing import body as parse_body
from .parsing import query
from .security import hold_event_stream
from .sessions import Session, current_registry, iteration_or_404
from .uploads import is_user_dataset, user_store  # uploaded datasets ("user:...")

bp = Blueprint("api", __name__, url_prefix="/api")

# The limits are the contract's (re-exported for older imports).
MAX_IDS_PER_QUERY = contract.MAX_IDS_PER_QUERY
MAX_DECODE_POINTS = contract.MAX_DECODE_POINTS
MAX_LATENT_ABS = contract.MAX_LATENT_ABS


def data_dir() -> str | None:
    return current_app.config.get("DATA_DIR")


def _info_json(info: Any) -> dict[str, Any]:
    return asdict(info)


# -- datasets and models ----------------------------------------------------------------------


@bp.get("/datasets")
def get_datasets():  # type: ignore[no-untyped-def]
    infos = [*list_datasets(data_dir=data_dir()), *user_store().infos()]
    return jsonify({"datasets": [_info_json(i) for i in infos]})


def _dataset_info(name: str) -> Any:
    infos = {i.name: i for i in [*list_datasets(data_dir=data_dir()), *user_store().infos()]}
    if name not in infos:
        raise ApiError(
            400, "unknown_dataset", f"dataset ({name!r}) is unknown; choose one of {sorted(infos)}"
        )
    return infos[name]


@bp.get("/models")
def get_models():  # type: ignore[no-untyped-def]
    name = query(ModelsQuery).dataset
    info = _dataset_info(name)
    defaults = {}
    for kind in MODEL_KINDS:
        cfg = default_config(info.n_samples, info.n_features, data_kind=info.kind, model=kind)
        d = cfg.to_dict()
        if d["hidden"] is None:
            from ..core.models import default_hidden

            d["hidden"] = list(default_hidden(info.n_features, data_kind=info.kind))
        defaults[kind] = d
    return jsonify(
        {
            "models": [{"kind": k, "title": MODEL_TITLES[k]} for k in MODEL_KINDS],
            "parameters": contract.ui_parameters(),
            "submit_parameters": contract.submit_parameters(),
            "defaults": defaults,
            "dataset": name,
        }
    )


# -- experiments --------------------------------------------------------------------------------


def _load(name: str):  # type: ignore[no-untyped-def]
    _dataset_info(name)
    try:
        if is_user_dataset(name):  # uploaded: kept in the state folder, not the data folders
            return user_store().load(name)
        return load_dataset(name, data_dir=data_dir(), download=current_app.config["DOWNLOAD"])
    except DatasetUnavailable as exc:
        raise ApiError(409, "dataset_unavailable", str(exc)) from exc
    except DatasetError as exc:
        raise ApiError(422, "dataset_invalid", str(exc)) from exc


def _config(dataset: Any, model: str, overrides: dict[str, Any]) -> TrainConfig:
    base = default_config(
        dataset.n_samples, dataset.n_features, data_kind=dataset.kind, model=model
    )
    try:  # the contract checked each setting; this catches combinations only the core knows
        return TrainConfig.from_dict({**base.to_dict(), **overrides})
    except (TypeError, ValueError) as exc:
        raise ApiError(400, "bad_config", f"config: {exc}") from exc


@bp.post("/experiments")
def create_experiment():  # type: ignore[no-untyped-def]
    request_ = parse_body(CreateExperiment)
    model = request_.model
    dataset = _load(request_.dataset)
    config = _config(dataset, model, request_.overrides())
    exp = Experiment(
        dataset,
        model,
        config=config,
        device=current_app.config["DEVICE"],
        metric_sample_size=current_app.config["METRIC_SAMPLE_SIZE"],
    )
    session = current_registry().create(exp)
    current_registry().start_initial(session)
    return jsonify({"id": session.id, "status": "training"}), 202


def _experiment_json(session: Session) -> dict[str, Any]:
    exp = session.experiment
    ds = exp.dataset
    info = _info_json(_dataset_info(ds.name))
    info.update(
        {
            "feature_names": list(ds.feature_names),
            "image_shape": list(ds.image_shape) if ds.image_shape else None,
            "n_samples": ds.n_samples,
            "class_names": list(ds.class_names),
        }
    )
    summaries = [it.summary(with_ids=False) for it in exp.iterations]
    return {
        "id": session.id,
        "created_at": session.created_at,
        "dataset": info,
        "model": exp.model_kind,
        "config": exp.config.to_dict(),
        "device": exp.device,
        **current_registry().status(session),
        "iterations": summaries,
    }


@bp.get("/experiments/<experiment_id>")
def get_experiment(experiment_id: str):  # type: ignore[no-untyped-def]
    return jsonify(_experiment_json(current_registry().get(experiment_id)))


# -- stored experiments: list and delete (persistence, see web/store.py) -----------------------


@bp.get("/experiments")
def list_experiments():  # type: ignore[no-untyped-def]
    limit = query(ListExperimentsQuery).limit
    keys = ("id", "dataset", "dataset_title", "model", "created_at", "updated_at")
    rows = current_registry().list_experiments(limit=limit)
    return jsonify(
        {
            "experiments": [
                {
                    **{k: r[k] for k in keys},
                    "n_iterations": r["n_iterations"],
                    "status": r["status"],
                }
                for r in rows
            ]
        }
    )


@bp.delete("/experiments/<experiment_id>")
def delete_experiment(experiment_id: str):  # type: ignore[no-untyped-def]
    current_registry().delete(experiment_id)  # 409 while a job runs, 404 when unknown
    return jsonify({"deleted": True})


# -- end of stored experiments ----------------------------------------------------------------


@bp.get("/experiments/<experiment_id>/events")
def experiment_events(experiment_id: str):  # type: ignore[no-untyped-def]
    session = current_registry().get(experiment_id)
    job = current_registry().jobs.current(session.id)
    start = _last_event_id(job)
    release = hold_event_stream()  # 503 when too many streams are open

    def stream() -> Iterator[str]:
        # Browsers reconnect on their own; tell them to wait 2 s rather than hammer.
        yield "retry: 2000\n\n"
        if job is None:
            yield _sse("idle", {"status": "ready" if session.experiment.iterations else "idle"})
            return
        for index, event in job.follow(start=start):
            if event is None:
                yield ": keep-alive\n\n"
                continue
            yield _sse(event.name, event.data, event_id=index + 1)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    response = Response(
        stream_with_context(stream()), mimetype="text/event-stream", headers=headers
    )
    response.call_on_close(release)
    return response


def _last_event_id(job: Any) -> int:
    written = len(getattr(job, "events", ())) if job is not None else 0
    return contract.clamp_event_id(request.headers.get("Last-Event-ID"), upper=written)


def _sse(name: str, data: dict[str, Any], *, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data)}\n\n"


@bp.delete("/experiments/<experiment_id>/job")
def cancel_job(experiment_id: str):  # type: ignore[no-untyped-def]
    session = current_registry().get(experiment_id)
    if not current_registry().jobs.cancel(session.id):
        raise ApiError(409, "no_job", "no training job is running for this experiment")
    return jsonify({"cancelled": True})


# -- iterations ----------------------------------------------------------------------------------


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
    try:
        job = current_registry().start_retrain(
            session, selection, parent=parent, mode=mode, epochs=epochs
        )
    except JobConflict as exc:
        raise ApiError(409, "job_running", str(exc)) from exc
    return jsonify({"iteration": job.iteration, "status": "training"}), 202


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
        # Column-major, so x and y are each one contiguous run the browser can view in place.
        body = np.ascontiguousarray(it.coords.T, dtype="<f4").tobytes()
        response = Response(body, mimetype="application/octet-stream")
        response.headers["X-Points"] = str(n)
        response.headers["X-Iteration"] = str(k)
        response.headers["X-Parent"] = "none" if it.parent is None else str(it.parent)
        return response
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
