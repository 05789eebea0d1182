"""The store of experiments: rows in the index (SQLAlchemy Core), arrays and weights as
artifacts (fsspec), plus the job rows (:class:`.jobrows.JobsMixin`).

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

import io
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
import torch

from ..core.datasets import Dataset
from ..core.experiment import Experiment, Iteration
from ..core.models import LatentModel, model_from_hyperparameters
from ..core.persist import model_state_bytes
from ..core.selection import Selection
from ..core.training import TrainConfig
from .artifacts import Artifacts
from .index import datasets, default_url, experiments, iterations, jobs, now, open_index
from .jobrows import JobsMixin

log = logging.getLogger(__name__)

ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


def check_id(experiment_id: str) -> str:
    """Return ``experiment_id`` if it is 32 lowercase hex digits; raise ValueError otherwise."""
    if not isinstance(experiment_id, str) or not ID_PATTERN.match(experiment_id):
        raise ValueError("experiment id must be 32 hexadecimal characters")
    return experiment_id


def _iteration_prefix(experiment_id: str, index: int) -> str:
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"iteration index ({index!r}) must be a non-negative integer")
    return f"experiments/{check_id(experiment_id)}/iter_{index}"


class Store(JobsMixin):
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
        return Path(self.artifacts.path(_iteration_prefix(experiment_id, index) + "/model.pt"))

    def checkpoint_bytes(self, experiment_id: str, index: int) -> bytes:
        return self.artifacts.read_bytes(_iteration_prefix(experiment_id, index) + "/model.pt")

    def _touch(self, conn: sa.Connection, experiment_id: str) -> None:
        # The experiment's updated_at is its version: pollers and caches compare it.
        conn.execute(
            experiments.update().where(experiments.c.id == experiment_id).values(updated_at=now())
        )

    # -- writing -----------------------------------------------------------------------------

    def create_experiment(self, experiment_id: str, exp: Experiment, *, created_at: str) -> None:
        check_id(experiment_id)
        ds = exp.dataset
        fingerprint = dataset_fingerprint(ds)  # what a restore checks (_check_fingerprint)
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
        prefix = _iteration_prefix(experiment_id, it.index)
        self.artifacts.write_bytes(f"{prefix}/coords.npy", _npy_bytes(it.coords))
        self.artifacts.write_bytes(f"{prefix}/per_point.npz", _npz_bytes(it.per_point))
        self.artifacts.write_bytes(f"{prefix}/model.pt", model_state_bytes(it.model))
        row = {
            "experiment_id": experiment_id,
            "idx": it.index,
            "parent": it.parent,
            "mode": it.mode,
            "epochs": it.epochs,
            "selection": _dumps(it.selection.to_dict() if it.selection is not None else None),
            "metrics": _dumps(it.metrics),
            "metrics_sampled": bool(it.metrics_sampled),
            "parent_metrics": _dumps(it.parent_metrics),
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

    def save_metrics(self, experiment_id: str, it: Iteration) -> None:
        """Write a measured iteration's per-point values, then its metrics (a sampled preview
        writes its tables only: the per-point values of all points come with the exact ones)."""
        if it.metrics is None:
            raise ValueError(f"iteration {it.index} has not been measured")
        if not it.metrics_sampled:
            prefix = _iteration_prefix(experiment_id, it.index)
            self.artifacts.write_bytes(f"{prefix}/per_point.npz", _npz_bytes(it.per_point))
        with self.engine.begin() as conn:
            conn.execute(
                iterations.update()
                .where(
                    (iterations.c.experiment_id == experiment_id) & (iterations.c.idx == it.index)
                )
                .values(
                    metrics=_dumps(it.metrics),
                    metrics_sampled=bool(it.metrics_sampled),
                    parent_metrics=_dumps(it.parent_metrics),
                    metric_seconds=float(it.metric_seconds),
                )
            )
            self._touch(conn, experiment_id)

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
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(experiments.c.id, experiments.c.created_at)
                .where(experiments.c.dataset == dataset)
                .order_by(experiments.c.created_at)
            ).all()
        return [dict(r._mapping) for r in rows]

    def experiment(self, experiment_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(experiments).where(experiments.c.id == experiment_id)
            ).first()
        return dict(row._mapping) if row is not None else None

    def iteration_rows(self, experiment_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(iterations)
                .where(iterations.c.experiment_id == experiment_id)
                .order_by(iterations.c.idx)
            ).all()
        return [dict(r._mapping) for r in rows]

    def version(self, experiment_id: str) -> str | None:
        """The experiment's ``updated_at``: it changes whenever a row of it changes."""
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(experiments.c.updated_at).where(experiments.c.id == experiment_id)
            ).scalar()

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
        n = exp.dataset.n_samples
        changed = False
        for meta in self.iteration_rows(experiment_id):
            index = int(meta["idx"])
            if index > len(exp.iterations):
                # A gap (a lost row) would break parent links; keep the contiguous prefix.
                log.error("experiment %s: iteration %d is missing", experiment_id, index - 1)
                break
            prefix = _iteration_prefix(experiment_id, index)
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
                    known.per_point = self._per_point(prefix)
                known.parent_metrics = _loads(meta["parent_metrics"])
                known.metric_seconds = float(meta["metric_seconds"])
                known.metrics_sampled = sampled
                known.metrics = _loads(meta["metrics"])
                changed = True
                continue
            coords = np.load(
                io.BytesIO(self.artifacts.read_bytes(f"{prefix}/coords.npy")), allow_pickle=False
            )
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
                per_point=self._per_point(prefix),
                metrics=_loads(meta["metrics"]),
                parent_metrics=_loads(meta["parent_metrics"]),
                losses=list(json.loads(meta["losses"])),
                train_seconds=float(meta["train_seconds"]),
                metric_seconds=float(meta["metric_seconds"]),
                model=self._model(prefix, json.loads(meta["model_hyperparameters"])),
                created_at=meta["created_at"],
                metrics_sampled=bool(meta["metrics_sampled"]),
            )
            if known is None:
                exp.iterations.append(it)
            else:
                exp.iterations[index] = it
            changed = True
        return changed

    def _per_point(self, prefix: str) -> dict[str, np.ndarray]:
        data = self.artifacts.read_bytes(f"{prefix}/per_point.npz")
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}

    def _model(self, prefix: str, hyperparameters: dict[str, Any]) -> LatentModel:
        model = model_from_hyperparameters(hyperparameters)
        data = self.artifacts.read_bytes(f"{prefix}/model.pt")
        model.load_state_dict(torch.load(io.BytesIO(data), map_location="cpu", weights_only=True))
        model.eval()
        return model


