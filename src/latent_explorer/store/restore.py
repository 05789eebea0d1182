"""Reading an experiment back from the store: rebuild it, or bring a copy in memory up to date
(a mixin of :class:`.experiments.Store`), and refuse a dataset that changed since training.

Nothing is unpickled: arrays load with ``allow_pickle=False`` and weights with
``weights_only=True``.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ..core.datasets import Dataset
from ..core.experiment import Experiment, Iteration
from ..core.models import LatentModel, model_from_hyperparameters
from ..core.selection import Selection
from ..core.training import TrainConfig
from .artifacts import Artifacts
from .layout import iteration_prefix, loads

log = logging.getLogger(__name__)


class RestoreMixin:
    """Loading and syncing. Needs ``artifacts``, ``experiment`` and ``iteration_rows`` from
    the store."""

    artifacts: Artifacts

    def experiment(self, experiment_id: str) -> dict[str, Any] | None:  # pragma: no cover
        raise NotImplementedError

    def iteration_rows(self, experiment_id: str) -> list[dict[str, Any]]:  # pragma: no cover
        raise NotImplementedError

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
        check_fingerprint(row, dataset)
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
            prefix = iteration_prefix(experiment_id, index)
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
                known.parent_metrics = loads(meta["parent_metrics"])
                known.metric_seconds = float(meta["metric_seconds"])
                known.metrics_sampled = sampled
                known.metrics = loads(meta["metrics"])
                changed = True
                continue
            coords = np.load(
                io.BytesIO(self.artifacts.read_bytes(f"{prefix}/coords.npy")), allow_pickle=False
            )
            if coords.shape[0] != n:
                raise ValueError(
                    f"iteration {index} has {coords.shape[0]} coordinates for {n} points"
                )
            selection_data = loads(meta["selection"])
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
                metrics=loads(meta["metrics"]),
                parent_metrics=loads(meta["parent_metrics"]),
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


def check_fingerprint(row: dict[str, Any], dataset: Dataset) -> None:
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
