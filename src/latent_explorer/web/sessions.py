"""Experiments held by the server, keyed by unguessable ids; no global model.

A session pairs a core :class:`Experiment` with the job runner. The web layer only starts jobs
and reads results; everything computed lives in the core objects.
"""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..core.experiment import Experiment, Iteration
from ..core.selection import Selection
from .errors import ApiError
from .jobs import Job, JobRunner

ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Session:
    id: str
    experiment: Experiment
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())


def _measured(job: Job, exp: Experiment, iteration: Iteration) -> Iteration:
    """Announce the coordinates first, so the page draws the plots, then compute the metrics
    (exact T and C take seconds on 10,000 MNIST points) and let "done" follow."""
    job.emit("projected", {"iteration": iteration.index})
    job.phase = "measuring"
    return exp.measure(iteration)


class SessionRegistry:
    """All experiments of this server process and their background jobs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self.jobs = JobRunner()

    def create(self, experiment: Experiment) -> Session:
        session = Session(id=uuid.uuid4().hex, experiment=experiment)
        with self._lock:
            self._sessions[session.id] = session
        return session

    def get(self, experiment_id: str) -> Session:
        if not ID_PATTERN.match(experiment_id or ""):
            raise ApiError(
                400, "bad_experiment_id", "experiment id must be 32 hexadecimal characters"
            )
        with self._lock:
            session = self._sessions.get(experiment_id)
        if session is None:
            raise ApiError(
                404,
                "experiment_not_found",
                f"experiment {experiment_id} does not exist (the server may have restarted); "
                "train a new one",
            )
        return session

    def start_initial(self, session: Session) -> Job:
        exp = session.experiment
        return self.jobs.start(
            session.id,
            kind="initial",
            iteration=0,
            work=lambda job: _measured(
                job,
                exp,
                exp.train(progress=job.progress_callback(), cancel=job.cancel, measure=False),
            ),
        )

    def start_retrain(
        self,
        session: Session,
        selection: Selection,
        *,
        parent: int,
        mode: str,
        epochs: int | None,
    ) -> Job:
        exp = session.experiment
        # Iterations are appended by the job thread; the index it will get is known now
        # because only one job per experiment runs at a time.
        return self.jobs.start(
            session.id,
            kind="retrain",
            iteration=len(exp.iterations),
            work=lambda job: _measured(
                job,
                exp,
                exp.retrain(
                    selection,
                    parent=parent,
                    mode=mode,
                    epochs=epochs,
                    progress=job.progress_callback(),
                    cancel=job.cancel,
                    measure=False,
                ),
            ),
        )

    def status(self, session: Session) -> dict[str, Any]:
        job = self.jobs.current(session.id)
        has_iterations = bool(session.experiment.iterations)
        if job is not None and job.state == "running":
            state = "training"
        elif job is not None and job.state in ("failed", "cancelled") and not has_iterations:
            state = job.state
        else:
            state = "ready" if has_iterations else "training"
        return {
            "status": state,
            "job": job.status() if job is not None else None,
            "error": job.error if job is not None and job.state == "failed" else None,
        }
