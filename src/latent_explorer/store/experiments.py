"""The store of experiments: rows in the index (SQLAlchemy Core), arrays and weights as
artifacts (fsspec), plus the job rows (:class:`.jobrows.JobsMixin`) and the reading back
of whole experiments (:class:`.restore.RestoreMixin`).

``Store(state_dir)`` is the zero-setup store: ``<state_dir>/store.sqlite`` and artifact files
under ``<state_dir>/experiments/<id>/iter_<k>/`` (the layout the sqlite3 store wrote, so old
state folders open as they are). A team server passes URLs instead:
``Store(state_dir, database="postgresql+psycopg://...", artifacts="s3://bucket/prefix")``.

Write order makes every crash recoverable: an iteration's artifacts are written before its
row, so a row never points at missing artifacts; its metrics are written when measured. The
experiment's ``updated_at`` is bumped by every change, so a process holding an experiment in
memory compares it (:meth:`Store.version`) and catches up with :meth:`Store.sync`. Nothing is
unpickled: arrays load with ``allow_pickle=False`` and weights with ``weights_only=True``.
Artifact keys are built only from validated 32-hex-digit ids and integer iteration numbers.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..core.experiment import Experiment, Iteration
from ..core.persist import model_state_bytes
from .artifacts import Artifacts
from .index import datasets, default_url, experiments, iterations, jobs, now, open_index, reader
from .jobrows import JobsMixin
from .layout import ID_PATTERN, check_id, dumps, iteration_prefix, npy_bytes, npz_bytes
from .live import LiveFramesMixin
from .partial_values import PartialValuesMixin
from .restore import RestoreMixin, dataset_fingerprint
from .seeds import SeedsMixin

log = logging.getLogger(__name__)


class Store(JobsMixin, RestoreMixin, LiveFramesMixin, PartialValuesMixin, SeedsMixin):
    """Experiments, iterations and jobs in the index; their arrays and weights as artifacts."""

    def __init__(
        self,
        state_dir: str | Path,
        *,
        database: str | None = None,
        artifacts: str | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = database or default_url(self.state_dir)
        self.engine = open_index(self.database_url)
        self.reads = reader(self.engine)  # for the read-only blocks below
        self.artifacts = Artifacts(artifacts or self.state_dir)

    def close(self) -> None:
        self.engine.dispose()

    def __getstate__(self) -> dict[str, Any]:  # pragma: no cover - guards a misuse
        raise TypeError("a Store holds connections; pass its URLs to other processes instead")

    @property
    def path(self) -> Path | None:
        """The SQLite file of the index; None on a database server."""
        url = self.engine.url
        return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None

    def folder(self, experiment_id: str) -> Path:
        """The local artifact folder of an experiment (the id is validated first)."""
        if not self.artifacts.local:
            raise ValueError(f"artifacts are not local but at {self.artifacts.root}")
        return Path(self.artifacts.path(f"experiments/{check_id(experiment_id)}"))

    def checkpoint_path(self, experiment_id: str, index: int) -> Path | None:
        """The local file of an iteration's weights; None when artifacts are not local."""
        if not self.artifacts.local:
            return None
        return Path(self.artifacts.path(iteration_prefix(experiment_id, index) + "/model.pt"))

    def checkpoint_bytes(self, experiment_id: str, index: int) -> bytes:
        return self.artifacts.read_bytes(iteration_prefix(experiment_id, index) + "/model.pt")

    def _touch(self, conn: sa.Connection, experiment_id: str) -> None:
        # The experiment's updated_at is its version: pollers and caches compare it.
        conn.execute(
            experiments.update().where(experiments.c.id == experiment_id).values(updated_at=now())
        )

    # -- writing -----------------------------------------------------------------------------

    def create_experiment(self, experiment_id: str, exp: Experiment, *, created_at: str) -> None:
        check_id(experiment_id)
        ds = exp.dataset
        fingerprint = dataset_fingerprint(ds)  # what a restore checks (check_fingerprint)
        with self.engine.begin() as conn:
            known = conn.execute(
                sa.select(datasets.c.fingerprint).where(datasets.c.fingerprint == fingerprint)
            ).first()
            if known is None:
                conn.execute(
                    datasets.insert().values(
                        fingerprint=fingerprint,
                        name=ds.name,
                        title=ds.title,
                        kind=ds.kind,
                        n_samples=ds.n_samples,
                        n_features=int(ds.X.shape[1]),
                        created_at=created_at,
                    )
                )
            conn.execute(
                experiments.insert().values(
                    id=experiment_id,
                    dataset=ds.name,
                    dataset_title=ds.title,
                    dataset_fingerprint=fingerprint,
                    model=exp.model_kind,
                    config=json.dumps(exp.config.to_dict()),
                    device=exp.device,
                    n_samples=ds.n_samples,
                    metric_sample_size=int(exp.metric_sample.size),
                    created_at=created_at,
                    updated_at=created_at,
                )
            )

    def save_iteration(self, experiment_id: str, it: Iteration) -> None:
        """Write an iteration's coordinates, per-point values and weights, then its row."""
        prefix = iteration_prefix(experiment_id, it.index)
        self.artifacts.write_bytes(f"{prefix}/coords.npy", npy_bytes(it.coords))
        self.artifacts.write_bytes(f"{prefix}/per_point.npz", npz_bytes(it.per_point))
        self.artifacts.write_bytes(f"{prefix}/model.pt", model_state_bytes(it.model))
        row = {
            "experiment_id": experiment_id,
            "idx": it.index,
            "parent": it.parent,
            "mode": it.mode,
            "epochs": it.epochs,
            "selection": dumps(it.selection.to_dict() if it.selection is not None else None),
            "metrics": dumps(it.metrics),
            "metrics_sampled": bool(it.metrics_sampled),
            "parent_metrics": dumps(it.parent_metrics),
            "losses": json.dumps([float(v) for v in it.losses]),
            "train_seconds": float(it.train_seconds),
            "metric_seconds": float(it.metric_seconds),
            "model_hyperparameters": json.dumps(it.model.hyperparameters()),
            "created_at": it.created_at,
        }
        with self.engine.begin() as conn:
            # A job run again after its worker died stores its iteration again: replace it.
            conn.execute(
                iterations.delete().where(
                    (iterations.c.experiment_id == experiment_id) & (iterations.c.idx == it.index)
                )
            )
            conn.execute(iterations.insert().values(**row))
            self._touch(conn, experiment_id)
        self.drop_partial_values(experiment_id, it.index)  # of coordinates that are gone

    def save_metrics(self, experiment_id: str, it: Iteration) -> None:
        """Write a measured iteration's per-point values, then its metrics (a sampled preview
        writes its tables only: the per-point values of all points come with the exact ones)."""
        if it.metrics is None:
            raise ValueError(f"iteration {it.index} has not been measured")
        if not it.metrics_sampled:
            prefix = iteration_prefix(experiment_id, it.index)
            self.artifacts.write_bytes(f"{prefix}/per_point.npz", npz_bytes(it.per_point))
        with self.engine.begin() as conn:
            conn.execute(
                iterations.update()
                .where(
                    (iterations.c.experiment_id == experiment_id) & (iterations.c.idx == it.index)
                )
                .values(
                    metrics=dumps(it.metrics),
                    metrics_sampled=bool(it.metrics_sampled),
                    parent_metrics=dumps(it.parent_metrics),
                    metric_seconds=float(it.metric_seconds),
                )
            )
            self._touch(conn, experiment_id)
        if not it.metrics_sampled:  # after the row: a reader never finds neither
            self.drop_partial_values(experiment_id, it.index)

    def delete_experiment(self, experiment_id: str) -> bool:
        """Remove an experiment's rows (its jobs and iterations with it) and its artifacts;
        False if it was not stored."""
        check_id(experiment_id)
        with self.engine.begin() as conn:
            conn.execute(jobs.delete().where(jobs.c.experiment_id == experiment_id))
            conn.execute(iterations.delete().where(iterations.c.experiment_id == experiment_id))
            removed = conn.execute(experiments.delete().where(experiments.c.id == experiment_id))
        self.artifacts.delete(f"experiments/{experiment_id}")
        return removed.rowcount > 0

    def remove_orphans(self) -> None:
        """Remove artifact folders without a database row (left by a delete that died)."""
        with self.reads.connect() as conn:
            known = set(conn.execute(sa.select(experiments.c.id)).scalars())
        folders = {key.split("/")[1] for key in self.artifacts.keys("experiments")}
        for name in sorted(folders):
            if ID_PATTERN.match(name) and name not in known:
                log.info("removing orphaned artifacts of experiment %s", name)
                self.artifacts.delete(f"experiments/{name}")

    # -- reading -----------------------------------------------------------------------------

    def list_experiments(self, *, limit: int = 50) -> list[dict[str, Any]]:
        """Stored experiments, the most recently updated first, with ``n_iterations``,
        ``active`` (``"kind:state,..."`` of queued and running jobs, or None) and
        ``last_train`` (``"state:error"`` of the newest train job, or None)."""
        n_its = (
            sa.select(sa.func.count())
            .where(iterations.c.experiment_id == experiments.c.id)
            .scalar_subquery()
        )
        query = (
            sa.select(
                experiments.c.id,
                experiments.c.dataset,
                experiments.c.dataset_title,
                experiments.c.model,
                experiments.c.created_at,
                experiments.c.updated_at,
                n_its.label("n_iterations"),
            )
            .order_by(experiments.c.updated_at.desc(), experiments.c.created_at.desc())
            .limit(int(limit))
        )
        with self.reads.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
            ids = [r["id"] for r in rows]
            job_rows = conn.execute(
                sa.select(jobs.c.experiment_id, jobs.c.kind, jobs.c.state, jobs.c.error)
                .where(jobs.c.experiment_id.in_(ids))
                .order_by(jobs.c.created_at, jobs.c.id)
            ).all()
        active: dict[str, list[str]] = {}
        last_train: dict[str, str] = {}
        for j in job_rows:  # oldest first: the last train job seen is the newest
            if j.state in ("queued", "running"):
                active.setdefault(j.experiment_id, []).append(f"{j.kind}:{j.state}")
            if j.kind == "train":
                last_train[j.experiment_id] = f"{j.state}:{j.error or ''}"
        for r in rows:
            r["active"] = ",".join(active[r["id"]]) if r["id"] in active else None
            r["last_train"] = last_train.get(r["id"])
        return rows

    def experiments_using(self, dataset: str) -> list[dict[str, Any]]:
        """Stored experiments built on dataset ``dataset`` (id and creation time, oldest first)."""
        with self.reads.connect() as conn:
            rows = conn.execute(
                sa.select(experiments.c.id, experiments.c.created_at)
                .where(experiments.c.dataset == dataset)
                .order_by(experiments.c.created_at)
            ).all()
        return [dict(r._mapping) for r in rows]

    def experiment(self, experiment_id: str) -> dict[str, Any] | None:
        with self.reads.connect() as conn:
            row = conn.execute(
                sa.select(experiments).where(experiments.c.id == experiment_id)
            ).first()
        return dict(row._mapping) if row is not None else None

    def iteration_rows(self, experiment_id: str) -> list[dict[str, Any]]:
        with self.reads.connect() as conn:
            rows = conn.execute(
                sa.select(iterations)
                .where(iterations.c.experiment_id == experiment_id)
                .order_by(iterations.c.idx)
            ).all()
        return [dict(r._mapping) for r in rows]

    def version(self, experiment_id: str) -> str | None:
        """The experiment's ``updated_at``: it changes whenever a row of it changes."""
        with self.reads.connect() as conn:
            return conn.execute(
                sa.select(experiments.c.updated_at).where(experiments.c.id == experiment_id)
            ).scalar()
