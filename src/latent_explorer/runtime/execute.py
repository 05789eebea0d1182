"""The worker-side body of every job, whichever backend runs it.

:func:`run_job` claims the row (``queued -> running`` for exactly one caller: a redelivered
task does nothing), loads the experiment from the store, trains or measures it through the
core, writes what it made to the store *before* announcing it, publishes events, heartbeats,
polls the row's ``cancel_requested`` flag, and ends the row.

A train job ends by queueing the measure job of its iteration (lower priority), so the next
Submit never waits for exact metrics. Iteration numbers are fixed in the job row, so a job
run again after its worker died overwrites its own iteration instead of adding one.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.datasets import Dataset
from ..core.experiment import Experiment
from ..core.selection import Selection
from ..core.training import LiveFrames, Progress, TrainingCancelled
from .estimates import MeasureTuning
from .events import EventLog
from .jobs import PRIORITY, Job
from .measure_job import DEFAULT_TUNING, measure_iteration
from .seeds import SEED_KIND, QuietEvents, ended, queue_seeds, run_seed

if TYPE_CHECKING:
    from ..store import Store

log = logging.getLogger(__name__)

HEARTBEAT_S = 0.25  # how often a worker records it is alive and reads the cancel flag


@dataclass(frozen=True)
class DatasetSource:
    """Loads datasets by name in any process: built-in ones from ``data_dir``, uploaded ones
    (``user:<slug>``) from ``<state_dir>/datasets``. Picklable, so workers get one."""

    data_dir: str | None
    state_dir: str

    def __call__(self, name: str) -> Dataset:
        from ..core.datasets import USER_PREFIX, UserDatasetStore, load_dataset

        if name.startswith(USER_PREFIX):
            return UserDatasetStore(Path(self.state_dir) / "datasets").load(name)
        return load_dataset(name, data_dir=self.data_dir)


class ExperimentCache:
    """The experiments a worker holds, least recently used dropped first; each use catches
    up with the store (iterations written by other workers)."""

    def __init__(
        self,
        store: Store,
        load_dataset: Callable[[str], Dataset],
        *,
        device: str = "auto",
        size: int = 2,
    ) -> None:
        self.store, self.load_dataset, self.device, self.size = store, load_dataset, device, size
        self._items: OrderedDict[str, Experiment] = OrderedDict()

    def get(self, experiment_id: str) -> Experiment:
        exp = self._items.get(experiment_id)
        if exp is None:
            exp, _ = self.store.load(
                experiment_id, load_dataset=self.load_dataset, device=self.device
            )
            self._items[experiment_id] = exp
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        else:
            self.store.sync(experiment_id, exp)
        self._items.move_to_end(experiment_id)
        return exp


class _Watch(threading.Thread):
    """Heartbeats, reads the cancel flag and enforces the wall-clock cap while a job runs.

    Training stops at the next batch (the token); measuring cannot be interrupted from
    inside, so with ``may_exit`` the worker ends the row and exits: its backend starts a
    fresh worker. Without it (a job run in a caller's own process) measuring finishes first.
    """

    def __init__(
        self,
        store: Store,
        events: EventLog,
        job: Job,
        *,
        wall_seconds: float,
        may_exit: bool,
    ) -> None:
        super().__init__(name=f"watch-{job.id[:8]}", daemon=True)
        self.store, self.events, self.job = store, events, job
        self.wall_seconds, self.may_exit = wall_seconds, may_exit
        self.cancel = threading.Event()  # the core's CancelToken
        self.stop_training = threading.Event()  # "stop now, keep this model"
        self.over_time = False
        self.progress: dict[str, Any] | None = None
        self._stop_event = threading.Event()
        self._start = time.monotonic()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        while not self._stop_event.wait(HEARTBEAT_S):
            try:
                signals = self.store.heartbeat(self.job.id, self.progress)
            except Exception:  # noqa: BLE001 - a busy database must not kill the job
                log.exception("heartbeat of job %s failed", self.job.id)
                continue
            if signals.stop:
                self.stop_training.set()
            cancelled = signals.cancel
            over = time.monotonic() - self._start > self.wall_seconds
            if not (cancelled or over):
                continue
            self.over_time = over and not cancelled
            self.cancel.set()
            if self.job.kind == "measure" and self.may_exit:
                state, error = _stopped(self)
                if self.store.finish_job(self.job.id, state=state, error=error):
                    self.events.append(
                        self.job.experiment_id, _EVENT[state], _ended(self.job, state, error)
                    )
                flush = getattr(self.events, "flush", None)
                if flush is not None:
                    flush()  # the "cancelled" event must leave before the process does
                os._exit(0)  # the only way to stop native code mid-call
            return


_EVENT = {"done": "done", "failed": "error", "cancelled": "cancelled"}


def _stopped(watch: _Watch) -> tuple[str, str | None]:
    if watch.over_time:
        return "failed", (
            f"the job ran past the wall-clock limit of {watch.wall_seconds:,.0f} s "
            "(MAX_WALL_SECONDS); use fewer epochs or points"
        )
    return "cancelled", None


def _ended(job: Job, state: str, error: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"job_id": job.id, "kind": job.kind, "iteration": job.iteration}
    data["state"] = state
    if error is not None:
        data["message"] = error
    return data


def run_job(
    job_id: str,
    *,
    store: Store,
    events: EventLog,
    submit: Callable[[str], None],
    experiments: ExperimentCache,
    worker: str,
    wall_seconds: float = 3_600,
    may_exit: bool = False,
    measure: MeasureTuning = DEFAULT_TUNING,
) -> str | None:
    """Run one job to its end; return its final state, or None when the claim failed (the
    job was already taken, cancelled or finished: nothing is done).

    ``measure``: how a measure job's exact pass reports its estimates."""
    job = store.claim_job(job_id, worker=worker)
    if job is None:
        return None
    stream = job.experiment_id
    if job.kind == SEED_KIND:
        events = QuietEvents()  # type: ignore[assignment]  # the page asks for seeds instead
    watch = _Watch(store, events, job, wall_seconds=wall_seconds, may_exit=may_exit)
    error: str | None = None
    try:
        exp = experiments.get(job.experiment_id)
        _fix_iteration(store, job, exp)
        events.append(
            stream, "started", {"job_id": job.id, "kind": job.kind, "iteration": job.iteration}
        )
        watch.start()
        if job.kind == "train":
            _train(job, exp, store=store, events=events, submit=submit, watch=watch)
            state = "done"
        elif job.kind == SEED_KIND:
            run_seed(job, exp, store=store, cancel=watch.cancel, on_progress=_progress_of(watch))
            state = "done"
        else:
            measure_iteration(
                job,
                exp,
                store=store,
                events=events,
                watch=watch,
                measure=measure,
            )
            state = "done"
    except TrainingCancelled:
        state, error = _stopped(watch)
    except Exception as exc:  # noqa: BLE001 - any failure must reach the page, not the worker
        log.exception("job %s failed", job.id)
        state = "failed"
        error = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
    finally:
        watch.stop()
    if watch.cancel.is_set() and state == "done":
        state, error = _stopped(watch)  # asked to stop as it finished: the result is kept
    if store.finish_job(job.id, state=state, error=error):
        name = "trained" if (job.kind, state) == ("train", "done") else _EVENT[state]
        events.append(stream, name, _ended(job, state, error))
    if job.kind == SEED_KIND:
        ended(store, job, submit)  # hands over (or cancels) the replica's next iteration
    return state


def _progress_of(watch: _Watch) -> Callable[[dict[str, Any]], None]:
    def keep(data: dict[str, Any]) -> None:
        watch.progress = data  # the heartbeat stores it in the row: GET /api/jobs shows it

    return keep


def _fix_iteration(store: Store, job: Job, exp: Experiment) -> None:
    """A train job makes the next iteration. A re-run (its worker died after storing it)
    replaces what its first run stored; a job queued behind one that failed moves down."""
    if job.kind == SEED_KIND:
        return  # iteration k of the main chain is stored: run_seed checks
    if job.kind != "train":
        if not 0 <= job.iteration < len(exp.iterations):
            raise ValueError(f"iteration {job.iteration} is not stored; nothing to measure")
        return
    if job.iteration < len(exp.iterations):
        del exp.iterations[job.iteration :]
    elif job.iteration > len(exp.iterations):
        job.iteration = len(exp.iterations)
        store.set_job_iteration(job.id, job.iteration)


def _train(
    job: Job,
    exp: Experiment,
    *,
    store: Store,
    events: EventLog,
    submit: Callable[[str], None],
    watch: _Watch,
) -> None:
    stream = job.experiment_id
    progress_extra: dict[str, int] = {}

    def report(p: Progress) -> None:
        data = {
            **progress_extra,
            "job_id": job.id,
            "kind": "train",
            "iteration": job.iteration + progress_extra.get("repetition", 1) - 1,
            "epoch": p.epoch,
            "epochs": p.epochs,
            "loss": p.loss,
            "parts": p.parts,
            "elapsed_s": round(p.elapsed_s, 3),
        }
        if p.held_out is not None:  # training to convergence: what steers the stop
            data.update(held_out=p.held_out, best_epoch=p.best_epoch)
        watch.progress = data
        events.append(stream, "progress", data)

    def show(coords: Any, p: Progress) -> None:
        # The frame is stored before it is announced, like an iteration.
        k = job.iteration + progress_extra.get("repetition", 1) - 1
        store.write_live_frame(stream, k, coords, epoch=p.epoch, epochs=p.epochs)
        events.append(stream, "live", {"job_id": job.id, "iteration": k, "epoch": p.epoch,
                                       "epochs": p.epochs})  # fmt: skip

    live = LiveFrames(exp.dataset.X, show)
    params = job.params
    # ``repeat`` (a chain of fine-tunes on the same selection, each stored as an iteration
    # whose parent is the one before): one job, so a Cancel stops the whole chain.
    repeat = int(params.get("repeat") or 1)
    parent = params.get("parent")
    for repetition in range(1, repeat + 1):
        progress_extra.update(repetition=repetition, repetitions=repeat)
        if job.iteration == 0:
            it = exp.train(
                progress=report,
                cancel=watch.cancel,
                stop=watch.stop_training,
                on_epoch=live,
                measure=False,
            )
        else:
            selection = Selection.from_dict(params["selection"], n_samples=exp.dataset.n_samples)
            it = exp.retrain(
                selection,
                parent=len(exp.iterations) - 1 if parent is None else int(parent),
                mode=params.get("mode", "finetune"),
                epochs=params.get("epochs"),
                progress=report,
                cancel=watch.cancel,
                stop=watch.stop_training,
                on_epoch=live,
                measure=False,
            )
        if watch.cancel.is_set():
            raise TrainingCancelled("cancelled after the last epoch")
        store.save_iteration(job.experiment_id, it)
        store.drop_live_frames(job.experiment_id)
        projected: dict[str, Any] = {"job_id": job.id, "iteration": it.index}
        if repeat > 1:  # the page stays "training" until the last repetition is projected
            projected.update(repetition=repetition, repetitions=repeat)
        events.append(stream, "projected", projected)
        _queue_measure(job, it.index, store=store, events=events, submit=submit)
        # After the measure job: the other seeds never hold up the plots or the metrics.
        epochs = params.get("epochs") if job.iteration > 0 else None
        queue_seeds(store, job.experiment_id, it.index, epochs=epochs, submit=submit)
        parent = it.index
        if watch.stop_training.is_set():
            break  # "stop now" ends a repeated Submit after the repetition it stopped


def _queue_measure(
    job: Job, index: int, *, store: Store, events: EventLog, submit: Callable[[str], None]
) -> None:
    measure = Job(
        experiment_id=job.experiment_id,
        kind="measure",
        iteration=index,
        priority=PRIORITY["measure"],
        params={"after": job.id},
    )
    store.create_job(measure)
    events.append(
        job.experiment_id,
        "queued",
        {"job_id": measure.id, "kind": "measure", "iteration": index},
    )
    submit(measure.id)
