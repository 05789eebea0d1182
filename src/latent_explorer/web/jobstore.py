"""The ``jobs`` table of the store and its small API (a mixin of :class:`.store.Store`).

Every method is one short transaction, and every state change is a conditional ``UPDATE``
(``... WHERE id = ? AND state = ?``), so two processes racing on a row (a redelivered task, a
cancel arriving as the job ends) never both win: the loser's rowcount is 0.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from typing import Any

from ..runtime.jobs import ACTIVE, INTERRUPTED_MESSAGE, MAX_ATTEMPTS, Job, now

JOBS_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,               -- uuid4 hex
    experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                -- train | measure
    iteration INTEGER NOT NULL,        -- produced (train) or measured (measure)
    params TEXT NOT NULL,              -- JSON: parent, selection, mode, epochs
    state TEXT NOT NULL,               -- queued | running | done | failed | cancelled | interrupted
    progress TEXT,                     -- JSON: the last progress snapshot
    priority INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    heartbeat_at TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    error TEXT,
    worker TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_experiment ON jobs (experiment_id, created_at);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, priority, created_at);
"""

_COLUMNS = (
    "id, experiment_id, kind, iteration, params, state, progress, priority, attempts, "
    "cancel_requested, heartbeat_at, created_at, started_at, finished_at, error, worker"
)


