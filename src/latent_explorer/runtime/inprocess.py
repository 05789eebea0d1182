"""The zero-setup backend: a small pool of worker processes beside the web server.

Workers are forked from a ``forkserver`` (``spawn`` where the platform has none): a clean,
single-threaded process that imported torch and the job code once, so a worker starts in
milliseconds instead of the seconds a fresh interpreter needs to import torch, and carries no
copy of the server's locks or threads. Each worker runs one job at a time through
:func:`~.execute.run_job`. The web process keeps only two threads here: a dispatcher (hands
queued rows to idle workers, highest priority first, and watches the workers) and a reader
of the workers' result pipes (events, follow-up jobs, "idle"). So requests never share an
interpreter with the model, and a worker that dies (out of memory, a native fault, SIGKILL)
takes only its own job with it: the row goes back to ``queued`` once, else ends
``interrupted``, and a fresh worker takes its place.

Each worker has its own two pipes (job ids in, messages out), never a queue shared between
processes: a ``multiprocessing.Queue`` written by several processes guards the pipe with one
lock, and a worker killed while holding it (SIGKILL mid-event) leaves that lock taken for
good, so every other worker, and the server's own exit, would hang on it.

Scheduling: at most one train job per experiment runs at a time (iterations are numbered in
order); measure and seed jobs may take every worker but one, so a Submit always finds a free
worker while older iterations are measured or other seeds train; a worker that last ran the same experiment is
preferred (its dataset and distance caches are warm).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .events import EventLog
from .worker import WorkerConfig, context, without_main_path, worker_main

if TYPE_CHECKING:
    from ..store import Store

log = logging.getLogger(__name__)

POLL_S = 0.2  # the dispatcher's heartbeat: dead workers are noticed within this
# Workers start on demand: the first with the first job, another as soon as every started
# one is busy (a spare, so that a Submit made while an iteration is measured does not wait
# for a worker to start), or when a job has waited this long for a free one.
SPAWN_AFTER_S = 0.5


@dataclass
class _Worker:
    name: str
    process: Any
    tasks: Any  # the server's end of the job-id pipe
    results: Any  # the server's end of the message pipe
    ready: bool = False
    job: Any = None  # the Job it runs, or None
    recent: list[str] = field(default_factory=list)  # experiments it ran lately


class InProcessBackend:
    """A pool of ``size`` worker processes. ``on_event(stream, name, data)`` is called in the
    web process for every event (after it is in ``events``)."""

    def __init__(
        self,
        store: Store,
        events: EventLog,
        config: WorkerConfig,
        *,
        size: int = 2,
        on_event: Callable[[str, str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.store, self.events, self.config = store, events, config
        self.size = max(1, size)
        self.on_event = on_event
        self._ctx = context()
        self._workers: list[_Worker] = []
        # Workers that died with messages maybe still in their pipe (a measure job's
        # "cancelled" is sent just before its worker exits): read until end of file.
        self._draining: list[_Worker] = []
        self._cond = threading.Condition()
        self._started = False
        self._closed = False
        self._serial = 0
        # The jobs submitted here: another server on the same state folder runs its own.
        self._mine: set[str] = set()
        # Rows left queued or running by a process that died belong to nobody now.
        self.recovered = store.interrupt_unfinished()
        for job in self.recovered:
            self._publish(job.experiment_id, "interrupted",
                          {"job_id": job.id, "kind": job.kind, "iteration": job.iteration})  # fmt: skip

    # -- the interface ---------------------------------------------------------------------

    def submit(self, job_id: str) -> None:
        with self._cond:
            if self._closed:
                raise RuntimeError("the job backend is closed")
            self._mine.add(job_id)
            if not self._started:
                self._start()
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            workers = list(self._workers)
            self._cond.notify_all()
        for w in workers:
            _send(w.tasks, None)
        for w in workers:
            w.process.join(timeout=2.0)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=2.0)
            if w.job is not None:
                self._worker_lost(w.job, retry=False)
            _close(w.tasks)
        # Jobs still waiting here will not run either.
        for job in self.store.queued_jobs():
            if job.id in self._mine:
                self._worker_lost(job, retry=False)

    # -- for tests and benchmarks ----------------------------------------------------------

    def worker_pids(self) -> dict[str, int | None]:
        """Job id -> pid of the worker running it."""
        with self._cond:
            return {w.job.id: w.process.pid for w in self._workers if w.job is not None}

    def ready_workers(self) -> int:
        """Workers started and waiting for a job or running one."""
        with self._cond:
            return sum(1 for w in self._workers if w.ready and w.process.is_alive())

    def wait_ready(self, timeout: float = 120.0) -> bool:
        """Start the workers and wait until all have imported their modules."""
        with self._cond:
            if not self._started:
                self._start()
            while len(self._workers) < self.size:
                self._workers.append(self._spawn())
            return self._cond.wait_for(lambda: all(w.ready for w in self._workers), timeout)

    # -- inside ----------------------------------------------------------------------------

    def _start(self) -> None:
        self._started = True
        self._workers.append(self._spawn())
        threading.Thread(target=self._read_results, name="jobs-results", daemon=True).start()
        threading.Thread(target=self._dispatch_loop, name="jobs-dispatch", daemon=True).start()

    def _spawn(self) -> _Worker:
        self._serial += 1
        name = f"local-{self._serial}"
        tasks_in, tasks_out = self._ctx.Pipe(duplex=False)
        results_in, results_out = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(
            target=worker_main,
            args=(name, self.config, tasks_in, results_out, dict(os.environ)),
            name=f"latent-explorer-{name}",
            daemon=True,
        )
        with without_main_path():
            process.start()
        # The worker's ends live in the worker now: closing ours here means a dead worker
        # reads as end-of-file on its results pipe and a broken pipe on its task pipe.
        tasks_in.close()
        results_out.close()
        return _Worker(name=name, process=process, tasks=tasks_out, results=results_in)

    def _publish(self, stream: str, name: str, data: dict[str, Any]) -> None:
        self.events.append(stream, name, data)
        if self.on_event is not None:
            try:
                self.on_event(stream, name, data)
            except Exception:  # noqa: BLE001 - a listener must not stop the event flow
                log.exception("event listener")

    def _read_results(self) -> None:
        """Read every worker's messages. The set of pipes is taken afresh each round (workers
        come and go), so a new worker is heard within ``POLL_S``."""
        from multiprocessing.connection import wait

        pipes: dict[Any, _Worker] = {}
        while True:
            with self._cond:
                if self._closed:
                    break
                everyone = [*self._workers, *self._draining]
                pipes = {w.results: w for w in everyone if w.results is not None}
            try:
                ready = wait(list(pipes), timeout=POLL_S)
            except OSError:
                continue
            for conn in ready:
                worker = pipes[conn]
                try:
                    message: Any = worker.results.recv()
                except Exception:  # noqa: BLE001 - a dead worker: end of file or a cut message
                    with self._cond:
                        worker.results = None
                        if worker in self._draining:
                            self._draining.remove(worker)
                    _close(conn)
                    continue
                self._handle(worker, message)
        for conn in pipes:
            _close(conn)

    def _handle(self, worker: _Worker, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "event":
            _, stream, name, data = message
            self._publish(stream, name, data)
            return
        with self._cond:
            if kind == "submit":
                self._mine.add(message[2])
            elif kind == "ready":
                worker.ready = True
            elif kind == "idle":
                worker.job = None
            self._cond.notify_all()

    def _dispatch_loop(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                self._cond.wait(POLL_S)
                if self._closed:
                    return
                lost = self._replace_dead()
            for job in lost:
                self._worker_lost(job, retry=True)
            try:
                self._dispatch()
            except Exception:  # noqa: BLE001 - e.g. a locked database: try again next tick
                log.exception("dispatching jobs")

    def _replace_dead(self) -> list[Any]:
        lost = []
        for i, w in enumerate(self._workers):
            if w.process.is_alive():
                continue
            log.warning("worker %s exited with %s", w.name, w.process.exitcode)
            if w.job is not None:
                lost.append(w.job)
            if w.results is not None:
                self._draining.append(w)
            _close(w.tasks)
            self._workers[i] = self._spawn()
        return lost

    def _worker_lost(self, job: Any, *, retry: bool) -> None:
        if retry:
            state = self.store.requeue_or_interrupt(job.id)
        else:
            from .jobs import INTERRUPTED_MESSAGE

            ended = self.store.finish_job(job.id, state="interrupted", error=INTERRUPTED_MESSAGE)
            state = "interrupted" if ended else None
        if state is None:
            return  # it had ended (e.g. a cancelled measure job whose worker exited)
        data = {"job_id": job.id, "kind": job.kind, "iteration": job.iteration}
        self._publish(job.experiment_id, "requeued" if state == "queued" else "interrupted",
                      {**data, "state": state})  # fmt: skip

    def _waited_long(self) -> bool:
        queued = [j for j in self.store.queued_jobs() if j.id in self._mine]
        return bool(queued) and max(_age_s(j.created_at) for j in queued) > SPAWN_AFTER_S

    def _dispatch(self) -> None:
        with self._cond:
            idle = [w for w in self._workers if w.ready and w.job is None]
            starting = any(not w.ready for w in self._workers)
            busy = [w.job for w in self._workers if w.job is not None]
            room = len(self._workers) < self.size
        if not idle:
            if room and not starting and (busy or self._waited_long()):
                self._add_worker()
            return
        training = {j.experiment_id for j in busy if j.kind == "train"}
        # Measure and seed jobs are background work: they may take every worker but one.
        measuring = sum(1 for j in busy if j.kind != "train")
        for job in self.store.queued_jobs():
            if not idle:
                break
            if job.id not in self._mine:
                continue
            if job.kind == "train" and job.experiment_id in training:
                continue
            if job.kind != "train" and self.size > 1 and measuring >= self.size - 1:
                continue
            worker = next((w for w in idle if job.experiment_id in w.recent), idle[0])
            with self._cond:
                if self._closed or not worker.process.is_alive():
                    return
                worker.job = job
                worker.recent = [job.experiment_id, *[e for e in worker.recent
                                                      if e != job.experiment_id]][:2]  # fmt: skip
            # A worker that died since it was seen idle: the next round finds it dead and
            # gives its job back to the queue.
            _send(worker.tasks, job.id)
            idle.remove(worker)
            if job.kind == "train":
                training.add(job.experiment_id)
            else:
                measuring += 1
        if not idle and room and not starting:
            # Every worker is busy now: start the spare while nobody waits for it (a fork of
            # the warm forkserver, about 0.3 s; the first Submit after a Train was 1 s slower).
            self._add_worker()

    def _add_worker(self) -> None:
        with self._cond:
            if not self._closed and len(self._workers) < self.size:
                self._workers.append(self._spawn())


def _age_s(created_at: str) -> float:
    from datetime import datetime, timezone

    return (datetime.now(timezone.utc) - datetime.fromisoformat(created_at)).total_seconds()


def _send(conn: Any, message: Any) -> None:
    with contextlib.suppress(OSError, ValueError):
        conn.send(message)


def _close(conn: Any) -> None:
    with contextlib.suppress(OSError):
        conn.close()


__all__ = ["InProcessBackend", "WorkerConfig"]
