"""The index: experiments, iterations, jobs and datasets as SQLAlchemy Core tables.

One URL picks the database: ``sqlite:///<state folder>/store.sqlite`` by default (zero setup),
``postgresql+psycopg://user@host/db`` for a team server whose workers run on other machines.
:func:`open_index` creates or upgrades the schema (:mod:`.migrations`) before anything else
touches it. The tables below describe the latest version; the migrations are the history.

Timestamps are ISO-8601 UTC text written by :func:`now`: all rows are written by the same code,
so text order is time order on every database, and the values reach JSON unchanged.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .migrations import LATEST, upgrade

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version", metadata, sa.Column("version", sa.Integer, nullable=False)
)

datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("fingerprint", sa.String(64), primary_key=True),  # sha256 of X, hex
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),  # tabular | image
    sa.Column("n_samples", sa.Integer, nullable=False),
    sa.Column("n_features", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
)

experiments = sa.Table(
    "experiments",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),  # uuid4 hex
    sa.Column("dataset", sa.Text, nullable=False),
    sa.Column("dataset_title", sa.Text, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("config", sa.Text, nullable=False),  # JSON of TrainConfig.to_dict()
    sa.Column("device", sa.Text, nullable=False),
    sa.Column("n_samples", sa.Integer, nullable=False),
    sa.Column("metric_sample_size", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),  # bumped by every change: its version
    sa.Column("dataset_fingerprint", sa.String(64)),  # datasets.fingerprint
    sa.Index("experiments_by_update", "updated_at"),
)

iterations = sa.Table(
    "iterations",
    metadata,
    sa.Column(
        "experiment_id",
        sa.Text,
        sa.ForeignKey("experiments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("parent", sa.Integer),
    sa.Column("mode", sa.Text, nullable=False),  # initial | finetune | scratch
    sa.Column("epochs", sa.Integer, nullable=False),
    sa.Column("selection", sa.Text),  # JSON {ids, method, params}; NULL for iteration 0
    sa.Column("metrics", sa.Text),  # JSON group report; NULL until measured
    sa.Column("metrics_sampled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("parent_metrics", sa.Text),
    sa.Column("losses", sa.Text, nullable=False),
    sa.Column("train_seconds", sa.Float, nullable=False),
    sa.Column("metric_seconds", sa.Float, nullable=False),
    sa.Column("model_hyperparameters", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),  # uuid4 hex
    sa.Column(
        "experiment_id",
        sa.Text,
        sa.ForeignKey("experiments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("kind", sa.String(16), nullable=False),  # train | measure
    sa.Column("iteration", sa.Integer, nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # see JOB_STATES
    sa.Column("progress", sa.JSON),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()),
    # "Stop now, keep this model": a train job ends after its epoch and stores its iteration.
    sa.Column("stop_requested", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("heartbeat_at", sa.Text),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("started_at", sa.Text),
    sa.Column("finished_at", sa.Text),
    sa.Column("error", sa.Text),
    sa.Column("worker", sa.Text),
    sa.Index("jobs_by_experiment", "experiment_id", "created_at"),
    sa.Index("jobs_by_state", "state", "priority", "created_at"),
)

JOB_STATES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
FINAL_JOB_STATES = ("done", "failed", "cancelled", "interrupted")


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


def default_url(state_dir: str | Path) -> str:
    """The zero-setup index: a SQLite file in the state folder."""
    return f"sqlite:///{Path(state_dir).resolve() / 'store.sqlite'}"


READ_ONLY = "latent_explorer_read_only"


def reader(engine: Engine) -> Engine:
    """The same engine (pool, events) for transactions that only read: on SQLite they begin
    without taking the write lock. A block that writes must use ``engine.begin()``."""
    return engine.execution_options(**{READ_ONLY: True})


def create_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings each database needs.

    SQLite: WAL (readers in other processes never wait for a writer), foreign keys on, a busy
    timeout, and ``BEGIN IMMEDIATE`` for every transaction: pysqlite's own deferred BEGIN lets
    DDL run outside the transaction and lets a read-then-write transaction fail with "database
    is locked" when another process wrote in between; taking the write lock up front makes
    each transaction (a migration step, a job claim) atomic and simply wait its turn. Reads
    go through :func:`reader` and begin a plain (deferred) transaction: in WAL a reader needs
    no lock, so page polls never queue behind the workers' writes, nor each other.
    """
    if url.startswith("sqlite"):
        sa_url = sa.engine.make_url(url)
        if sa_url.database and sa_url.database != ":memory:":
            Path(sa_url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we BEGIN ourselves (see above)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            _switch_to_wal(cur)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql"):
        # pre_ping: a worker that sat idle through a database restart reconnects instead of
        # failing its next job.
        return sa.create_engine(url, pool_pre_ping=True)
    raise ValueError(
        f"database URL {url!r} is not supported; use sqlite:///PATH (the default) or "
        "postgresql+psycopg://USER@HOST/DB"
    )


def _switch_to_wal(cur: Any, wait_s: float = 30.0) -> None:
    """``PRAGMA journal_mode=WAL``, retried: the switch needs the file to itself, and SQLite
    answers "database is locked" at once, without its busy handler, while another process
    opening the same new file holds it (four servers starting on one empty state folder)."""
    import sqlite3
    import time

    deadline = time.monotonic() + wait_s
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def open_index(url: str) -> Engine:
    """An engine for ``url`` whose schema has been created or upgraded to the latest version."""
    engine = create_engine(url)
    try:
        reached = upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    assert reached == LATEST
    return engine