def dataset_fingerprint(dataset: Dataset) -> str:
    """The dataset's sha256 (of X as the model sees it and of its labels), hex."""
    fingerprint = getattr(dataset, "fingerprint", None)
    if isinstance(fingerprint, str):
        return fingerprint
    # Before Dataset.fingerprint existed: the same recipe, so the values agree.
    import hashlib

    X = np.ascontiguousarray(dataset.X, dtype="<f4")
    y = np.ascontiguousarray(dataset.y, dtype="<i8")
    digest = hashlib.sha256()
    digest.update(f"X{X.shape}".encode())
    digest.update(X.tobytes())
    digest.update(f"y{y.shape}".encode())
    digest.update(y.tobytes())
    return digest.hexdigest()


def _check_fingerprint(row: dict[str, Any], dataset: Dataset) -> None:
    """Refuse to restore on a dataset whose values or labels changed since training."""
    recorded = row.get("dataset_fingerprint")
    current = dataset_fingerprint(dataset)
    if recorded and recorded != current:
        raise ValueError(
            f"dataset {row['dataset']!r} has changed since this experiment was trained (its "
            f"fingerprint was {recorded[:12]}..., now {current[:12]}...): its "
            "points would be shown with the wrong values and labels. Restore the original "
            "file, or train a new experiment on the new data"
        )


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
