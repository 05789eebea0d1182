"""The /api blueprint: parse and validate, call the core, serialise. No computation lives here."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Any

import numpy as np
from flask import Blueprint, Response, current_app, jsonify, request

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
from .parsing import body as parse_body
from .parsing import query
from .security import hold_event_stream
from .sessions import Session, current_registry, iteration_or_404
from .streams import RETRY_AFTER_S, StreamRefused, StreamSlots, follow
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
    registry = current_registry()
    registry.check_limits(exp, {})  # before the experiment is stored: a refusal leaves nothing
    session = registry.create(exp)
    after = registry.events.last_id(session.id) if hasattr(registry.events, "last_id") else 0
    job = registry.start_initial(session)
    return jsonify(
        {
            "id": session.id,
            "status": "training",
            "job": registry.job_json(job),
            "events_after": after,
        }
    ), 202


def _experiment_json(session: Session) -> dict[str, Any]:
    """The summary a page polls: the large, slow-changing part is built once per version of
    the experiment (a new iteration or metrics); only the job status is read per request."""
    static = session.cached("summary", lambda: _experiment_static(session))
    return {**static, **current_registry().status(session)}


def _experiment_static(session: Session) -> dict[str, Any]:
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
        "iterations": summaries,
    }


@bp.get("/experiments/<experiment_id>")
def get_experiment(experiment_id: str):  # type: ignore[no-untyped-def]
    return jsonify(_experiment_json(current_registry().get(experiment_id)))


# -- stored experiments: list and delete (persistence, see store/) -----------------------


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
    """Server-Sent Events of the experiment's jobs (see web/streams.py): replay after
    ``Last-Event-ID`` or ``?after=``, heartbeats, an idle timeout; capped in total (503,
    web/security.py) and per experiment (429), each with Retry-After."""
    registry = current_registry()
    session = registry.get(experiment_id)
    after = _last_event_id(registry, session.id)
    slots = _stream_slots()
    try:
        slots.acquire(session.id)
    except StreamRefused as exc:
        response = jsonify({"error": {"code": "too_many_streams", "message": exc.message}})
        response.status_code = exc.status
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response
    try:
        release_total = hold_event_stream()  # 503 when too many streams are open
    except ApiError:
        slots.release(session.id)
        raise
    disconnected = request.environ.get("waitress.client_disconnected", lambda: False)
    body = follow(
        lambda after, timeout: registry.events.read(session.id, after, timeout),
        lambda: bool(registry.store.jobs_for(session.id, active=True, limit=1)),
        after=after,
        disconnected=disconnected,
    )
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    response = Response(body, mimetype="text/event-stream", headers=headers)
    # Called when the server closes the body: at its end, or when the client went away.
    response.call_on_close(lambda: slots.release(session.id))
    response.call_on_close(release_total)
    return response


def _stream_slots() -> StreamSlots:
    """Open streams per experiment (the total is web/security.py's)."""
    key = "latent_explorer.streams_per_experiment"
    slots = current_app.extensions.get(key)
    if slots is None:
        limits = current_registry().limits
        slots = current_app.extensions.setdefault(
            key, StreamSlots(per_experiment=limits.streams_per_experiment, total=10**6)
        )
    return slots


def _last_event_id(registry: Any, experiment_id: str) -> int:
    """Where a stream starts: after ``Last-Event-ID`` (a reconnect) or ``?after=`` (the
    ``events_after`` of the POST that queued the job); without either, at the first event
    of the oldest queued or running job (a page joining a job), else at the end (``idle``)."""
    raw = request.headers.get("Last-Event-ID") or request.args.get("after")
    if raw is not None:
        # Past the last event (a browser that saw an earlier server process): the end.
        last = (
            registry.events.last_id(experiment_id)
            if hasattr(registry.events, "last_id")
            else 10**12
        )
        return contract.clamp_event_id(raw, upper=last)
    active = {j.id for j in registry.store.jobs_for(experiment_id, active=True)}
    kept = registry.events.read(experiment_id, 0, 0)
    for event_id, _, data in kept:
        if data.get("job_id") in active:
            return int(event_id) - 1
    return int(kept[-1][0]) if kept else 0


@bp.get("/jobs/<job_id>")
def get_job(job_id: str):  # type: ignore[no-untyped-def]
    registry = current_registry()
    job = registry.job(job_id)
    queue = registry.store.queued_jobs() if job.state == "queued" else None
    return jsonify(registry.job_json(job, queue))


@bp.delete("/jobs/<job_id>")
def cancel_job_by_id(job_id: str):  # type: ignore[no-untyped-def]
    """Cancel that job and only it (train or measure); 409 when it already ended."""
    registry = current_registry()
    job = registry.cancel(job_id)
    return jsonify({"cancelled": True, "job": registry.job_json(job)})


@bp.delete("/experiments/<experiment_id>/job")
def cancel_job(experiment_id: str):  # type: ignore[no-untyped-def]
    """Cancel the experiment's train job (kept for old pages; prefer DELETE /api/jobs/<id>,
    which cannot stop a newer job by mistake)."""
    registry = current_registry()
    session = registry.get(experiment_id)
    active = [j for j in registry.store.jobs_for(session.id, active=True) if j.kind == "train"]
    if not active:
        raise ApiError(409, "no_job", "no training job is running for this experiment")
    registry.cancel(active[0].id)
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
