"""Seeds of an experiment beside its main chain: the plan (which seeds) and every other
seed's iterations, as artifacts only (a mixin of :class:`.experiments.Store`).

The main chain is seed 0 of the plan and is stored as always. Replica ``r`` (1..N-1) of
iteration ``k`` lives under ``experiments/<id>/seeds/r<r>/iter_<k>/``: ``coords.npy``,
``per_point.npz``, ``model.pt`` and ``meta.json`` (metrics, parent metrics, losses, ...).
``meta.json`` is written last, so its presence means the replica is trained *and* measured:
no row, no migration, and a crash leaves at most arrays that the next run overwrites.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import torch

from ..core.experiment import Iteration
from ..core.models import model_from_hyperparameters
from ..core.persist import model_state_bytes
from ..core.selection import Selection
from .artifacts import Artifacts
from .layout import check_id, npy_bytes, npz_bytes


def _experiment_prefix(experiment_id: str) -> str:
    return f"experiments/{check_id(experiment_id)}"


def replica_prefix(experiment_id: str, replica: int, index: int) -> str:
    for name, value in (("replica", replica), ("iteration", index)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} ({value!r}) must be a non-negative integer")
    return f"{_experiment_prefix(experiment_id)}/seeds/r{replica}/iter_{index}"


class SeedsMixin:
    """The seed plan and replica iterations. Needs ``artifacts`` from the store."""

    artifacts: Artifacts

    def save_seed_plan(self, experiment_id: str, seeds: list[int]) -> None:
        """Record the seeds the experiment trains (the first is its config's seed)."""
        data = json.dumps({"seeds": [int(s) for s in seeds]}).encode()
        self.artifacts.write_bytes(f"{_experiment_prefix(experiment_id)}/seeds.json", data)

    def seed_plan(self, experiment_id: str) -> list[int] | None:
        """The seeds of the experiment, or None when it trains one (no plan stored)."""
        key = f"{_experiment_prefix(experiment_id)}/seeds.json"
        try:
            data = self.artifacts.read_bytes(key)
        except FileNotFoundError:
            return None
        seeds = json.loads(data)["seeds"]
        return [int(s) for s in seeds] if len(seeds) > 1 else None

    def save_replica(self, experiment_id: str, replica: int, seed: int, it: Iteration) -> None:
        """Write a measured replica iteration: arrays and weights first, its meta last."""
        if it.metrics is None or it.metrics_sampled:
            raise ValueError(f"replica {replica} of iteration {it.index} is not measured exactly")
        prefix = replica_prefix(experiment_id, replica, it.index)
        self.artifacts.write_bytes(f"{prefix}/coords.npy", npy_bytes(it.coords))
        self.artifacts.write_bytes(f"{prefix}/per_point.npz", npz_bytes(it.per_point))
        self.artifacts.write_bytes(f"{prefix}/model.pt", model_state_bytes(it.model))
        meta = {
            "seed": int(seed),
            "index": it.index,
            "parent": it.parent,
            "mode": it.mode,
            "epochs": it.epochs,
            "selection": it.selection.to_dict() if it.selection is not None else None,
            "metrics": it.metrics,
            "parent_metrics": it.parent_metrics,
            "losses": [float(v) for v in it.losses],
            "train_seconds": float(it.train_seconds),
            "metric_seconds": float(it.metric_seconds),
            "model_hyperparameters": it.model.hyperparameters(),
            "created_at": it.created_at,
        }
        self.artifacts.write_bytes(f"{prefix}/meta.json", json.dumps(meta).encode())

    def replica_meta(self, experiment_id: str, replica: int, index: int) -> dict[str, Any] | None:
        """A replica iteration's meta (metrics and all), or None while it is not stored."""
        try:
            data = self.artifacts.read_bytes(
                f"{replica_prefix(experiment_id, replica, index)}/meta.json"
            )
        except FileNotFoundError:
            return None
        meta: dict[str, Any] = json.loads(data)
        return meta

    def replica_coords(self, experiment_id: str, replica: int, index: int) -> np.ndarray:
        prefix = replica_prefix(experiment_id, replica, index)
        data = self.artifacts.read_bytes(f"{prefix}/coords.npy")
        return np.load(io.BytesIO(data), allow_pickle=False)

    def load_replica(
        self, experiment_id: str, replica: int, index: int, *, n_samples: int
    ) -> Iteration | None:
        """A stored replica iteration with its model, or None when it is not stored."""
        meta = self.replica_meta(experiment_id, replica, index)
        if meta is None:
            return None
        prefix = replica_prefix(experiment_id, replica, index)
        with np.load(
            io.BytesIO(self.artifacts.read_bytes(f"{prefix}/per_point.npz")), allow_pickle=False
        ) as npz:
            per_point = {k: npz[k] for k in npz.files}
        model = model_from_hyperparameters(meta["model_hyperparameters"])
        weights = self.artifacts.read_bytes(f"{prefix}/model.pt")
        model.load_state_dict(
            torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True)
        )
        model.eval()
        selection = meta["selection"]
        return Iteration(
            index=int(meta["index"]),
            parent=meta["parent"],
            selection=Selection.from_dict(selection, n_samples=n_samples) if selection else None,
            mode=meta["mode"],
            epochs=int(meta["epochs"]),
            coords=self.replica_coords(experiment_id, replica, index),
            per_point=per_point,
            metrics=meta["metrics"],
            parent_metrics=meta["parent_metrics"],
            losses=list(meta["losses"]),
            train_seconds=float(meta["train_seconds"]),
            metric_seconds=float(meta["metric_seconds"]),
            model=model,
            created_at=meta["created_at"],
        )
