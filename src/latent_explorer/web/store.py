"""Persistence of experiments: a SQLite index plus artifact files in the state folder.

Layout under ``STATE_DIR``::

    store.sqlite                       experiments, iterations, jobs (WAL mode)
    experiments/<id>/iter_<k>/         coords.npy, per_point.npz, model.pt (a state_dict)

The database holds everything small (config, selections, metrics, losses, job history); the
arrays and weights are files written by :mod:`latent_explorer.core.persist` (temporary file
plus rename, so a crash never leaves half a file) and read back without unpickling
(``np.load(allow_pickle=False)``, ``torch.load(weights_only=True)``).

Write order makes every crash recoverable: an iteration's files are written before its row,
so a row never points at missing files; its metrics are written when they are measured. Jobs
are rows too (:mod:`.jobstore`); the experiment's status is derived from them and from the
stored iterations, and ``updated_at`` is bumped by every change, so a process holding an
experiment in memory compares it and catches up with :meth:`Store.sync`.

Folder names are built only from validated 32-hex-digit experiment ids and integer iteration
numbers, never from other user input.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..core.datasets import Dataset
from ..core.experiment import Experiment, Iteration
from ..core.persist import (
    iteration_folder,
    load_arrays,
    load_model,
    save_coords,
    save_model,
    save_per_point,
)
from ..core.selection import Selection
from ..core.training import TrainConfig
from .jobstore import JOBS_SCHEMA, JobsMixin

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS experiments (
    id TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    dataset_title TEXT NOT NULL,
    model TEXT NOT NULL,
    config TEXT NOT NULL,              -- JSON of TrainConfig.to_dict()
    device TEXT NOT NULL,              -- where it was trained; restores use the server's device
    n_samples INTEGER NOT NULL,
    metric_sample_size INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL           -- bumped by every change: the experiment's version
);
CREATE INDEX IF NOT EXISTS experiments_by_update ON experiments (updated_at);
CREATE TABLE IF NOT EXISTS iterations (
    experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    parent INTEGER,
    mode TEXT NOT NULL,                -- initial | finetune | scratch
    epochs INTEGER NOT NULL,
    selection TEXT,                    -- JSON {ids, method, params}; NULL for iteration 0
    metrics TEXT,                      -- JSON group report; NULL until measured
    metrics_sampled INTEGER NOT NULL DEFAULT 0,  -- 1: a preview on the fixed sample
    parent_metrics TEXT,               -- JSON group report of the parent's projection
    losses TEXT NOT NULL,              -- JSON list of per-epoch losses
    train_seconds REAL NOT NULL,
    metric_seconds REAL NOT NULL,
    model_hyperparameters TEXT NOT NULL,  -- JSON, rebuilds the model for model.pt
    created_at TEXT NOT NULL,
    PRIMARY KEY (experiment_id, idx)
);
"""


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


def check_id(experiment_id: str) -> str:
    """Return ``experiment_id`` if it is 32 lowercase hex digits; raise ValueError otherwise."""
    if not isinstance(experiment_id, str) or not ID_PATTERN.match(experiment_id):
        raise ValueError("experiment id must be 32 hexadecimal characters")
    return experiment_id


def _add_dataset_fingerprint(conn: sqlite3.Connection) -> None:
    """Migration: experiments record the sha256 of their dataset (Dataset.fingerprint).
    Idempotent, so it composes with the numbered steps; rows from before it hold NULL."""
    columns = {r[1] for r in conn.execute("PRAGMA table_info(experiments)")}
    if "dataset_fingerprint" not in columns:
        conn.execute("ALTER TABLE experiments ADD COLUMN dataset_fingerprint TEXT")


def _check_fingerprint(row: dict[str, Any], dataset: Dataset) -> None:
    """Refuse to restore on a dataset whose values or labels changed since training."""
    recorded = row.get("dataset_fingerprint")
    if recorded and recorded != dataset.fingerprint:
        raise ValueError(
            f"dataset {row['dataset']!r} has changed since this experiment was trained (its "
            f"fingerprint was {recorded[:12]}..., now {dataset.fingerprint[:12]}...): its "
            "points would be shown with the wrong values and labels. Restore the original "
            "file, or train a new experiment on the new data"
        )


