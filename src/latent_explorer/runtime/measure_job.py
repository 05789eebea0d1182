"""The body of a measure job: exact metrics of one iteration, reported while they are computed.

A large dataset gets a sampled preview first (stored and announced as ``measured`` with
``sampled``), then the exact pass over all points, which reports throttled ``estimates``
events (:mod:`.estimates`) and stores the finished rows' exact local T and C as it goes
(:mod:`.partial_values`), so the page's distortion map fills in with the rows. The exact
tables and per-point values are stored, then announced.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol

from ..core.experiment import Experiment
from .estimates import EstimateEvents, MeasureTuning
from .events import EventLog
from .jobs import Job
from .partial_values import MeasuredRows

if TYPE_CHECKING:
    from ..store import Store

DEFAULT_TUNING = MeasureTuning()  # automatic blocks, estimates at most every 0.5 s


class Watch(Protocol):
    """What the job's watcher offers a measure job: the progress its heartbeat stores."""

    progress: dict[str, Any] | None


def measure_iteration(
    job: Job,
    exp: Experiment,
    *,
    store: Store,
    events: EventLog,
    watch: Watch,
    measure: MeasureTuning = DEFAULT_TUNING,
) -> None:
    stream = job.experiment_id
    it = exp.iterations[job.iteration]
    if it.metrics is not None and not it.metrics_sampled:
        events.append(stream, "measured", {"job_id": job.id, "iteration": it.index,
                                           "sampled": False})  # fmt: skip
        return
    # ETA: the parent's exact metrics took about as long (same points, same code path).
    parent = exp.iterations[it.parent] if it.parent is not None else None
    eta = parent.metric_seconds if parent is not None and parent.metrics_sampled is False else None
    start = time.monotonic()

    def snapshot(stage: str) -> dict[str, Any]:
        data = {"job_id": job.id, "kind": "measure", "iteration": it.index, "stage": stage,
                "eta_s": eta, "elapsed_s": round(time.monotonic() - start, 3)}  # fmt: skip
        watch.progress = data
        events.append(stream, "progress", data)
        return data

    if exp.needs_preview and it.metrics is None:
        snapshot("sampled")
        exp.preview(it)
        store.save_metrics(job.experiment_id, it)
        events.append(stream, "measured", {"job_id": job.id, "iteration": it.index,
                                           "sampled": True})  # fmt: skip
    snapshot("exact")
    unmeasured = {i.index for i in exp.iterations if i.metrics is None or i.metrics_sampled}
    # While the pass over all points runs: estimates with 95 % intervals and an ETA.
    # ... and the finished rows' exact local T and C, for the distortion map as it fills in.
    rows = MeasuredRows(
        exp.dataset.n_samples, lambda pv: store.write_partial_values(stream, it.index, pv)
    )
    estimates = EstimateEvents(
        lambda data: events.append(stream, "estimates", data),
        {"job_id": job.id, "kind": "measure", "iteration": it.index},
        every_s=measure.every_s,
        rows=rows,
    )
    # Measures its parent first when that is still unmeasured (without estimates).
    exp.measure(it, on_progress=estimates, block_size=measure.block_rows)
    for other in exp.iterations:
        if other.index in unmeasured and other.metrics is not None and not other.metrics_sampled:
            store.save_metrics(job.experiment_id, other)
    events.append(stream, "measured", {"job_id": job.id, "iteration": it.index, "sampled": False})
