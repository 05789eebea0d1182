"""Experiments held by the web process, keyed by unguessable ids, and the jobs that change them.

The store is the truth: jobs are rows (:mod:`latent_explorer.runtime.jobs`) run by a backend
in other processes, which write iterations and metrics to the store. The web process keeps at
most ``MAX_EXPERIMENTS_IN_MEMORY`` experiments in memory (least recently used dropped) for the
requests that need arrays or models (embeddings, reconstructions, decoding), and catches each
up with the store when its version (``updated_at``) moved. An experiment's status is derived
from its jobs and stored iterations (:meth:`SessionRegistry.status`), never kept elsewhere.

Restoring an experiment whose newest iterations were projected but not measured (the server
stopped in between) queues their measure jobs.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from ..core.datasets import Dataset
from ..core.experiment import Experiment, Iteration
from ..core.selection import Selection
from ..runtime.backend import Backend
from ..runtime.events import EventLog, MemoryEventLog
from ..runtime.jobs import PRIORITY, TERMINAL, Job
from ..runtime.limits import LimitExceeded, Limits
from ..store import ID_PATTERN, Store
from .errors import ApiError

log = logging.getLogger(__name__)

__all__ = ["ID_PATTERN", "Session", "SessionRegistry", "registry_for_app"]

DatasetLoader = Callable[[str], Dataset]


@dataclass
class Session:
    id: str
    experiment: Experiment
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    version: str | None = None  # the store's updated_at this copy reflects
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cache: dict[str, tuple[Any, Any]] = field(default_factory=dict, repr=False)

    def cached(self, key: str, build: Callable[[], Any]) -> Any:
        """``build()``, computed once per version of the experiment (cheap status polls)."""
        hit = self._cache.get(key)
        if hit is not None and hit[0] == self.version:
            return hit[1]
        value = build()
        self._cache[key] = (self.version, value)
        return value


def limit_error(exc: LimitExceeded) -> ApiError:
    return ApiError(exc.status, "limit_exceeded", str(exc))


class SessionRegistry:
    """Experiments of this server, their jobs and their storage.

    Parameters
    ----------
    store : Store
        Where experiments, iterations and jobs live.
    backend : Backend
        Runs the jobs; the registry only writes queued rows and calls ``submit``.
    events : EventLog
        Progress streams (one per experiment), read by the SSE endpoint.
    load_dataset : callable, optional
        ``load_dataset(name) -> Dataset``, used to restore stored experiments.
    """

    def __init__(
        self,
        store: Store,
        backend: Backend,
        events: EventLog,
        *,
        load_dataset: DatasetLoader | None = None,
        device: str = "auto",
        limits: Limits | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._restore_lock = threading.Lock()
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self.store, self.backend, self.events = store, backend, events
        self.load_dataset = load_dataset
        self.device = device
        self.limits = limits or Limits()
        recovered = getattr(backend, "recovered", [])
        self.interrupted: list[str] = sorted({j.experiment_id for j in recovered})

    def close(self) -> None:
        self.backend.close()

    # -- lookup ------------------------------------------------------------------------------

    def create(self, experiment: Experiment) -> Session:
        session = Session(id=uuid.uuid4().hex, experiment=experiment)
        self.store.create_experiment(session.id, experiment, created_at=session.created_at)
        session.version = self.store.version(session.id)
        self._remember(session)
        return session

    def _remember(self, session: Session) -> None:
        with self._lock:
            self._sessions[session.id] = session
            self._sessions.move_to_end(session.id)
            while len(self._sessions) > max(1, self.limits.experiments_in_memory):
                self._sessions.popitem(last=False)  # restored from the store when asked again

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
        """The session of an experiment, current with the store; restored when not in memory."""
        self.check_id(experiment_id)
        with self._lock:
            session = self._sessions.get(experiment_id)
            if session is not None:
                self._sessions.move_to_end(experiment_id)
        if session is not None:
            return self._catch_up(session)
        with self._restore_lock:
            with self._lock:
                session = self._sessions.get(experiment_id)
            if session is None:
                session = self._restore(experiment_id)
        return session

    def _catch_up(self, session: Session) -> Session:
        version = self.store.version(session.id)
        if version is None:
            with self._lock:
                self._sessions.pop(session.id, None)
            raise self._not_found(session.id)
        if version != session.version:
            with session.lock:
                if version != session.version:
                    self.store.sync(session.id, session.experiment)
                    session.version = version
        return session

    def _restore(self, experiment_id: str) -> Session:
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

        version = self.store.version(experiment_id)
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
            id=experiment_id, experiment=exp, created_at=row["created_at"], version=version
        )
        self._remember(session)
        self._measure_leftovers(session)
        return session

    def _measure_leftovers(self, session: Session) -> None:
        """Queue measure jobs for iterations stored without exact metrics and not being
        measured (the server stopped between "projected" and "measured")."""
        active = self.store.jobs_for(session.id, active=True)
        if any(j.kind == "train" for j in active):
            return  # its measure job follows
        measuring = {j.iteration for j in active}
        for it in session.experiment.iterations:
            if (it.metrics is None or it.metrics_sampled) and it.index not in measuring:
                self._submit(Job(experiment_id=session.id, kind="measure", iteration=it.index,
                                 priority=PRIORITY["measure"], params={"restored": True}))  # fmt: skip

    def list_experiments(self, *, limit: int = 50) -> list[dict[str, Any]]:
        """Stored experiments, the most recently updated first, with derived status."""
        out = []
        for r in self.store.list_experiments(limit=limit):
            active = r.pop("active") or ""
            last_train = r.pop("last_train") or ""
            if "train:" in active:
                status = "training"
            elif "measure:" in active:
                status = "measuring"
            elif r["n_iterations"]:
                status = "ready"
            else:
                status = last_train.split(":", 1)[0] or "interrupted"
            out.append({**r, "status": status})
        return out

    def delete(self, experiment_id: str) -> None:
        """Forget an experiment and remove its stored rows and files.

        Raises a 409 :class:`ApiError` while one of its jobs is queued or running, and 404
        when unknown.
        """
        self.check_id(experiment_id)
        with self._restore_lock, self._lock:
            active = self.store.jobs_for(experiment_id, active=True)
            if active:
                job = active[0]
                raise ApiError(
                    409,
                    "job_running",
                    f"a {job.kind} job (iteration {job.iteration}) is {job.state} for this "
                    f"experiment; cancel it first (DELETE /api/jobs/{job.id})",
                )
            in_memory = self._sessions.pop(experiment_id, None) is not None
            stored = self.store.delete_experiment(experiment_id)
        if not (in_memory or stored):
            raise self._not_found(experiment_id)

    # -- jobs --------------------------------------------------------------------------------

    def _submit(self, job: Job) -> Job:
        try:
            self.limits.check_queue(self.store.job_counts()["queued"])
        except LimitExceeded as exc:
            raise limit_error(exc) from exc
        self.store.create_job(job)
        self.events.append(
            job.experiment_id,
            "queued",
            {"job_id": job.id, "kind": job.kind, "iteration": job.iteration},
        )
        self.backend.submit(job.id)
        return job

    def submit_train(self, session: Session, params: dict[str, Any] | None = None) -> Job:
        """Queue the next train job of an experiment: iteration 0 without ``params``, else a
        Submit with ``params`` = {parent, selection: Selection.to_dict(), mode, epochs}.

        One train job per experiment at a time (iterations are numbered in order): a second
        one is refused with 409 while the first is queued or running.
        """
        exp = session.experiment
        params = params or {}
        active = [j for j in self.store.jobs_for(session.id, active=True) if j.kind == "train"]
        if active:
            job = active[0]
            raise ApiError(
                409,
                "job_running",
                f"a train job (iteration {job.iteration}) is still {job.state} for this "
                f"experiment; wait for its plots or cancel it (DELETE /api/jobs/{job.id})",
            )
        self.check_limits(exp, params)
        iteration = len(exp.iterations)
        return self._submit(Job(experiment_id=session.id, kind="train", iteration=iteration,
                                params=params, priority=PRIORITY["train"]))  # fmt: skip

    def check_limits(self, exp: Experiment, params: dict[str, Any]) -> None:
        """Refuse (422) a train job of ``exp`` beyond a per-job limit."""
        from ..core.training import default_retrain_epochs, new_model

        cfg = exp.config
        try:
            if not exp.iterations:
                model = new_model(
                    exp.model_kind, exp.dataset.n_features, config=cfg, data_kind=exp.dataset.kind
                )
                self.limits.check_train(
                    n_points=exp.dataset.n_samples,
                    batch_size=cfg.batch_size,
                    epochs=cfg.epochs,
                    n_parameters=sum(p.numel() for p in model.parameters()),
                )
                return
            n = len(params["selection"]["ids"])
            parent = exp.iterations[params.get("parent") or len(exp.iterations) - 1]
            batch = min(cfg.batch_size, max(1, n))
            epochs = params.get("epochs") or default_retrain_epochs(parent.model, n, batch)
            self.limits.check_train(
                n_points=n,
                batch_size=batch,
                epochs=int(epochs) * int(params.get("repeat") or 1),
                n_parameters=sum(p.numel() for p in parent.model.parameters()),
            )
        except LimitExceeded as exc:
            raise limit_error(exc) from exc

    def start_initial(self, session: Session) -> Job:
        return self.submit_train(session)

    def start_retrain(
        self,
        session: Session,
        selection: Selection,
        *,
        parent: int,
        mode: str,
        epochs: int | None,
        repeat: int = 1,
    ) -> Job:
        """A Submit; ``repeat`` > 1 chains that many fine-tunes on the same selection in one
        job (iterations k, k+1, ..., each the parent of the next)."""
        params = {"parent": parent, "selection": selection.to_dict(), "mode": mode,
                  "epochs": epochs, "repeat": int(repeat)}  # fmt: skip
        return self.submit_train(session, params)

    def job(self, job_id: str) -> Job:
        if not ID_PATTERN.match(job_id or ""):
            raise ApiError(400, "bad_job_id", "job id must be 32 hexadecimal characters")
        job = self.store.job(job_id)
        if job is None:
            raise ApiError(404, "job_not_found", f"job {job_id} does not exist")
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancel one job by its id: a queued one at once, a running one within a second (it
        polls the flag). A job that already ended is a 409: a stale cancel stops nothing."""
        before = self.job(job_id)
        if before.state in TERMINAL:
            raise ApiError(
                409,
                "job_finished",
                f"job {job_id} ({before.kind}, iteration {before.iteration}) already ended "
                f"{before.state}; there is nothing to cancel",
            )
        after = self.store.request_cancel(job_id)
        assert after is not None
        if before.state == "queued" and after.state == "cancelled":
            self.events.append(after.experiment_id, "cancelled", {"job_id": after.id,
                               "kind": after.kind, "iteration": after.iteration,
                               "state": "cancelled"})  # fmt: skip
        return after

    def wait(self, experiment_id: str, timeout: float = 120.0) -> Job | None:
        """Block until the experiment has no queued or running job; return its newest job
        (tests, the CLI and benchmarks use this)."""
        deadline = time.monotonic() + timeout
        while True:
            jobs = self.store.jobs_for(experiment_id, limit=50)
            if not any(j.active for j in jobs) or time.monotonic() > deadline:
                return jobs[0] if jobs else None
            time.sleep(0.05)

    # -- status ------------------------------------------------------------------------------

    def job_json(self, job: Job, queue: list[Job] | None = None) -> dict[str, Any]:
        out = job.to_dict()
        progress = job.progress or {}
        out["phase"] = "training" if job.kind == "train" else "measuring"
        out["epoch"] = progress.get("epoch", 0)
        out["epochs"] = progress.get("epochs")
        out["loss"] = progress.get("loss")
        if job.state == "queued" and queue is not None:
            ids = [j.id for j in queue]
            out["queue_position"] = ids.index(job.id) + 1 if job.id in ids else None
        return out

    def status(self, session: Session) -> dict[str, Any]:
        """``status``: training | measuring | ready | failed | cancelled | interrupted, derived
        from the jobs and the stored iterations; ``job``: the active job (train first),
        ``jobs``: every queued or running one, ``last_job``: the newest on record."""
        jobs = self.store.jobs_for(session.id, limit=10)
        active = [j for j in jobs if j.active]
        queue = self.store.queued_jobs() if any(j.state == "queued" for j in active) else None
        train = next((j for j in active if j.kind == "train"), None)
        current = train or (active[0] if active else None)
        error = None
        if train is not None:
            state = "training"
        elif active:
            state = "measuring"
        elif session.experiment.iterations:
            state = "ready"
        else:
            last_train = next((j for j in jobs if j.kind == "train"), None)
            state = last_train.state if last_train is not None else "interrupted"
            error = last_train.error if last_train is not None else None
        return {
            "status": state,
            "job": self.job_json(current, queue) if current is not None else None,
            "jobs": [self.job_json(j, queue) for j in active],
            "error": error,
            "last_job": self.job_json(jobs[0]) if jobs else None,
            "updated_at": session.version,
        }