class JobsMixin:
    """Job rows. Needs ``_tx()`` (a transaction) and ``_query(sql, params)`` from the store."""

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:  # pragma: no cover
        raise NotImplementedError

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        raise NotImplementedError  # pragma: no cover

    def _touch(self, conn: sqlite3.Connection, experiment_id: str) -> None:
        # The experiment's updated_at is its version: pollers and caches compare it.
        conn.execute("UPDATE experiments SET updated_at = ? WHERE id = ?", (now(), experiment_id))

    def create_job(self, job: Job) -> Job:
        with self._tx() as conn:
            conn.execute(
                f"INSERT INTO jobs ({_COLUMNS}) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job.id, job.experiment_id, job.kind, job.iteration, json.dumps(job.params),
                    job.state, _dumps(job.progress), job.priority, job.attempts,
                    int(job.cancel_requested), job.heartbeat_at, job.created_at,
                    job.started_at, job.finished_at, job.error, job.worker,
                ),
            )  # fmt: skip
            self._touch(conn, job.experiment_id)
        return job

    def job(self, job_id: str) -> Job | None:
        rows = self._query(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,))
        return Job.from_row(rows[0]) if rows else None

    def claim_job(self, job_id: str, *, worker: str) -> Job | None:
        """queued -> running for exactly one caller; None (do nothing) for every other one."""
        stamp = now()
        with self._tx() as conn:
            cur = conn.execute(
                "UPDATE jobs SET state = 'running', started_at = ?, heartbeat_at = ?, "
                "worker = ?, attempts = attempts + 1 "
                "WHERE id = ? AND state = 'queued' AND cancel_requested = 0",
                (stamp, stamp, worker, job_id),
            )
            if cur.rowcount == 0:
                return None
            row = conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
            self._touch(conn, row["experiment_id"])
        return Job.from_row(row)

    def set_job_iteration(self, job_id: str, iteration: int) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE jobs SET iteration = ? WHERE id = ?", (iteration, job_id))

    def heartbeat(self, job_id: str, progress: dict[str, Any] | None = None) -> bool:
        """Record that the job is alive (and its progress); return its cancel flag."""
        with self._tx() as conn:
            if progress is None:
                conn.execute(
                    "UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND state = 'running'",
                    (now(), job_id),
                )
            else:
                conn.execute(
                    "UPDATE jobs SET heartbeat_at = ?, progress = ? "
                    "WHERE id = ? AND state = 'running'",
                    (now(), json.dumps(progress), job_id),
                )
            row = conn.execute(
                "SELECT cancel_requested FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
        return bool(row is not None and row[0])

    def request_cancel(self, job_id: str) -> Job | None:
        """Flag a queued or running job; a queued one ends ``cancelled`` at once.

        Returns the job as it is now, or None when it does not exist. A job that already
        ended is returned unchanged (nothing to cancel).
        """
        stamp = now()
        with self._tx() as conn:
            conn.execute(
                "UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND state IN (?, ?)",
                (job_id, *ACTIVE),
            )
            conn.execute(
                "UPDATE jobs SET state = 'cancelled', finished_at = ? "
                "WHERE id = ? AND state = 'queued'",
                (stamp, job_id),
            )
            row = conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is not None:
                self._touch(conn, row["experiment_id"])
        return Job.from_row(row) if row is not None else None

    def finish_job(self, job_id: str, *, state: str, error: str | None = None) -> bool:
        """running (or queued, for ``cancelled``/``interrupted``) -> ``state``; False when
        the job had already ended."""
        allowed = ("running", "queued") if state in ("cancelled", "interrupted") else ("running",)
        marks = ", ".join("?" for _ in allowed)
        with self._tx() as conn:
            cur = conn.execute(
                f"UPDATE jobs SET state = ?, error = ?, finished_at = ? "
                f"WHERE id = ? AND state IN ({marks})",
                (state, error, now(), job_id, *allowed),
            )
            row = conn.execute("SELECT experiment_id FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is not None:
                self._touch(conn, row[0])
        return cur.rowcount > 0

    def requeue_or_interrupt(self, job_id: str) -> str | None:
        """After its worker died: a running job runs once more (``queued``) if it has attempts
        left, else ends ``interrupted``. Returns the new state, or None if it had ended."""
        with self._tx() as conn:
            cur = conn.execute(
                "UPDATE jobs SET state = 'queued', worker = NULL "
                "WHERE id = ? AND state = 'running' AND attempts < ? AND cancel_requested = 0",
                (job_id, MAX_ATTEMPTS),
            )
            if cur.rowcount:
                return "queued"
            cur = conn.execute(
                "UPDATE jobs SET state = 'interrupted', error = ?, finished_at = ? "
                "WHERE id = ? AND state = 'running'",
                (INTERRUPTED_MESSAGE, now(), job_id),
            )
            if cur.rowcount == 0:
                return None
            row = conn.execute("SELECT experiment_id FROM jobs WHERE id = ?", (job_id,)).fetchone()
            self._touch(conn, row[0])
        return "interrupted"

    def jobs_for(self, experiment_id: str, *, active: bool = False, limit: int = 20) -> list[Job]:
        """The experiment's jobs, newest first (only queued and running ones with ``active``)."""
        where = " AND state IN ('queued', 'running')" if active else ""
        rows = self._query(
            f"SELECT {_COLUMNS} FROM jobs WHERE experiment_id = ?{where} "
            "ORDER BY created_at DESC, rowid DESC LIMIT ?",
            (experiment_id, int(limit)),
        )
        return [Job.from_row(r) for r in rows]

    def queued_jobs(self) -> list[Job]:
        """Jobs waiting for a worker, in the order they will run."""
        rows = self._query(
            f"SELECT {_COLUMNS} FROM jobs WHERE state = 'queued' "
            "ORDER BY priority DESC, created_at, rowid"
        )
        return [Job.from_row(r) for r in rows]

    def job_counts(self) -> dict[str, int]:
        rows = self._query(
            "SELECT state, count(*) FROM jobs WHERE state IN ('queued', 'running') GROUP BY state"
        )
        counts = {"queued": 0, "running": 0}
        counts.update({r[0]: r[1] for r in rows})
        return counts

    def interrupt_unfinished(self) -> list[Job]:
        """Jobs left queued or running by a process that died end ``interrupted``."""
        rows = self._query(f"SELECT {_COLUMNS} FROM jobs WHERE state IN ('queued', 'running')")
        jobs = [Job.from_row(r) for r in rows]
        for job in jobs:
            self.finish_job(job.id, state="interrupted", error=INTERRUPTED_MESSAGE)
        return jobs


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value)
