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
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..core.datasets import Dataset
from ..core.experiment import Experiment, Iteration
from ..runtime.backend import Backend
from ..runtime.events import EventLog
from ..runtime.jobs import PRIORITY, Job
from ..runtime.limits import Limits
from ..store import ID_PATTERN, Store
from .errors import ApiError
from .session_jobs import SessionJobs

log = logging.getLogger(__name__)

__all__ = ["ID_PATTERN", "Session", "SessionRegistry"]

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

    def cached_for(self, key: str, token: Any, build: Callable[[], Any]) -> Any:
        """``build()``, computed once per ``token`` (for what the version does not cover:
        artifacts written without a row, such as other seeds' iterations)."""
        hit = self._cache.get(key)
        if hit is not None and hit[0] == token:
            return hit[1]
        value = build()
        self._cache[key] = (token, value)
        return value


class SessionRegistry(SessionJobs):
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
        active = self.store.jobs_for(session.id, active=True, kinds=("train", "measure"))
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
                    f"experiment; cancel it first ("
                    + (
                        f"DELETE /api/experiments/{experiment_id}/seeds"
                        if job.kind == "seed"
                        else f"DELETE /api/jobs/{job.id}"
                    )
                    + ")",
                )
            in_memory = self._sessions.pop(experiment_id, None) is not None
            stored = self.store.delete_experiment(experiment_id)
        if not (in_memory or stored):
            raise self._not_found(experiment_id)


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
