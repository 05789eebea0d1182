"""What ``train`` and ``retrain`` show and write (a progress bar, the files, a summary line),
and how a folder they wrote is read back (``retrain``, ``report``)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np


def load_run_folder(folder: Path, *, data_dir: str | None, device: str):  # type: ignore[no-untyped-def]
    """The experiment a ``train --out`` / ``retrain --out`` run wrote to ``folder``, with the
    CSV dataset a ``train --csv`` run kept beside it (else the dataset is loaded by name)."""
    from ..core.datasets import UserDatasetStore
    from ..core.persist import load_experiment

    store = UserDatasetStore(folder / "dataset")
    names = store.names()
    saved = store.load(names[0]) if names else None
    return load_experiment(folder, dataset=saved, data_dir=data_dir, device=device)


class ProgressBar:
    """A tqdm progress bar fed by the training loop's progress callback."""

    def __init__(self, desc: str) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self.bar: Any = None
        self.desc = desc

    def __call__(self, p) -> None:  # type: ignore[no-untyped-def]
        if self.bar is None:
            # A repeated Submit counts the epochs of all its repetitions in one bar.
            total = p.epochs * getattr(p, "repetitions", 1)
            self.bar = self._tqdm(total=total, desc=self.desc, unit="epoch", file=sys.stderr)
        self.bar.set_postfix(loss=f"{p.loss:.4g}")
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def write_outputs(exp, index: int, out: Path) -> None:  # type: ignore[no-untyped-def]
    """The whole experiment (so it can be retrained again) plus the chosen iteration's
    coordinates.csv, metrics.json and model.pt at the top of ``out``."""
    import shutil

    from ..core.persist import save_experiment

    iteration = exp.iterations[index]
    save_experiment(exp, out)
    selected = np.zeros(exp.dataset.n_samples, dtype=bool)
    if iteration.selection is not None:
        selected[iteration.selection.ids] = True
    with open(out / "coordinates.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "x", "y", "label", "selected"])
        for i, (x, y) in enumerate(iteration.coords[:, :2]):
            label = exp.dataset.class_names[int(exp.dataset.y[i])]
            writer.writerow([i, f"{x:.6g}", f"{y:.6g}", label, int(selected[i])])
    payload = {
        "dataset": exp.dataset.name,
        "model": exp.model_kind,
        "iteration": iteration.index,
        "parent": iteration.parent,
        "mode": iteration.mode,
        **(iteration.metrics or {}),
        "parent_metrics": iteration.parent_metrics,
    }
    (out / "metrics.json").write_text(json.dumps(payload, indent=2))
    shutil.copyfile(out / f"iter_{index}" / "model.pt", out / "model.pt")


def print_report(iteration, out: Path) -> None:  # type: ignore[no-untyped-def]
    m = iteration.metrics["all"]
    print(
        f"iteration {iteration.index}: T(7)={m['trustworthiness']:.4f} "
        f"C(7)={m['continuity']:.4f} NH(3)={m['neighborhood_hit']:.4f} "
        f"shepard={m.get('shepard', float('nan')):.4f} stress={m.get('stress', float('nan')):.4f} "
        f"recon={m['reconstruction_error']:.5f}  -> {out}"
    )
