"""Experiment: a data set, a model kind and a chain of iterations.

Iteration 0 is the initial training on all points. Every later iteration starts from a parent
iteration, trains on a selection (fine-tuning the parent's model or from scratch), and projects
*all* points again, so the analyst sees what the model kept and what it forgot.

Per-point quality values (local trustworthiness and continuity, neighbourhood hit,
reconstruction error, KL) are stored with each iteration. A metrics table for any selection is
then a set of group means plus the Shepard correlation and stress on the group's sampled pairs,
so the "before" column of a Submit costs no new kNN pass.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from . import metrics
from .datasets import Dataset
from .models import LatentModel
from .selection import Selection, validate_ids
from .training import (
    CancelToken,
    ProgressCallback,
    TrainConfig,
    TrainResult,
    default_config,
    encode,
    fit,
    new_model,
    resolve_device,
    train_on_selection,
)

T_NEIGHBORS = 7
NH_NEIGHBORS = 3
METRIC_SAMPLE = 5_000
PER_POINT_KEYS = ("trustworthiness", "continuity", "neighborhood_hit", "reconstruction_error", "kl")


@dataclass
class Iteration:
    """One training step of an experiment and everything measured after it."""

    index: int
    parent: int | None
    selection: Selection | None
    mode: str  # "initial", "finetune" or "scratch"
    epochs: int
    coords: np.ndarray  # float32 (n, 2): mu for a VAE
    per_point: dict[str, np.ndarray]
    metrics: dict[str, dict[str, float] | None]  # groups all / selected / rest
    parent_metrics: dict[str, dict[str, float] | None] | None  # the parent, same groups
    losses: list[float]
    train_seconds: float
    metric_seconds: float
    model: LatentModel
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())

    def summary(self) -> dict[str, Any]:
        """JSON-ready metadata and metrics (no arrays but the selection ids)."""
        return {
            "index": self.index,
            "parent": self.parent,
            "mode": self.mode,
            "epochs": self.epochs,
            "selection": self.selection.to_dict() if self.selection is not None else None,
            "n_selected": len(self.selection) if self.selection is not None else None,
            "metrics": self.metrics,
            "parent_metrics": self.parent_metrics,
            "losses": self.losses,
            "train_seconds": self.train_seconds,
            "metric_seconds": self.metric_seconds,
            "created_at": self.created_at,
        }


class Experiment:
    """A data set, a model kind and its chain of iterations.

    Parameters
    ----------
    dataset : Dataset
    model : {"ae", "vae"}
    config : TrainConfig, optional
        Default: :func:`~latent_explorer.core.training.default_config` for the data set.
    device : str
        "auto" uses CUDA when available.
    metric_sample_size : int
        Points in the seeded sample for Shepard correlation and stress; the same sample is used
        for every iteration so that numbers are comparable.
    """

    def __init__(
        self,
        dataset: Dataset,
        model: str = "ae",
        *,
        config: TrainConfig | None = None,
        device: str = "auto",
        metric_sample_size: int = METRIC_SAMPLE,
    ) -> None:
        self.dataset = dataset
        self.model_kind = model
        self.config = config or default_config(
            dataset.n_samples, dataset.n_features, data_kind=dataset.kind, model=model
        )
        self.device = str(resolve_device(device))
        self.metric_sample = metrics.sample_indices(
            dataset.n_samples, max_points=metric_sample_size, seed=self.config.seed
        )
        self.iterations: list[Iteration] = []

    # -- training -------------------------------------------------------------------------

    def train(
        self,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Iteration:
        """Iteration 0: train a fresh model on all points."""
        if self.iterations:
            raise RuntimeError("this experiment already has its initial iteration")
        model = new_model(
            self.model_kind, self.dataset.n_features, config=self.config, data_kind=self.dataset.kind
        )
        result = fit(
            model,
            self.dataset.X,
            config=self.config,
            device=self.device,
            progress=progress,
            cancel=cancel,
        )
        return self._record(model, result, parent=None, selection=None, mode="initial")

    def retrain(
        self,
        selection: Selection | Sequence[int] | np.ndarray,
        *,
        parent: int | None = None,
        mode: str = "finetune",
        epochs: int | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Iteration:
        """Train on the selected points from ``parent`` (default: the latest iteration)."""
        if not self.iterations:
            raise RuntimeError("train the initial iteration first")
        if not isinstance(selection, Selection):
            selection = Selection(validate_ids(selection, n_samples=self.dataset.n_samples))
        base = self.iteration(len(self.iterations) - 1 if parent is None else parent)
        n_epochs = epochs if epochs is not None else self.default_retrain_epochs(len(selection))
        model, result = train_on_selection(
            base.model,
            self.dataset.X,
            selection.ids,
            mode=mode,
            config=self.config,
            epochs=n_epochs,
            data_kind=self.dataset.kind,
            device=self.device,
            progress=progress,
            cancel=cancel,
        )
        return self._record(model, result, parent=base.index, selection=selection, mode=mode)

    def default_retrain_epochs(self, n_selected: int) -> int:
        """Enough steps to move the model visibly, capped so a Submit stays a few seconds."""
        batch = min(self.config.batch_size, max(1, n_selected))
        steps_per_epoch = -(-n_selected // batch)
        return int(min(200, max(5, round(600 / steps_per_epoch))))

    def iteration(self, index: int) -> Iteration:
        if not 0 <= index < len(self.iterations):
            raise ValueError(
                f"iteration ({index}) does not exist; this experiment has iterations "
                f"0 to {len(self.iterations) - 1}"
            )
        return self.iterations[index]

    # -- measuring ------------------------------------------------------------------------

    def _record(
        self,
        model: LatentModel,
        result: TrainResult,
        *,
        parent: int | None,
        selection: Selection | None,
        mode: str,
    ) -> Iteration:
        start = time.perf_counter()
        encoded = encode(model, self.dataset.X, device=self.device)
        per_point = self.per_point_metrics(encoded.coords, encoded.recon_error, encoded.kl)
        ids = selection.ids if selection is not None else None
        after = self.group_metrics(encoded.coords, per_point, ids)
        before = None
        if parent is not None:
            base = self.iterations[parent]
            before = self.group_metrics(base.coords, base.per_point, ids)
        iteration = Iteration(
            index=len(self.iterations),
            parent=parent,
            selection=selection,
            mode=mode,
            epochs=result.epochs,
            coords=encoded.coords,
            per_point=per_point,
            metrics=after,
            parent_metrics=before,
            losses=result.losses,
            train_seconds=result.seconds,
            metric_seconds=time.perf_counter() - start,
            model=model,
        )
        self.iterations.append(iteration)
        return iteration

    def per_point_metrics(
        self, coords: np.ndarray, recon_error: np.ndarray, kl: np.ndarray | None
    ) -> dict[str, np.ndarray]:
        """Per-point T, C, neighbourhood hit, reconstruction error and KL of one projection."""
        X, y = self.dataset.X, self.dataset.y
        k = min(T_NEIGHBORS, max(1, (X.shape[0] - 1) // 2 - 1))
        tc = metrics.trustworthiness_continuity(
            X, coords, n_neighbors=k, per_point=True, device=self.device
        )
        nh = metrics.neighborhood_hit(
            coords, y, n_neighbors=min(NH_NEIGHBORS, X.shape[0] - 1), per_point=True
        )
        out = {
            "trustworthiness": np.asarray(tc.local_trustworthiness, dtype=np.float64),
            "continuity": np.asarray(tc.local_continuity, dtype=np.float64),
            "neighborhood_hit": np.asarray(nh, dtype=np.float64),
            "reconstruction_error": np.asarray(recon_error, dtype=np.float64),
        }
        if kl is not None:
            out["kl"] = np.asarray(kl, dtype=np.float64)
        return out

    def group_metrics(
        self,
        coords: np.ndarray,
        per_point: dict[str, np.ndarray],
        selected: np.ndarray | None,
    ) -> dict[str, dict[str, float] | None]:
        """Metrics for all points and, given a selection, for the selected points and the rest.

        T, C, neighbourhood hit, reconstruction error and KL of a group are means of per-point
        values measured against *all* points, so "all" is the size-weighted mean of the other
        two. Shepard correlation and stress use the pairs within the group's share of the
        experiment's fixed sample.
        """
        n = coords.shape[0]
        groups: dict[str, np.ndarray] = {"all": np.arange(n)}
        if selected is not None:
            mask = np.zeros(n, dtype=bool)
            mask[selected] = True
            groups["selected"] = np.flatnonzero(mask)
            groups["rest"] = np.flatnonzero(~mask)
        report: dict[str, dict[str, float] | None] = {}
        for name, ids in groups.items():
            if ids.size == 0:
                report[name] = None
                continue
            row: dict[str, float] = {"n_points": float(ids.size)}
            for key, values in per_point.items():
                row[key] = float(values[ids].mean())
            sample = np.intersect1d(self.metric_sample, ids, assume_unique=True)
            if sample.size >= 3:
                rho, stress = metrics.shepard_stress(self.dataset.X, coords, sample=sample)
                row["shepard"], row["stress"] = float(rho), float(stress)
                row["n_sampled"] = float(sample.size)
            report[name] = row
        return report