class StoreError(RuntimeError):
    """The state folder cannot be used (e.g. written by a newer version)."""


class Store(JobsMixin):
    """SQLite index and artifact folders of all experiments under ``state_dir``.

    One connection shared by all threads behind a lock; the database runs in WAL mode so other
    processes (a second server, a backup) can read while this one writes.
    """

    def __init__(self, state_dir: str | Path) -> None:
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.experiments_dir = self.state_dir / "experiments"
        self.experiments_dir.mkdir(exist_ok=True)
        self.path = self.state_dir / "store.sqlite"
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30.0)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    # -- plumbing ----------------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._conn:
            yield self._conn

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _migrate(self) -> None:
        with self._tx() as conn:
            conn.executescript(_SCHEMA)
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
            version = row[0] if row is not None else None
            if version is None:
                conn.executescript(JOBS_SCHEMA)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            elif version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} has schema version {version}, newer than this latent-explorer "
                    f"({SCHEMA_VERSION}); upgrade latent-explorer or use another --state-dir"
                )
            if version == 1:
                # 1 -> 2: jobs became rows with uuid ids (train | measure), the one place
                # lifecycle state lives; experiments lost their status copy, and a sampled
                # preview of the metrics can be stored. Old job history is not kept.
                conn.executescript(
                    "DROP TABLE IF EXISTS jobs;"
                    "ALTER TABLE experiments DROP COLUMN status;"
                    "ALTER TABLE experiments DROP COLUMN error;"
                    "ALTER TABLE iterations ADD COLUMN metrics_sampled INTEGER NOT NULL DEFAULT 0;"
                    + JOBS_SCHEMA
                    + "UPDATE schema_version SET version = 2;"
                )
            _add_dataset_fingerprint(conn)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def experiments_using(self, dataset: str) -> list[dict[str, Any]]:
        """Stored experiments built on dataset ``dataset`` (id and creation time, oldest first)."""
        rows = self._query(
            "SELECT id, created_at FROM experiments WHERE dataset = ? ORDER BY created_at",
            (dataset,),
        )
        return [dict(r) for r in rows]

    def folder(self, experiment_id: str) -> Path:
        """The artifact folder of an experiment (the id is validated first)."""
        return self.experiments_dir / check_id(experiment_id)

    def checkpoint_path(self, experiment_id: str, index: int) -> Path:
        return iteration_folder(self.folder(experiment_id), index) / "model.pt"

    # -- writing -----------------------------------------------------------------------------

    def create_experiment(self, experiment_id: str, exp: Experiment, *, created_at: str) -> None:
        check_id(experiment_id)
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO experiments (id, dataset, dataset_title, model, config, device, "
                "n_samples, metric_sample_size, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    experiment_id,
                    exp.dataset.name,
                    exp.dataset.title,
                    exp.model_kind,
                    json.dumps(exp.config.to_dict()),
                    exp.device,
                    exp.dataset.n_samples,
                    int(exp.metric_sample.size),
                    created_at,
                    created_at,
                ),
            )
        self._record_fingerprint(experiment_id, exp)

    def _record_fingerprint(self, experiment_id: str, exp: Experiment) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE experiments SET dataset_fingerprint = ? WHERE id = ?",
                (exp.dataset.fingerprint, experiment_id),
            )

    def save_iteration(self, experiment_id: str, it: Iteration) -> None:
        """Write an iteration's coordinates, per-point values and weights, then its row."""
        target = iteration_folder(self.folder(experiment_id), it.index)
        save_coords(target, it.coords)
        save_per_point(target, it.per_point)
        save_model(target, it.model)
        stamp = now()
        with self._tx() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO iterations (experiment_id, idx, parent, mode, epochs, "
                "selection, metrics, metrics_sampled, parent_metrics, losses, train_seconds, "
                "metric_seconds, model_hyperparameters, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    experiment_id,
                    it.index,
                    it.parent,
                    it.mode,
                    it.epochs,
                    _dumps(it.selection.to_dict() if it.selection is not None else None),
                    _dumps(it.metrics),
                    int(it.metrics_sampled),
                    _dumps(it.parent_metrics),
                    json.dumps([float(v) for v in it.losses]),
                    float(it.train_seconds),
                    float(it.metric_seconds),
                    json.dumps(it.model.hyperparameters()),
                    it.created_at,
                ),
            )
            conn.execute(
                "UPDATE experiments SET updated_at = ? WHERE id = ?", (stamp, experiment_id)
            )

    def save_metrics(self, experiment_id: str, it: Iteration) -> None:
        """Write a measured iteration's per-point values, then its metrics (a sampled preview
        writes its tables only: the per-point values of all points come with the exact ones)."""
        if it.metrics is None:
            raise ValueError(f"iteration {it.index} has not been measured")
        if not it.metrics_sampled:
            save_per_point(iteration_folder(self.folder(experiment_id), it.index), it.per_point)
        stamp = now()
        with self._tx() as conn:
            conn.execute(
                "UPDATE iterations SET metrics = ?, metrics_sampled = ?, parent_metrics = ?, "
                "metric_seconds = ? WHERE experiment_id = ? AND idx = ?",
                (
                    _dumps(it.metrics),
                    int(it.metrics_sampled),
                    _dumps(it.parent_metrics),
                    float(it.metric_seconds),
                    experiment_id,
                    it.index,
                ),
            )
            conn.execute(
                "UPDATE experiments SET updated_at = ? WHERE id = ?", (stamp, experiment_id)
            )

    def delete_experiment(self, experiment_id: str) -> bool:
        """Remove an experiment's rows and its folder; False if it was not stored."""
        folder = self.folder(experiment_id)
        with self._tx() as conn:
            cur = conn.execute("DELETE FROM experiments WHERE id = ?", (experiment_id,))
        shutil.rmtree(folder, ignore_errors=True)
        return cur.rowcount > 0

    def remove_orphans(self) -> None:
        """Remove artifact folders without a database row (left by a delete that died)."""
        known = {r[0] for r in self._query("SELECT id FROM experiments")}
        for path in self.experiments_dir.iterdir():
            if ID_PATTERN.match(path.name) and path.name not in known and path.is_dir():
                log.info("removing orphaned artifact folder %s", path)
                shutil.rmtree(path, ignore_errors=True)

    # -- reading -----------------------------------------------------------------------------

    def list_experiments(self, *, limit: int = 50) -> list[dict[str, Any]]:
        """Stored experiments, the most recently updated first."""
        rows = self._query(
            "SELECT e.id, e.dataset, e.dataset_title, e.model, e.created_at, e.updated_at, "
            "(SELECT count(*) FROM iterations i WHERE i.experiment_id = e.id) AS n_iterations, "
            "(SELECT group_concat(j.kind || ':' || j.state) FROM jobs j "
            " WHERE j.experiment_id = e.id AND j.state IN ('queued', 'running')) AS active, "
            "(SELECT j.state || ':' || coalesce(j.error, '') FROM jobs j WHERE "
            " j.experiment_id = e.id AND j.kind = 'train' ORDER BY j.created_at DESC, j.rowid "
            " DESC LIMIT 1) AS last_train FROM experiments e ORDER BY e.updated_at DESC, e.created_at DESC "
            "LIMIT ?",
            (int(limit),),
        )
        return [dict(r) for r in rows]

    def experiment(self, experiment_id: str) -> dict[str, Any] | None:
        rows = self._query("SELECT * FROM experiments WHERE id = ?", (experiment_id,))
        return dict(rows[0]) if rows else None

    def iteration_rows(self, experiment_id: str) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT * FROM iterations WHERE experiment_id = ? ORDER BY idx", (experiment_id,)
        )
        return [dict(r) for r in rows]

    def version(self, experiment_id: str) -> str | None:
        """The experiment's ``updated_at``: it changes whenever a row of it changes."""
        rows = self._query("SELECT updated_at FROM experiments WHERE id = ?", (experiment_id,))
        return rows[0][0] if rows else None

    def load(
        self,
        experiment_id: str,
        *,
        load_dataset: Callable[[str], Dataset],
        device: str = "auto",
    ) -> tuple[Experiment, dict[str, Any]]:
        """Rebuild an experiment with every stored iteration; also return its row.

        Raises KeyError when the experiment is not stored and ValueError when its files do
        not match its dataset any more. Errors of ``load_dataset`` propagate.
        """
        row = self.experiment(experiment_id)
        if row is None:
            raise KeyError(experiment_id)
        dataset = load_dataset(row["dataset"])
        if dataset.n_samples != row["n_samples"]:
            raise ValueError(
                f"dataset {row['dataset']!r} now has {dataset.n_samples} points, but this "
                f"experiment was trained on {row['n_samples']}; restore the original files"
            )
        _check_fingerprint(row, dataset)
        exp = Experiment(
            dataset,
            row["model"],
            config=TrainConfig.from_dict(json.loads(row["config"])),
            device=device,
            metric_sample_size=int(row["metric_sample_size"]),
        )
        self.sync(experiment_id, exp)
        return exp, row

    def sync(self, experiment_id: str, exp: Experiment) -> bool:
        """Bring ``exp``'s iterations up to the stored ones: append new iterations, take in
        new metrics, replace an iteration stored again (a job re-run after a crash). Returns
        True when something changed. Iterations are only ever written by jobs, so any process
        (the web server, a worker) keeps its copy current this way.
        """
        folder = self.folder(experiment_id)
        n = exp.dataset.n_samples
        changed = False
        for meta in self.iteration_rows(experiment_id):
            index = int(meta["idx"])
            if index > len(exp.iterations):
                # A gap (a lost row) would break parent links; keep the contiguous prefix.
                log.error("experiment %s: iteration %d is missing", experiment_id, index - 1)
                break
            known = exp.iterations[index] if index < len(exp.iterations) else None
            if known is not None and known.created_at == meta["created_at"]:
                sampled = bool(meta["metrics_sampled"])
                if meta["metrics"] is None:
                    if known.metrics is not None:  # the stored copy lost them: measure again
                        known.metrics, known.metrics_sampled = None, False
                        changed = True
                    continue
                if known.metrics is not None and known.metrics_sampled == sampled:
                    continue
                if not sampled:
                    known.per_point = load_arrays(iteration_folder(folder, index))[1]
                known.parent_metrics = _loads(meta["parent_metrics"])
                known.metric_seconds = float(meta["metric_seconds"])
                known.metrics_sampled = sampled
                known.metrics = _loads(meta["metrics"])
                changed = True
                continue
            target = iteration_folder(folder, index)
            coords, per_point = load_arrays(target)
            if coords.shape[0] != n:
                raise ValueError(
                    f"iteration {index} has {coords.shape[0]} coordinates for {n} points"
                )
            selection_data = _loads(meta["selection"])
            it = Iteration(
                index=index,
                parent=meta["parent"],
                selection=(
                    Selection.from_dict(selection_data, n_samples=n) if selection_data else None
                ),
                mode=meta["mode"],
                epochs=int(meta["epochs"]),
                coords=coords,
                per_point=per_point,
                metrics=_loads(meta["metrics"]),
                parent_metrics=_loads(meta["parent_metrics"]),
                losses=list(json.loads(meta["losses"])),
                train_seconds=float(meta["train_seconds"]),
                metric_seconds=float(meta["metric_seconds"]),
                model=load_model(target / "model.pt", json.loads(meta["model_hyperparameters"])),
                created_at=meta["created_at"],
                metrics_sampled=bool(meta["metrics_sampled"]),
            )
            if known is None:
                exp.iterations.append(it)
            else:
                exp.iterations[index] = it
            changed = True
        return changed


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
