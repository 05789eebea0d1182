"""Background jobs: training runs in a thread per job; progress is an append-only event log.

Each experiment has at most one job at a time. Its events (progress, done, error, cancelled)
are kept in a list guarded by a condition variable, so any number of Server-Sent-Event streams
can replay them from the start and then wait for more, and a page that reconnects misses
nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..core.training import Progress, TrainingCancelled

log = logging.getLogger(__name__)

TERMINAL_EVENTS = ("done", "error", "cancelled")


class JobConflict(RuntimeError):
    """A job is already running for this experiment."""


@dataclass
class Event:
    name: str
    data: dict[str, Any]


@dataclass
class Job:
    """One background training run and its event log."""

    kind: str  # "initial" or "retrain"
    iteration: int
    cancel: threading.Event = field(default_factory=threading.Event)
    events: list[Event] = field(default_factory=list)
    state: str = "running"  # running | done | failed | cancelled
    phase: str = "training"  # training, then measuring once the coordinates are stored
    error: str | None = None
    last_progress: dict[str, Any] | None = None
    started: float = field(default_factory=time.time)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def emit(self, name: str, data: dict[str, Any]) -> None:
        with self._cond:
            self.events.append(Event(name, data))
            if name == "progress":
                self.last_progress = data
            self._cond.notify_all()

    def progress_callback(self) -> Callable[[Progress], None]:
        def report(p: Progress) -> None:
            self.emit(
                "progress",
                {
                    "iteration": self.iteration,
                    "epoch": p.epoch,
                    "epochs": p.epochs,
                    "loss": p.loss,
                    "parts": p.parts,
                },
            )

        return report

    def follow(
        self, *, start: int = 0, timeout: float = 15.0
    ) -> Iterator[tuple[int, Event | None]]:
        """Yield (index, event) from ``start`` on; yield (index, None) as a keep-alive when
        nothing happened for ``timeout`` seconds; stop after a terminal event."""
        i = start
        while True:
            with self._cond:
                if i >= len(self.events):
                    self._cond.wait(timeout)
                batch = self.events[i:]
            if not batch:
                yield i, None
                continue
            for event in batch:
                yield i, event
                i += 1
                if event.name in TERMINAL_EVENTS:
                    return

    def status(self) -> dict[str, Any]:
        p = self.last_progress or {}
        return {
            "kind": self.kind,
            "iteration": self.iteration,
            "state": self.state,
            "phase": self.phase,
            "epoch": p.get("epoch", 0),
            "epochs": p.get("epochs"),
            "loss": p.get("loss"),
            "elapsed_s": round(time.time() - self.started, 3),
        }


class JobRunner:
    """Starts jobs in daemon threads; one running job per key (an experiment id)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def current(self, key: str) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def running(self, key: str) -> Job | None:
        job = self.current(key)
        return job if job is not None and job.state == "running" else None

    def start(
        self,
        key: str,
        *,
        kind: str,
        iteration: int,
        work: Callable[[Job], Any],
        on_done: Callable[[Job, Any], None] | None = None,
    ) -> Job:
        """Run ``work(job)`` in a thread. Raises :class:`JobConflict` if ``key`` is busy."""
        with self._lock:
            old = self._jobs.get(key)
            if old is not None and old.state == "running":
                raise JobConflict(
                    f"a {old.kind} job (iteration {old.iteration}) is still running for this "
                    "experiment; wait for it to finish or cancel it first"
                )
            job = Job(kind=kind, iteration=iteration)
            self._jobs[key] = job
        thread = threading.Thread(
            target=self._run, args=(job, work, on_done), name=f"job-{key[:8]}", daemon=True
        )
        thread.start()
        return job

    @staticmethod
    def _run(
        job: Job, work: Callable[[Job], Any], on_done: Callable[[Job, Any], None] | None
    ) -> None:
        try:
            result = work(job)
            if on_done is not None:
                on_done(job, result)
        except TrainingCancelled:
            job.state = "cancelled"
            job.emit("cancelled", {"iteration": job.iteration})
            return
        except Exception as exc:  # noqa: BLE001 - any failure must reach the page, not kill the server
            log.exception("job failed")
            job.state = "failed"
            job.error = (
                f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc)
            )
            job.emit("error", {"iteration": job.iteration, "message": job.error})
            return
        job.state = "done"
        job.emit("done", {"iteration": job.iteration})

    def cancel(self, key: str) -> bool:
        job = self.running(key)
        if job is None:
            return False
        job.cancel.set()
        return True

    def wait(self, key: str, timeout: float = 60.0) -> Job | None:
        """Block until the current job of ``key`` ends (used by tests and the CLI)."""
        job = self.current(key)
        if job is None:
            return None
        deadline = time.time() + timeout
        for _ in job.follow(timeout=0.2):
            if time.time() > deadline:
                break
        return job
