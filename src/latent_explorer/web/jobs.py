"""Routes that follow and cancel an experiment's jobs on the /api blueprint: the event stream
(Server-Sent Events), a job's row, cancel or stop by job id, the live frame of a training.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request

from .. import contract
from .api import bp
from .binary import float32_answer
from .errors import ApiError
from .security import hold_event_stream
from .sessions import current_registry
from .streams import RETRY_AFTER_S, StreamRefused, StreamSlots, follow


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


@bp.post("/jobs/<job_id>/stop")
def stop_job(job_id: str):  # type: ignore[no-untyped-def]
    """ "Stop now, keep this model": a running train job ends after its current epoch and
    stores its iteration as it is (measured as usual); 409 when no such job is running."""
    registry = current_registry()
    job = registry.job(job_id)
    if not registry.store.request_stop(job.id):
        raise ApiError(
            409,
            "not_training",
            f"job {job_id} ({job.kind}, iteration {job.iteration}) is {job.state}, not a "
            "running training; only a running train job can stop and keep its model",
        )
    return jsonify({"stopping": True, "job": registry.job_json(registry.job(job_id))}), 202


@bp.get("/experiments/<experiment_id>/iterations/<int:k>/live")
def live_frame(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    """The latest coordinates of iteration ``k`` while it trains, as raw float32 like
    ``embedding?format=f32``, with its ``X-Epoch`` of ``X-Epochs``; 204 (no body) when it is
    not training (not begun, or stored: read its embedding then). Not a 404: the page asks
    after each "live" event, and a frame replaced by the stored iteration is not an error."""
    registry = current_registry()
    registry.check_id(experiment_id)
    frame = registry.store.live_frame(experiment_id, k)
    if frame is None:
        if registry.store.experiment(experiment_id) is None:
            raise registry._not_found(experiment_id)
        return Response(status=204, headers={"Cache-Control": "no-store"})
    return float32_answer(
        frame.coords.T,
        {
            "X-Points": frame.coords.shape[0],
            "X-Iteration": k,
            "X-Epoch": frame.epoch,
            "X-Epochs": frame.epochs,
            "Cache-Control": "no-store",
        },
    )
