"""The ``jobs`` table and its small API (a mixin of :class:`.experiments.Store`).

Every method is one short transaction, and every state change is a conditional ``UPDATE``
(``... WHERE id = ? AND state = ?``), so two processes racing on a row (a redelivered Celery
task, a cancel arriving as the job ends, two web servers) never both win: the loser's rowcount
is 0. This holds on SQLite (one writer at a time) and on PostgreSQL (row locks under READ
COMMITTED: the second UPDATE re-checks the WHERE clause against the committed row).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..runtime.jobs import ACTIVE, INTERRUPTED_MESSAGE, MAX_ATTEMPTS, Job, now
from .index import jobs


class JobSignals(NamedTuple):
    """What a running job's worker is asked, read with each heartbeat."""

    cancel: bool  # stop and discard what this job would make
    stop: bool  # stop training after this epoch and keep the model


def _job(row: Any) -> Job:
    return Job.from_row(row._mapping)


class JobsMixin:
    """Job rows. Needs ``engine`` and ``_touch(conn, experiment_id)`` from the store."""

    engine: Engine
    reads: Engine  # the same engine for read-only blocks (index.reader)

    def _touch(self, conn: sa.Connection, experiment_id: str) -> None:  # pragma: no cover
        raise NotImplementedError

    def create_job(self, job: Job) -> Job:
        with self.engine.begin() as conn:
            conn.execute(jobs.insert().values(**_row_of(job)))
            self._touch(conn, job.experiment_id)
        return job

    def job(self, job_id: str) -> Job | None:
        with self.reads.connect() as conn:
            row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).first()
        return _job(row) if row is not None else None

    def claim_job(self, job_id: str, *, worker: str) -> Job | None:
        """queued -> running for exactly one caller; None (do nothing) for every other one."""
        stamp = now()
        with self.engine.begin() as conn:
            cur = conn.execute(
                jobs.update()
                .where(
                    (jobs.c.id == job_id)
                    & (jobs.c.state == "queued")
                    & (jobs.c.cancel_requested == sa.false())
                )
                .values(
                    state="running",
                    started_at=stamp,
                    heartbeat_at=stamp,
                    worker=worker,
                    attempts=jobs.c.attempts + 1,
                )
            )
            if cur.rowcount == 0:
                return None
            row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).one()
            self._touch(conn, row.experiment_id)
        return _job(row)

    def set_job_iteration(self, job_id: str, iteration: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(jobs.update().where(jobs.c.id == job_id).values(iteration=iteration))

    def heartbeat(self, job_id: str, progress: dict[str, Any] | None = None) -> JobSignals:
        """Record that the job is alive (and its progress); return its cancel and stop flags."""
        values: dict[str, Any] = {"heartbeat_at": now()}
        if progress is not None:
            values["progress"] = progress
        with self.engine.begin() as conn:
            conn.execute(
                jobs.update()
                .where((jobs.c.id == job_id) & (jobs.c.state == "running"))
                .values(**values)
            )
            row = conn.execute(
                sa.select(jobs.c.cancel_requested, jobs.c.stop_requested).where(jobs.c.id == job_id)
            ).first()
        if row is None:
            return JobSignals(cancel=False, stop=False)
        return JobSignals(cancel=bool(row[0]), stop=bool(row[1]))

    def request_stop(self, job_id: str) -> bool:
        """Ask a running train job to end after its epoch and keep its model; False when no
        such job is running (it is queued, ended, measuring or does not exist)."""
        with self.engine.begin() as conn:
            done = conn.execute(
                jobs.update()
                .where(
                    (jobs.c.id == job_id) & (jobs.c.state == "running") & (jobs.c.kind == "train")
                )
                .values(stop_requested=True)
            )
        return bool(done.rowcount)

    def request_cancel(self, job_id: str) -> Job | None:
        """Flag a queued or running job; a queued one ends ``cancelled`` at once.

        Returns the job as it is now, or None when it does not exist. A job that already
        ended is returned unchanged (nothing to cancel).
        """
        with self.engine.begin() as conn:
            conn.execute(
                jobs.update()
                .where((jobs.c.id == job_id) & jobs.c.state.in_(ACTIVE))
                .values(cancel_requested=True)
            )
            conn.execute(
                jobs.update()
                .where((jobs.c.id == job_id) & (jobs.c.state == "queued"))
                .values(state="cancelled", finished_at=now())
            )
            row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).first()
            if row is not None:
                self._touch(conn, row.experiment_id)
        return _job(row) if row is not None else None

    def finish_job(self, job_id: str, *, state: str, error: str | None = None) -> bool:
        """running (or queued, for ``cancelled``/``interrupted``) -> ``state``; False when
        the job had already ended."""
        allowed = ("running", "queued") if state in ("cancelled", "interrupted") else ("running",)
        with self.engine.begin() as conn:
            cur = conn.execute(
                jobs.update()
                .where((jobs.c.id == job_id) & jobs.c.state.in_(allowed))
                .values(state=state, error=error, finished_at=now())
            )
            experiment_id = conn.execute(
                sa.select(jobs.c.experiment_id).where(jobs.c.id == job_id)
            ).scalar()
            if experiment_id is not None:
                self._touch(conn, experiment_id)
        return cur.rowcount > 0

    def requeue_or_interrupt(self, job_id: str) -> str | None:
        """After its worker died: a running job runs once more (``queued``) if it has attempts
        left, else ends ``interrupted``. Returns the new state, or None if it had ended."""
        with self.engine.begin() as conn:
            cur = conn.execute(
                jobs.update()
                .where(
                    (jobs.c.id == job_id)
                    & (jobs.c.state == "running")
                    & (jobs.c.attempts < MAX_ATTEMPTS)
                    & (jobs.c.cancel_requested == sa.false())
                )
                .values(state="queued", worker=None)
            )
            if cur.rowcount:
                return "queued"
            cur = conn.execute(
                jobs.update()
                .where((jobs.c.id == job_id) & (jobs.c.state == "running"))
                .values(state="interrupted", error=INTERRUPTED_MESSAGE, finished_at=now())
            )
            if cur.rowcount == 0:
                return None
            experiment_id = conn.execute(
                sa.select(jobs.c.experiment_id).where(jobs.c.id == job_id)
            ).scalar_one()
            self._touch(conn, experiment_id)
        return "interrupted"

    def jobs_for(
        self,
        experiment_id: str,
        *,
        active: bool = False,
        limit: int = 20,
        kinds: tuple[str, ...] | None = None,
    ) -> list[Job]:
        """The experiment's jobs, newest first (only queued and running ones with ``active``;
        only those of ``kinds`` when given)."""
        query = sa.select(jobs).where(jobs.c.experiment_id == experiment_id)
        if kinds is not None:
            query = query.where(jobs.c.kind.in_(kinds))
        if active:
            query = query.where(jobs.c.state.in_(ACTIVE))
        query = query.order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(int(limit))
        with self.reads.connect() as conn:
            return [_job(r) for r in conn.execute(query)]

    def queued_jobs(self) -> list[Job]:
        """Jobs waiting for a worker, in the order they will run."""
        query = (
            sa.select(jobs)
            .where(jobs.c.state == "queued")
            .order_by(jobs.c.priority.desc(), jobs.c.created_at, jobs.c.id)
        )
        with self.reads.connect() as conn:
            return [_job(r) for r in conn.execute(query)]

    def running_jobs(self) -> list[Job]:
        """Jobs a worker has claimed and not ended (the stale-heartbeat sweep reads these)."""
        with self.reads.connect() as conn:
            return [_job(r) for r in conn.execute(sa.select(jobs).where(jobs.c.state == "running"))]

    def job_counts(self) -> dict[str, int]:
        query = (
            sa.select(jobs.c.state, sa.func.count())
            .where(jobs.c.state.in_(ACTIVE))
            .group_by(jobs.c.state)
        )
        counts = {"queued": 0, "running": 0}
        with self.reads.connect() as conn:
            counts.update({state: int(n) for state, n in conn.execute(query)})
        return counts

    def interrupt_unfinished(self) -> list[Job]:
        """Jobs left queued or running by a process that died end ``interrupted``."""
        with self.reads.connect() as conn:
            found = [_job(r) for r in conn.execute(sa.select(jobs).where(jobs.c.state.in_(ACTIVE)))]
        for job in found:
            self.finish_job(job.id, state="interrupted", error=INTERRUPTED_MESSAGE)
        return found


def _row_of(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "experiment_id": job.experiment_id,
        "kind": job.kind,
        "iteration": job.iteration,
        "params": job.params,
        "state": job.state,
        "progress": job.progress,
        "priority": job.priority,
        "attempts": job.attempts,
        "cancel_requested": bool(job.cancel_requested),
        "stop_requested": bool(job.stop_requested),
        "heartbeat_at": job.heartbeat_at,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "error": job.error,
        "worker": job.worker,
    }
