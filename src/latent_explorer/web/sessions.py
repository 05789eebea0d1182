"""Experiments held by the server, keyed by unguessable ids; no global model.

A session pairs a core :class:`Experiment` with the job runner. The web layer only starts jobs
and reads results; everything computed lives in the core objects.

With a :class:`~latent_explorer.web.store.Store` every experiment, iteration (selection,
coordinates, per-point values, weights) and metric table is saved as soon as it exists:

- a new experiment gets its row at once (status ``training``);
- a job gets a row when it starts and its final state when it ends;
- an iteration's files and row are written right after it is projected, before the page is
  told ("projected"), and its metrics right after they are measured, before "done".

Experiments of earlier server runs are restored lazily, the first time one is asked for, with
all their iterations, so the analyst can Submit again from any of them. An iteration that was
projected but not measured when the server stopped is measured again in the background when
its experiment is restored (a ``measure`` job: the page shows "measuring iteration k"); its
coordinates and weights are used as saved.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..core.datasets import Dataset
from ..core.experiment import Experiment, Iteration
from ..core.selection import Selection
from ..core.training import TrainingCancelled
from .errors import ApiError
from .jobs import Job, JobRunner
from .store import ID_PATTERN, Store

log = logging.getLogger(__name__)

__all__ = ["ID_PATTERN", "Session", "SessionRegistry", "registry_for_app"]

DatasetLoader = Callable[[str], Dataset]


@dataclass
class Session:
    id: str
    experiment: Experiment
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    # Iterations whose metrics are in the store (so each set is written once).
    saved_metrics: set[int] = field(default_factory=set)


def _error_text(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"


class SessionRegistry:
    """All experiments of this server process, their background jobs and their storage.

    Parameters
    ----------
    store : Store, optional
        Where experiments are saved and restored from; without one nothing is persisted.
    load_dataset : callable, optional
        ``load_dataset(name) -> Dataset``, used to restore stored experiments. The web layer
        passes one that also knows uploaded datasets (``user:<slug>``); it may be replaced
        later by assigning :attr:`load_dataset`.
    device : str
        Device of restored experiments ("auto", "cpu", "cuda").
    """

    def __init__(
        self,
        store: Store | None = None,
        *,
        load_dataset: DatasetLoader | None = None,
        device: str = "auto",
    ) -> None:
        self._lock = threading.Lock()
        self._restore_lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self.jobs = JobRunner()
        self.store = store
        self.load_dataset = load_dataset
        self.device = device
        self.interrupted: list[str] = store.recover_interrupted() if store is not None else []

    # -- lookup ------------------------------------------------------------------------------

    def create(self, experiment: Experiment) -> Session:
        session = Session(id=uuid.uuid4().hex, experiment=experiment)
        if self.store is not None:
            self.store.create_experiment(session.id, experiment, created_at=session.created_at)
        with self._lock:
            self._sessions[session.id] = session
        return session

    @staticmethod
    def check_id(experiment_id: str) -> str:
        if not ID_PATTERN.match(experiment_id or ""):
            raise ApiError(
                400, "bad_experiment_id", "experiment id must be 32 hexadecimal characters"
            )
        return experiment_id

    @staticmethod
    def _not_found(experiment_id: str) -> ApiError:
        return ApiError(
            404,
            "experiment_not_found",
            f"experiment {experiment_id} does not exist (it may have been deleted); "
            "train a new one",
        )

    def get(self, experiment_id: str) -> Session:
        """The session of an experiment, restored from the store when not in memory."""
        self.check_id(experiment_id)
        with self._lock:
            session = self._sessions.get(experiment_id)
        if session is not None:
            return session
        if self.store is None:
            raise self._not_found(experiment_id)
        with self._restore_lock:
            with self._lock:
                session = self._sessions.get(experiment_id)
            if session is None:
                session = self._restore(experiment_id)
        return session

    def _restore(self, experiment_id: str) -> Session:
        assert self.store is not None
        row = self.store.experiment(experiment_id)
        if row is None:
            raise self._not_found(experiment_id)
        loader = self.load_dataset
        if loader is None:
            raise ApiError(
                409, "dataset_unavailable", "this server cannot load datasets of stored experiments"
            )

        def load_dataset(name: str) -> Dataset:
            try:
                return loader(name)
            except ApiError:
                raise
            except Exception as exc:  # noqa: BLE001 - any loader's own error types
                raise ApiError(
                    409,
                    "dataset_unavailable",
                    f"experiment {experiment_id} uses dataset {name!r}, which cannot be "
                    f"loaded: {exc}",
                ) from exc

        try:
            exp, row = self.store.load(experiment_id, load_dataset=load_dataset, device=self.device)
        except KeyError as exc:  # deleted meanwhile
            raise self._not_found(experiment_id) from exc
        except ApiError:
            raise
        except Exception as exc:  # noqa: BLE001 - missing or damaged files
            log.exception("cannot restore experiment %s", experiment_id)
            raise ApiError(
                409,
                "experiment_unavailable",
                f"experiment {experiment_id} cannot be restored: {exc}",
            ) from exc
        session = Session(
            id=experiment_id,
            experiment=exp,
            created_at=row["created_at"],
            saved_metrics={it.index for it in exp.iterations if it.metrics is not None},
        )
        with self._lock:
            self._sessions[experiment_id] = session
        if any(it.metrics is None for it in exp.iterations):
            self._start_measure(session)
        return session

    def list_experiments(self, *, limit: int = 50) -> list[dict[str, Any]]:
        """Experiments, the most recently updated first (stored ones, else those in memory)."""
        if self.store is not None:
            return self.store.list_experiments(limit=limit)
        with self._lock:
            sessions = list(self._sessions.values())
        out = []
        for s in sessions:
            exp = s.experiment
            out.append(
                {
                    "id": s.id,
                    "dataset": exp.dataset.name,
                    "dataset_title": exp.dataset.title,
                    "model": exp.model_kind,
                    "created_at": s.created_at,
                    "updated_at": exp.iterations[-1].created_at if exp.iterations else s.created_at,
                    "n_iterations": len(exp.iterations),
                    "status": self.status(s)["status"],
                }
            )
        out.sort(key=lambda d: (d["updated_at"], d["created_at"]), reverse=True)
        return out[:limit]

    def delete(self, experiment_id: str) -> None:
        """Forget an experiment and remove its stored rows and files.

        Raises a 409 :class:`ApiError` while one of its jobs runs, and 404 when unknown.
        """
        self.check_id(experiment_id)
        # The restore lock too: a restore running now must not bring the experiment back.
        with self._restore_lock, self._lock:
            job = self.jobs.running(experiment_id)
            if job is not None:
                raise ApiError(
                    409,
                    "job_running",
                    f"a {job.kind} job (iteration {job.iteration}) is running for this "
                    "experiment; cancel it first (DELETE /api/experiments/<id>/job)",
                )
            in_memory = self._sessions.pop(experiment_id, None) is not None
            stored = self.store.delete_experiment(experiment_id) if self.store else False
        if not (in_memory or stored):
            raise self._not_found(experiment_id)

    # -- jobs --------------------------------------------------------------------------------

    def _start(
        self,
        session: Session,
        *,
        kind: str,
        iteration: int,
        train: Callable[[Job], Iteration],
    ) -> Job:
        with self._lock:
            if self._sessions.get(session.id) is not session:
                raise self._not_found(session.id)
            return self.jobs.start(
                session.id,
                kind=kind,
                iteration=iteration,
                work=lambda job: self._run(session, job, train),
            )

    def _run(self, session: Session, job: Job, train: Callable[[Job], Iteration]) -> Iteration:
        """A job's body: train, save, announce the coordinates, measure, save the metrics."""
        store = self.store
        job_row = (
            store.start_job(session.id, kind=job.kind, iteration=job.iteration)
            if store is not None
            else None
        )
        try:
            iteration = train(job)
            if store is not None:
                store.save_iteration(session.id, iteration)
            # Announce the coordinates first, so the page draws the plots, then compute the
            # metrics (exact T and C take seconds on 10,000 MNIST points); "done" follows.
            job.emit("projected", {"iteration": iteration.index})
            job.phase = "measuring"
            if store is not None:
                store.set_status(session.id, "measuring")
            exp = session.experiment
            if exp.needs_preview:
                # Exact T and C over 70,000 points take about a minute: a table measured on
                # the fixed 2,000-point sample comes first, labelled as sampled.
                exp.preview(iteration)
                job.emit("measured", {"iteration": iteration.index, "sampled": True})
            exp.measure(iteration, on_progress=_estimates_emitter(job, iteration.index))
            self._save_metrics(session)
        except TrainingCancelled:
            self._finish(job_row, "cancelled", None)
            raise
        except Exception as exc:
            self._finish(job_row, "failed", _error_text(exc))
            raise
        self._finish(job_row, "done", None)
        return iteration

    def _finish(self, job_row: int | None, state: str, error: str | None) -> None:
        if self.store is None or job_row is None:
            return
        try:
            self.store.finish_job(job_row, state=state, error=error)
        except Exception:  # noqa: BLE001 - the job's own outcome must still reach the page
            log.exception("cannot record the end of job %s", job_row)

    def _save_metrics(self, session: Session) -> None:
        """Store the metrics of every newly measured iteration (a parent may be one)."""
        if self.store is None:
            return
        for it in list(session.experiment.iterations):
            exact = it.metrics is not None and not it.metrics_sampled
            if exact and it.index not in session.saved_metrics:
                self.store.save_metrics(session.id, it)
                session.saved_metrics.add(it.index)

    def _start_measure(self, session: Session) -> Job:
        """Measure restored iterations that were projected but not measured before a stop."""
        exp = session.experiment
        pending = [it for it in exp.iterations if it.metrics is None]

        def work(job: Job) -> None:
            job.phase = "measuring"
            for it in pending:
                job.iteration = it.index
                exp.measure(it)
                self._save_metrics(session)

        job = self.jobs.start(session.id, kind="measure", iteration=pending[0].index, work=work)
        job.phase = "measuring"
        return job

    def start_initial(self, session: Session) -> Job:
        exp = session.experiment
        return self._start(
            session,
            kind="initial",
            iteration=0,
            train=lambda job: exp.train(
                progress=job.progress_callback(), cancel=job.cancel, measure=False
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
        return self._start(
            session,
            kind="retrain",
            iteration=len(exp.iterations),
            train=lambda job: exp.retrain(
                selection,
                parent=parent,
                mode=mode,
                epochs=epochs,
                progress=job.progress_callback(),
                cancel=job.cancel,
                measure=False,
            ),
        )

    # -- status ------------------------------------------------------------------------------

    def status(self, session: Session) -> dict[str, Any]:
        """``status`` (training, ready, failed, cancelled or interrupted), the running or last
        job of this process, its error, and ``last_job``: the last job on record, which says
        ``interrupted`` when the server stopped during it."""
        job = self.jobs.current(session.id)
        has_iterations = bool(session.experiment.iterations)
        row = self.store.experiment(session.id) if self.store is not None else None
        last_job = self.store.last_job(session.id) if self.store is not None else None
        error = job.error if job is not None and job.state == "failed" else None
        if job is not None and job.state == "running":
            state = "training"
        elif job is not None and job.state in ("failed", "cancelled") and not has_iterations:
            state = job.state
        elif (
            job is None
            and not has_iterations
            and row is not None
            and row["status"] in ("failed", "cancelled", "interrupted")
        ):
            state = row["status"]
            error = row["error"]
        else:
            state = "ready" if has_iterations else "training"
        if last_job is None and job is not None:
            last_job = {"kind": job.kind, "iteration": job.iteration, "state": job.state}
        return {
            "status": state,
            "job": job.status() if job is not None else None,
            "error": error,
            "last_job": last_job,
            "updated_at": row["updated_at"] if row is not None else None,
        }


def registry_for_app(config: Any) -> SessionRegistry:
    """The registry of an app: a store in ``config["STATE_DIR"]``, datasets from
    ``config["DATA_DIR"]`` and experiments on ``config["DEVICE"]``."""
    from ..core.datasets import load_dataset

    def load(name: str) -> Dataset:
        return load_dataset(name, data_dir=config.get("DATA_DIR"))

    return SessionRegistry(
        Store(config["STATE_DIR"]), load_dataset=load, device=config.get("DEVICE", "auto")
    )


def current_registry() -> SessionRegistry:
    """The registry of the app handling the current request."""
    from flask import current_app

    return current_app.extensions["latent_explorer.sessions"]


def iteration_or_404(session: Session, k: int) -> Iteration:
    """Iteration ``k`` of the session's experiment, or a 404 naming the ones that exist."""
    iterations = session.experiment.iterations
    if not 0 <= k < len(iterations):
        have = f"0 to {len(iterations) - 1}" if iterations else "none yet"
        raise ApiError(404, "iteration_not_found", f"iteration {k} does not exist (have {have})")
    return iterations[k]


def _estimates_emitter(job: Job, iteration: int) -> Callable[[int, int, Any], None]:
    """Forward the exact T/C pass's estimates as ``estimates`` events: T and C with 95 %
    intervals from the rows measured so far, the fraction measured and an ETA (see
    :mod:`latent_explorer.core.metrics.progress`); the last one carries the exact values."""

    def emit(done: int, total: int, estimates: Any) -> None:
        job.emit("estimates", {"iteration": iteration, **estimates.summary()})

    return emit
