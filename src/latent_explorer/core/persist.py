"""Save and load experiments as a folder of plain files: JSON, .npy/.npz and state_dicts.

Nothing here unpickles: arrays load with ``allow_pickle=False`` and weights with
``torch.load(weights_only=True)``, so a folder from someone else cannot run code. Every file is
written to a temporary name and renamed into place, so a crash never leaves half a file.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .datasets import Dataset, load_dataset
from .experiment import Experiment, Iteration
from .files import atomic_write_bytes
from .models import LatentModel, model_from_hyperparameters
from .selection import Selection
from .training import TrainConfig

FORMAT_VERSION = 1


def iteration_folder(folder: Path, index: int) -> Path:
    """Where iteration ``index``'s files live inside an experiment folder."""
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"iteration index ({index!r}) must be a non-negative integer")
    return Path(folder) / f"iter_{index}"


def model_state_bytes(model: LatentModel) -> bytes:
    """The model's state_dict (on the CPU) as ``torch.save`` bytes."""
    buf = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, buf)
    return buf.getvalue()


def save_coords(target: Path, coords: np.ndarray) -> None:
    buf = io.BytesIO()
    np.save(buf, np.asarray(coords), allow_pickle=False)
    atomic_write_bytes(Path(target) / "coords.npy", buf.getvalue())


def save_per_point(target: Path, per_point: dict[str, np.ndarray]) -> None:
    buf = io.BytesIO()
    np.savez(buf, **per_point)  # type: ignore[arg-type]
    atomic_write_bytes(Path(target) / "per_point.npz", buf.getvalue())


def save_model(target: Path, model: LatentModel) -> None:
    atomic_write_bytes(Path(target) / "model.pt", model_state_bytes(model))


def save_iteration(folder: Path, iteration: Iteration) -> None:
    """Write one iteration's arrays and weights under ``folder/iter_<k>/``."""
    target = iteration_folder(folder, iteration.index)
    save_coords(target, iteration.coords)
    save_per_point(target, iteration.per_point)
    save_model(target, iteration.model)


def load_arrays(target: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Coordinates and per-point values written by :func:`save_iteration` (no unpickling)."""
    coords = np.load(Path(target) / "coords.npy", allow_pickle=False)
    with np.load(Path(target) / "per_point.npz", allow_pickle=False) as npz:
        per_point = {k: npz[k] for k in npz.files}
    return coords, per_point


def load_model(path: Path, hyperparameters: dict[str, Any]) -> LatentModel:
    """Rebuild a model from its hyperparameters and a state_dict file (``weights_only``)."""
    model = model_from_hyperparameters(hyperparameters)
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    model.eval()
    return model


def experiment_manifest(exp: Experiment) -> dict[str, Any]:
    first_model = exp.iterations[0].model if exp.iterations else None
    return {
        "format": FORMAT_VERSION,
        "dataset": exp.dataset.name,
        "model": exp.model_kind,
        "config": exp.config.to_dict(),
        "device": exp.device,
        "metric_sample_size": int(exp.metric_sample.size),
        "model_hyperparameters": first_model.hyperparameters() if first_model else None,
        "iterations": [it.summary() for it in exp.iterations],
    }


def save_experiment(exp: Experiment, folder: str | Path) -> Path:
    """Write the whole experiment to ``folder`` (created if needed) and return its path."""
    folder = Path(folder)
    for iteration in exp.iterations:
        save_iteration(folder, iteration)
    text = json.dumps(experiment_manifest(exp), indent=2)
    atomic_write_bytes(folder / "experiment.json", text.encode())
    return folder


def load_experiment(
    folder: str | Path,
    *,
    dataset: Dataset | None = None,
    data_dir: str | Path | None = None,
    device: str = "auto",
) -> Experiment:
    """Rebuild an experiment saved by :func:`save_experiment`."""
    folder = Path(folder)
    manifest_path = folder / "experiment.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(
            f"{manifest_path} not found; pass a folder written by 'latent-explorer train --out'"
        )
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise ValueError(
            f"{manifest_path} has format {manifest.get('format')!r}, not {FORMAT_VERSION}"
        )
    if dataset is None:
        dataset = load_dataset(manifest["dataset"], data_dir=data_dir)
    config = TrainConfig.from_dict(manifest["config"])
    exp = Experiment(
        dataset,
        manifest["model"],
        config=config,
        device=device,
        metric_sample_size=int(manifest.get("metric_sample_size", 5000)),
    )
    for meta in manifest["iterations"]:
        exp.iterations.append(_load_iteration(folder, meta, manifest, dataset))
    return exp


def _load_iteration(
    folder: Path, meta: dict[str, Any], manifest: dict[str, Any], dataset: Dataset
) -> Iteration:
    target = iteration_folder(folder, int(meta["index"]))
    coords, per_point = load_arrays(target)
    model = load_model(target / "model.pt", manifest["model_hyperparameters"])
    selection = (
        Selection.from_dict(meta["selection"], n_samples=dataset.n_samples)
        if meta.get("selection")
        else None
    )
    return Iteration(
        index=int(meta["index"]),
        parent=meta["parent"],
        selection=selection,
        mode=meta["mode"],
        epochs=int(meta["epochs"]),
        coords=coords,
        per_point=per_point,
        metrics=meta["metrics"],
        parent_metrics=meta.get("parent_metrics"),
        losses=list(meta.get("losses", [])),
        train_seconds=float(meta.get("train_seconds", 0.0)),
        metric_seconds=float(meta.get("metric_seconds", 0.0)),
        model=model,
        created_at=meta.get("created_at", ""),
    )