def registry_for_app(config: Any) -> SessionRegistry:
    """The registry of an app: a store in ``config["STATE_DIR"]`` (or at the ``DATABASE`` and
    ``ARTIFACTS`` URLs), datasets from ``config["DATA_DIR"]``, experiments on
    ``config["DEVICE"]``, and the backend: Celery workers when ``BROKER`` names one (see
    :mod:`..runtime.celery_backend`), else the in-process pool (``config["WORKERS"]``
    processes; 0: sized for the machine)."""
    from ..runtime.celery_backend import store_urls, team_config
    from ..runtime.execute import DatasetSource

    limits = Limits.from_config(config)
    database, artifacts = store_urls(config)
    store = Store(config["STATE_DIR"], database=database, artifacts=artifacts)
    store.remove_orphans()
    team = team_config(config)
    events: EventLog
    backend: Backend
    if team is not None:
        from ..runtime.celery_backend import CeleryBackend
        from ..runtime.redis_events import RedisEventLog

        events = RedisEventLog(team.events_url)
        team = replace(team, wall_seconds=limits.wall_seconds)
        backend = CeleryBackend(
            store, events, team, stale_s=float(config.get("STALE_SECONDS") or 60.0)
        )
    else:
        from ..runtime.inprocess import InProcessBackend, WorkerConfig

        events = MemoryEventLog()
        worker_config = WorkerConfig(
            state_dir=str(config["STATE_DIR"]),
            data_dir=config.get("DATA_DIR"),
            device=config.get("DEVICE", "auto"),
            threads=config.get("TORCH_THREADS"),
            wall_seconds=limits.wall_seconds,
            database=database,
            artifacts=artifacts,
            block_rows=config.get("MEASURE_BLOCK_ROWS"),
            estimates_every_s=float(config.get("MEASURE_ESTIMATES_EVERY_S", 0.5)),
        )
        backend = InProcessBackend(store, events, worker_config, size=limits.running)
    source = DatasetSource(config.get("DATA_DIR"), str(config["STATE_DIR"]))
    return SessionRegistry(
        store,
        backend,
        events,
        load_dataset=source,
        device=config.get("DEVICE", "auto"),
        limits=limits,
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
