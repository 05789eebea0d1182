"""The index's schema and migrations, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from latent_explorer.store import StoreError, default_url, open_index
from latent_explorer.store import index as ix
from latent_explorer.store.index import create_engine
from latent_explorer.store.migrations import LATEST, current_version, upgrade

EXPERIMENT = {
    "id": "a" * 32,
    "dataset": "iris",
    "dataset_title": "Iris",
    "model": "ae",
    "config": "{}",
    "device": "cpu",
    "n_samples": 150,
    "metric_sample_size": 150,
    "created_at": "2026-01-01T00:00:00+00:00",
    "updated_at": "2026-01-01T00:00:00+00:00",
    "status": "training",
}


def test_a_new_index_has_the_latest_schema(index_url):
    engine = open_index(index_url)
    try:
        with engine.connect() as conn:
            assert current_version(conn) == LATEST
            names = set(sa.inspect(conn).get_table_names())
            assert {"experiments", "iterations", "jobs", "datasets", "schema_version"} <= names
            columns = {c["name"] for c in sa.inspect(conn).get_columns("jobs")}
        assert columns == {c.name for c in ix.jobs.columns}
    finally:
        engine.dispose()


def test_the_migrations_build_the_tables_the_index_declares(index_url):
    """The migration steps restate their DDL on purpose (each step is frozen history and must
    not import today's tables), so this keeps the two in step: every table that index.py
    declares exists after the migrations with the same columns, nullability and indexes."""
    engine = open_index(index_url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            for table in ix.metadata.sorted_tables:
                found = {c["name"]: c for c in inspector.get_columns(table.name)}
                assert set(found) == {c.name for c in table.columns}, table.name
                for column in table.columns:
                    if not column.primary_key:
                        assert found[column.name]["nullable"] == column.nullable, (
                            table.name,
                            column.name,
                        )
                indexes = {i["name"] for i in inspector.get_indexes(table.name)}
                assert {i.name for i in table.indexes} <= indexes, table.name
    finally:
        engine.dispose()


def test_opening_again_changes_nothing(index_url):
    open_index(index_url).dispose()
    engine = open_index(index_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM schema_version")).scalar() == 1
        assert current_version(conn) == LATEST
    engine.dispose()


def test_legacy_rows_survive_the_upgrade(index_url):
    """A version-1 index (the sqlite3 store's schema) keeps its experiments, iterations and jobs;
    its integer job ids become stable 32-hex ids and its jobs become 'train' jobs."""
    engine = create_engine(index_url)
    assert upgrade(engine, target=1) == 1
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO experiments (id, dataset, dataset_title, model, config, "
                "device, n_samples, metric_sample_size, created_at, updated_at, "
                "status) VALUES (:id, :dataset, :dataset_title, :model, :config, "
                ":device, :n_samples, :metric_sample_size, :created_at, "
                ":updated_at, :status)"
            ),
            EXPERIMENT,
        )
        conn.execute(
            sa.text(
                "INSERT INTO iterations (experiment_id, idx, parent, mode, epochs, losses, "
                "train_seconds, metric_seconds, model_hyperparameters, created_at) VALUES "
                "(:e, 0, NULL, 'initial', 20, '[1.0, 0.5]', 1.5, 0.25, '{}', 't')"
            ),
            {"e": EXPERIMENT["id"]},
        )
        for kind, state, ended in [("initial", "done", "t1"), ("retrain", "running", None)]:
            conn.execute(
                sa.text(
                    "INSERT INTO jobs (experiment_id, kind, iteration, state, started_at, "
                    "ended_at) VALUES (:e, :k, 0, :s, 't0', :end)"
                ),
                {"e": EXPERIMENT["id"], "k": kind, "s": state, "end": ended},
            )
    engine.dispose()

    engine = open_index(index_url)
    with engine.connect() as conn:
        assert current_version(conn) == LATEST
        exp = conn.execute(sa.select(ix.experiments)).one()
        assert exp.id == EXPERIMENT["id"] and exp.dataset_fingerprint is None
        assert "status" not in exp._mapping  # derived from the jobs now
        it = conn.execute(sa.select(ix.iterations)).one()
        assert (it.idx, it.epochs, it.losses, it.train_seconds) == (0, 20, "[1.0, 0.5]", 1.5)
        assert it.metrics_sampled is False
        jobs = conn.execute(sa.select(ix.jobs).order_by(ix.jobs.c.id)).all()
    engine.dispose()
    assert [j.id for j in jobs] == ["0" * 31 + "1", "0" * 31 + "2"]
    assert [(j.kind, j.state, j.finished_at) for j in jobs] == [
        ("train", "done", "t1"),
        ("train", "running", None),
    ]
    assert [j.params for j in jobs] == [{"legacy_kind": "initial"}, {"legacy_kind": "retrain"}]
    assert all(j.cancel_requested is False and j.attempts == 1 for j in jobs)


def test_an_index_from_a_newer_version_is_refused(index_url):
    open_index(index_url).dispose()
    engine = create_engine(index_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE schema_version SET version = :v"), {"v": LATEST + 1})
    with pytest.raises(StoreError, match=f"schema version {LATEST + 1}, newer than"):
        open_index(index_url)
    engine.dispose()


def test_a_failed_step_leaves_the_previous_version(index_url, monkeypatch):
    from latent_explorer.store import migrations

    engine = create_engine(index_url)
    upgrade(engine, target=LATEST - 1)

    def broken(conn):
        conn.execute(sa.text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("step failed")

    monkeypatch.setattr(migrations, "STEPS", [*migrations.STEPS[:-1], broken])
    with pytest.raises(RuntimeError, match="step failed"):
        upgrade(engine)
    with engine.connect() as conn:
        assert current_version(conn) == LATEST - 1
        # The step's DDL was rolled back with it, on SQLite too.
        assert not sa.inspect(conn).has_table("half_done")
    engine.dispose()


def test_concurrent_starts_migrate_once(index_url):
    errors: list[BaseException] = []

    def start() -> None:
        try:
            open_index(index_url).dispose()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    engine = create_engine(index_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM schema_version")).scalar() == 1
        assert current_version(conn) == LATEST
    engine.dispose()


def test_default_url_is_sqlite_in_the_state_folder(tmp_path):
    assert default_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'store.sqlite'}"


def test_an_unknown_database_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"mysql://x.*use sqlite:///PATH.*postgresql\+psycopg"):
        create_engine("mysql://x")


# The schema the sqlite3-only store (web/store.py, schema version 1) wrote, verbatim: a state
# folder from before the SQLAlchemy index must open and keep its rows.
LEGACY_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS experiments (
    id TEXT PRIMARY KEY, dataset TEXT NOT NULL, dataset_title TEXT NOT NULL, model TEXT NOT NULL,
    config TEXT NOT NULL, device TEXT NOT NULL, n_samples INTEGER NOT NULL,
    metric_sample_size INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    status TEXT NOT NULL, error TEXT
);
CREATE INDEX IF NOT EXISTS experiments_by_update ON experiments (updated_at);
CREATE TABLE IF NOT EXISTS iterations (
    experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, parent INTEGER, mode TEXT NOT NULL, epochs INTEGER NOT NULL,
    selection TEXT, metrics TEXT, parent_metrics TEXT, losses TEXT NOT NULL,
    train_seconds REAL NOT NULL, metric_seconds REAL NOT NULL,
    model_hyperparameters TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (experiment_id, idx)
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    kind TEXT NOT NULL, iteration INTEGER NOT NULL, state TEXT NOT NULL, error TEXT,
    started_at TEXT NOT NULL, ended_at TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_experiment ON jobs (experiment_id, id);
INSERT INTO schema_version (version) VALUES (1);
"""


@pytest.mark.parametrize("with_fingerprint", [False, True])
def test_a_sqlite3_state_folder_from_before_opens_with_its_rows(tmp_path, with_fingerprint):
    """Either form the sqlite3 store wrote: version 1, and version 1 with the fingerprint
    column that it added outside its numbered versions."""
    import sqlite3

    path = tmp_path / "store.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(LEGACY_SQLITE_SCHEMA)
    if with_fingerprint:
        conn.execute("ALTER TABLE experiments ADD COLUMN dataset_fingerprint TEXT")
    conn.execute(
        "INSERT INTO experiments (id, dataset, dataset_title, model, config, device, n_samples, "
        "metric_sample_size, created_at, updated_at, status) VALUES "
        "(?, 'wine', 'Wine', 'vae', '{}', 'cpu', 10, 10, 'c', 'u', 'ready')",
        ("b" * 32,),
    )
    conn.execute(
        "INSERT INTO jobs (experiment_id, kind, iteration, state, started_at, ended_at) "
        "VALUES (?, 'initial', 0, 'failed', 's', 'e')",
        ("b" * 32,),
    )
    conn.execute("UPDATE jobs SET error = 'boom'")
    conn.commit()
    conn.close()

    engine = open_index(f"sqlite:///{path}")
    with engine.connect() as c:
        assert current_version(c) == LATEST
        assert c.execute(sa.select(ix.experiments.c.dataset)).scalar() == "wine"
        assert c.execute(sa.select(ix.experiments.c.dataset_fingerprint)).scalar() is None
        job = c.execute(sa.select(ix.jobs)).one()
    engine.dispose()
    assert (job.id, job.kind, job.state, job.error) == ("0" * 31 + "1", "train", "failed", "boom")
    assert (job.created_at, job.started_at, job.finished_at) == ("s", "s", "e")
