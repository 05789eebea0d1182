"""Versioned schema migrations of the index, run on start by :func:`upgrade`.

Why not alembic: the index has four tables and each change so far is a few statements. A
list of numbered steps, each a function of one connection run in one transaction together
with the version bump, does what we need (upgrade on start, refuse a newer database, test
every step on SQLite and PostgreSQL) without an ini file, a script folder and an ``env.py``
to keep in step with the package. Each step freezes the tables it creates: a step must never
import the current table definitions, which change after it is written.

The version lives in ``schema_version``. Versions 1 and 2 are the schemas of the sqlite3-only
store that came before this index (``web/store.py``), so a state folder written by it is
upgraded in place; a new database runs every step from 0.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """The index cannot be used (e.g. written by a newer latent-explorer)."""


def _v1_legacy(conn: Connection) -> None:
    """The sqlite3 store's schema, frozen (experiments, iterations, jobs with integer ids)."""
    md = sa.MetaData()
    sa.Table("schema_version", md, sa.Column("version", sa.Integer, nullable=False))
    sa.Table(
        "experiments",
        md,
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("dataset", sa.Text, nullable=False),
        sa.Column("dataset_title", sa.Text, nullable=False),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("device", sa.Text, nullable=False),
        sa.Column("n_samples", sa.Integer, nullable=False),
        sa.Column("metric_sample_size", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("error", sa.Text),
        sa.Index("experiments_by_update", "updated_at"),
    )
    sa.Table(
        "iterations",
        md,
        sa.Column(
            "experiment_id",
            sa.Text,
            sa.ForeignKey("experiments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("parent", sa.Integer),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("epochs", sa.Integer, nullable=False),
        sa.Column("selection", sa.Text),
        sa.Column("metrics", sa.Text),
        sa.Column("parent_metrics", sa.Text),
        sa.Column("losses", sa.Text, nullable=False),
        sa.Column("train_seconds", sa.Float, nullable=False),
        sa.Column("metric_seconds", sa.Float, nullable=False),
        sa.Column("model_hyperparameters", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    sa.Table(
        "jobs",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "experiment_id",
            sa.Text,
            sa.ForeignKey("experiments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("iteration", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("started_at", sa.Text, nullable=False),
        sa.Column("ended_at", sa.Text),
        sa.Index("jobs_by_experiment", "experiment_id", "id"),
    )
    md.create_all(conn)


def _v2_jobs(conn: Connection) -> None:
    """Jobs become the single source of truth: uuid ids, kinds train | measure, a queued state,
    progress, heartbeat, cancel flag, priority and attempts. The experiment's status copy goes
    (it is derived from its jobs and iterations); an iteration can hold a sampled preview of
    its metrics. This is the schema the sqlite3 store called version 2."""
    legacy = conn.execute(
        sa.text(
            "SELECT id, experiment_id, kind, iteration, state, error, started_at, ended_at "
            "FROM jobs ORDER BY id"
        )
    ).all()
    conn.execute(sa.text("DROP INDEX jobs_by_experiment"))
    conn.execute(sa.text("DROP TABLE jobs"))
    conn.execute(sa.text("ALTER TABLE experiments DROP COLUMN status"))
    conn.execute(sa.text("ALTER TABLE experiments DROP COLUMN error"))
    conn.execute(
        sa.text(
            "ALTER TABLE iterations ADD COLUMN metrics_sampled BOOLEAN NOT NULL DEFAULT "
            + ("false" if conn.dialect.name == "postgresql" else "0")
        )
    )
    md = sa.MetaData()
    sa.Table("experiments", md, sa.Column("id", sa.Text, primary_key=True))
    jobs = sa.Table(
        "jobs",
        md,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "experiment_id",
            sa.Text,
            sa.ForeignKey("experiments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("iteration", sa.Integer, nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("progress", sa.JSON),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("heartbeat_at", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("started_at", sa.Text),
        sa.Column("finished_at", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("worker", sa.Text),
        sa.Index("jobs_by_experiment", "experiment_id", "created_at"),
        sa.Index("jobs_by_state", "state", "priority", "created_at"),
    )
    jobs.create(conn)
    if legacy:
        # Old jobs were all trainings (kind initial | retrain); their integer id becomes 32 hex
        # digits so it stays stable and unique. A job still "running" is left so: the store's
        # recovery on start marks it interrupted, as it did before.
        conn.execute(
            jobs.insert(),
            [
                {
                    "id": format(int(row.id), "032x"),
                    "experiment_id": row.experiment_id,
                    "kind": "train",
                    "iteration": row.iteration,
                    "params": {"legacy_kind": row.kind},
                    "state": row.state,
                    "progress": None,
                    "priority": 10,
                    "attempts": 1,
                    "cancel_requested": False,
                    "heartbeat_at": None,
                    "created_at": row.started_at,
                    "started_at": row.started_at,
                    "finished_at": row.ended_at,
                    "error": row.error,
                    "worker": None,
                }
                for row in legacy
            ],
        )


def _v3_datasets(conn: Connection) -> None:
    """Datasets are recorded with their fingerprint (sha256 of X); experiments name theirs."""
    md = sa.MetaData()
    sa.Table(
        "datasets",
        md,
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("n_samples", sa.Integer, nullable=False),
        sa.Column("n_features", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    ).create(conn)
    # The sqlite3 store added this column on its own (an idempotent step beside its versions),
    # so a state folder may have it already.
    columns = {c["name"] for c in sa.inspect(conn).get_columns("experiments")}
    if "dataset_fingerprint" not in columns:
        conn.execute(sa.text("ALTER TABLE experiments ADD COLUMN dataset_fingerprint VARCHAR(64)"))


def _v4_stop(conn: Connection) -> None:
    """A job can be asked to stop and keep its model ("stop now"), besides being cancelled."""
    false = "false" if conn.dialect.name == "postgresql" else "0"
    conn.execute(
        sa.text(f"ALTER TABLE jobs ADD COLUMN stop_requested BOOLEAN NOT NULL DEFAULT {false}")
    )


# Append only: step i brings the index from version i - 1 to version i.
STEPS: list[Callable[[Connection], None]] = [_v1_legacy, _v2_jobs, _v3_datasets, _v4_stop]
LATEST = len(STEPS)


def current_version(conn: Connection) -> int:
    """0 for an empty database, else the recorded schema version."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    version = conn.execute(sa.text("SELECT max(version) FROM schema_version")).scalar()
    return int(version or 0)


def upgrade(engine: Engine, *, target: int = LATEST) -> int:
    """Bring the index to ``target`` (default: the latest), one transaction per step.

    Concurrent starters are safe: each step re-reads the version inside its transaction (on
    PostgreSQL under an advisory lock, on SQLite under the write lock BEGIN IMMEDIATE takes), so
    a step already applied by another process is skipped. Returns the version reached.
    """
    if target > LATEST:
        raise ValueError(f"target ({target}) must be at most {LATEST}")
    while True:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Serialises the migrators of one database until this transaction ends.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7215064)"))
            version = current_version(conn)
            if version > LATEST:
                raise StoreError(
                    f"the index at {engine.url.render_as_string(hide_password=True)} has schema "
                    f"version {version}, newer than this latent-explorer ({LATEST}); upgrade "
                    "latent-explorer or point --database elsewhere"
                )
            if version >= target:
                return version
            log.info("migrating the index from version %d to %d", version, version + 1)
            STEPS[version](conn)
            if version == 0:
                conn.execute(sa.text("INSERT INTO schema_version (version) VALUES (1)"))
            else:
                conn.execute(sa.text("UPDATE schema_version SET version = :v"), {"v": version + 1})
