"""The jobs side of :class:`.sessions.SessionRegistry` (a mixin): queue train jobs within the
limits, read and cancel a job by its id, and derive an experiment's status from its jobs.

Jobs are rows (:mod:`latent_explorer.runtime.jobs`); this side only writes queued rows, asks
the backend to run them and reads them back, so the status is never kept anywhere else.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..core.experiment import Experiment
from ..core.selection import Selection
from ..runtime.backend import Backend
from ..runtime.events import EventLog
from ..runtime.jobs import PRIORITY, TERMINAL, Job
from ..runtime.limits import LimitExceeded, Limits
from ..runtime.seeds import SEED_KIND, ended
from ..store import ID_PATTERN, Store
from .errors import ApiError

if TYPE_CHECKING:
    from .sessions import Session


MAIN_KINDS = ("train", "measure")


def limit_error(exc: LimitExceeded) -> ApiError:
    return ApiError(exc.status, "limit_exceeded", str(exc))


class SessionJobs:
    """Needs ``store``, ``backend``, ``events`` and ``limits`` from the registry."""

    store: Store
    backend: Backend
    events: EventLog
    limits: Limits

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
        active = self.store.jobs_for(session.id, active=True, kinds=("train",))
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
        if before.kind == SEED_KIND:
            if after.state == "cancelled":  # queued: its replica's later iterations go too
                ended(self.store, after, self.backend.submit)
            return after
        if before.state == "queued" and after.state == "cancelled":
            self.events.append(after.experiment_id, "cancelled", {"job_id": after.id,
                               "kind": after.kind, "iteration": after.iteration,
                               "state": "cancelled"})  # fmt: skip
        return after

    def cancel_seeds(self, experiment_id: str) -> int:
        """Cancel every queued or running seed job of the experiment; how many were active."""
        active = self.store.jobs_for(experiment_id, active=True, kinds=(SEED_KIND,), limit=10_000)
        for job in active:
            self.store.request_cancel(job.id)
        return len(active)

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
        # The main chain's jobs only: other seeds train in the background and have their own
        # route (GET .../iterations/<k>/seeds); they never make the page wait.
        jobs = self.store.jobs_for(session.id, limit=10, kinds=MAIN_KINDS)
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
