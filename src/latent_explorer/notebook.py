"""The Python API for notebooks: train, select, retrain, measure, save, and open the page.

A thin facade over :mod:`latent_explorer.core`; it imports no Flask until :meth:`serve`.

Example (the README has a longer one)::

    from latent_explorer.notebook import Explorer

    ex = Explorer("iris", model="ae", epochs=30).train()
    ex.select_class("versicolor").retrain(epochs=10)
    ex.metrics()["selected"]  # trustworthiness, ..., and pca_trustworthiness, ...
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .core.datasets import Dataset, load_dataset
from .core.experiment import Experiment, Iteration
from .core.forgetting import forgetting_report, reconstruction_strip
from .core.neighbour_embeddings import references
from .core.neighbours import NeighbourReport, neighbour_report
from .core.persist import load_experiment, save_experiment
from .core.quality import Row
from .core.repeats import Repeats
from .core.selection import Selection, select_classes, select_random, validate_ids
from .core.training import TrainConfig, default_config

if TYPE_CHECKING:
    from flask import Flask

    from .widget import ExplorerWidget

__all__ = ["Explorer", "load"]


def load(name: str, data_dir: str | Path | None = None) -> Dataset:
    """Load a dataset by name (``"iris"``, ``"digits"``, ``"wine_quality"``, ...).

    Parameters
    ----------
    name : str
    data_dir : str or Path, optional
        Folder searched first for the dataset's files (see the README's data folder).
    """
    return load_dataset(name, data_dir=data_dir)


class Explorer:
    """An experiment driven from Python: the same steps as the page.

    Parameters
    ----------
    dataset_or_name : Dataset or str
    model : {"ae", "vae"}
    data_dir : str or Path, optional
        Where dataset files are looked for (also used by :meth:`serve`).
    device : str
        "auto" (CUDA when present), "cpu" or "cuda".
    **config
        Training settings overriding the dataset's defaults: ``epochs``, ``lr``,
        ``batch_size``, ``hidden``, ``beta``, ``seed``, ... (unknown names are refused).

    Attributes
    ----------
    experiment : Experiment
        The core object, for anything this facade does not cover.
    selection : Selection or None
        The current selection, set by the ``select_*`` methods or a brush in :meth:`show`'s
        widget (``ex.selection.ids``: sorted point ids).
    """

    def __init__(
        self,
        dataset_or_name: Dataset | str,
        model: str = "ae",
        *,
        data_dir: str | Path | None = None,
        device: str = "auto",
        **config: Any,
    ) -> None:
        ds = (
            load(dataset_or_name, data_dir) if isinstance(dataset_or_name, str) else dataset_or_name
        )
        base = default_config(ds.n_samples, ds.n_features, data_kind=ds.kind, model=model)
        cfg = TrainConfig.from_dict({**base.to_dict(), **config})
        self.experiment = Experiment(ds, model, config=cfg, device=device)
        self.data_dir = data_dir
        self._listeners: list[Callable[[str], None]] = []
        self.selection = None

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        dataset: Dataset | None = None,
        data_dir: str | Path | None = None,
        device: str = "auto",
    ) -> Explorer:
        """Reopen an experiment written by :meth:`save` (or ``latent-explorer train --out``)."""
        self = cls.__new__(cls)
        self.experiment = load_experiment(path, dataset=dataset, data_dir=data_dir, device=device)
        self.data_dir = data_dir
        self._listeners = []
        self.selection = None
        return self

    def __repr__(self) -> str:
        exp = self.experiment
        return (
            f"Explorer({exp.dataset.name!r}, model={exp.model_kind!r}, "
            f"iterations={len(exp.iterations)}, selected={len(self.selection or ())})"
        )

    @property
    def dataset(self) -> Dataset:
        return self.experiment.dataset

    @property
    def selection(self) -> Selection | None:
        return self._selection

    @selection.setter
    def selection(self, value: Selection | None) -> None:
        # One selection for the select_* methods, retrain and the widgets of show().
        self._selection = value
        self._changed("selection")

    def _changed(self, what: str) -> None:
        """Tell the widgets of :meth:`show` that the selection or the iterations changed."""
        for listener in list(self._listeners):
            listener(what)

    def show(self) -> ExplorerWidget:
        """An inline explorer for JupyterLab, VS Code and Notebook 7 (no server, no port).

        It draws the latest iteration's latent space coloured by class; a brush in it sets
        :attr:`selection`, and its Submit retrains here, in the kernel. ``select_*``,
        :meth:`train` and :meth:`retrain` show in it. Needs the ``notebook`` extra.
        """
        try:
            from .widget import ExplorerWidget
        except ModuleNotFoundError as exc:
            if exc.name not in ("anywidget", "ipywidgets", "traitlets"):
                raise
            raise ModuleNotFoundError(
                "The inline widget needs anywidget, which is not installed. Install it with: "
                'pip install "latent-space-explorer[notebook]"',
                name=exc.name,
            ) from exc
        return ExplorerWidget(self)

    # -- training ---------------------------------------------------------------------------

    def train(self) -> Explorer:
        """Train iteration 0 on all points and measure it; returns ``self``."""
        self.experiment.train()
        self._changed("iteration")
        return self

    def retrain(
        self,
        selection: Selection | Sequence[int] | np.ndarray | None = None,
        *,
        mode: str = "finetune",
        epochs: int | None = None,
        parent: int = -1,
        repeat: int = 1,
        measure: bool = True,
    ) -> Explorer:
        """Train on ``selection`` (default: the current one) from iteration ``parent``.

        ``mode`` is "finetune" (continue the parent's model) or "scratch" (a new model on the
        selection alone). ``repeat=N`` chains N fine-tunes on the same selection, each stored
        as an iteration (see :meth:`forgetting`). Every point is projected again and, unless
        ``measure=False`` (the quality tables are then computed when first asked for), measured;
        returns ``self``.
        """
        chosen = selection if selection is not None else self.selection
        if chosen is None:
            raise ValueError("nothing is selected; call a select_* method or pass selection=")
        base = self.iteration(parent).index
        self.experiment.retrain(
            chosen, parent=base, mode=mode, epochs=epochs, repeat=repeat, measure=measure
        )
        self._changed("iteration")
        return self

    def forgetting(self, iteration: int = -1) -> dict[str, Any]:
        """What the chain from iteration 0 to ``iteration`` forgot, class by class: per-class
        reconstruction error (mean, 95% interval; selected / not selected), per-class T and NH
        where measured, and each class's change against iteration 0
        (:func:`~latent_explorer.core.forgetting.forgetting_report`)."""
        return forgetting_report(self.experiment, self.iteration(iteration).index)

    def strip(self, iteration: int = -1, *, per_class: int = 1) -> dict[str, Any]:
        """The fixed, seeded sample per class reconstructed by every iteration of the chain
        (:func:`~latent_explorer.core.forgetting.reconstruction_strip`)."""
        k = self.iteration(iteration).index
        return reconstruction_strip(self.experiment, k, per_class=per_class)

    # -- selecting (each replaces the current selection; returns self) --------------------

    def select_class(self, *classes: int | str) -> Explorer:
        """Select every point of the given classes, by index or by name."""
        names = list(self.dataset.class_names)
        wanted = []
        for c in classes:
            if isinstance(c, str):
                if c not in names:
                    raise ValueError(f"class ({c!r}) is unknown; choose one of {names}")
                wanted.append(names.index(c))
            else:
                wanted.append(int(c))
        self.selection = select_classes(self.dataset.y, wanted, class_names=names)
        return self

    def select_random(self, n: int, seed: int = 0) -> Explorer:
        """Select ``n`` points at random; the same seed selects the same points."""
        self.selection = select_random(self.dataset.n_samples, count=n, seed=seed)
        return self

    def select_ids(self, ids: Sequence[int] | np.ndarray) -> Explorer:
        """Select points by id (row number)."""
        checked = validate_ids(np.asarray(ids).tolist(), n_samples=self.dataset.n_samples)
        self.selection = Selection(checked, method="ids")
        return self

    def select_box(
        self, x0: float, y0: float, x1: float, y1: float, iteration: int = -1
    ) -> Explorer:
        """Select the points inside a rectangle of an iteration's latent space (a brush)."""
        it = self.iteration(iteration)
        (xa, xb), (ya, yb) = sorted((x0, x1)), sorted((y0, y1))
        c = it.coords
        inside = (c[:, 0] >= xa) & (c[:, 0] <= xb) & (c[:, 1] >= ya) & (c[:, 1] <= yb)
        ids = np.flatnonzero(inside).astype(np.int64)
        if ids.size == 0:
            raise ValueError(f"no point of iteration {it.index} lies in the box {x0, y0, x1, y1}")
        params = {"box": [float(v) for v in (x0, y0, x1, y1)], "iteration": it.index}
        self.selection = Selection(ids, method="brush", params=params)
        return self

    def repeats(self, seeds: int | Sequence[int] = 5, *, train: bool = True) -> Repeats:
        """This experiment's dataset, model and settings under N seeds, to tell change from noise.

        ``seeds`` is a count (this config's seed and the next ones) or the seeds themselves.
        The returned :class:`~latent_explorer.core.repeats.Repeats` steps every seed alike::

            reps = ex.repeats(5)                  # trains iteration 0 under 5 seeds
            reps.stability().summary              # displacement and neighbour agreement
            reps.retrain(ex.selection)            # the same Submit in every seed
            print(reps.compare("trustworthiness", group="selected").sentence)
        """
        exp = self.experiment
        reps = Repeats(
            exp.dataset,
            exp.model_kind,
            seeds=seeds,
            config=exp.config,
            device=exp.device,
            metric_sample_size=int(exp.metric_sample.size),
        )
        return reps.train() if train else reps

    # -- reading results --------------------------------------------------------------------

    def iteration(self, iteration: int = -1) -> Iteration:
        """An iteration; negative numbers count from the latest (-1)."""
        its = self.experiment.iterations
        if not its:
            raise ValueError("no iteration yet; call train() first")
        if not -len(its) <= iteration < len(its):
            raise ValueError(f"iteration ({iteration}) must be in [{-len(its)}, {len(its) - 1}]")
        return its[iteration]

    def metrics(self, iteration: int = -1, *, before: bool = False) -> dict[str, Row | None]:
        """The quality table ``{"all": row, "selected": row, "rest": row}`` (a copy).

        ``before=True`` gives the parent's projection measured on the same groups. Each row
        maps metric names to numbers, including the PCA reference as ``pca_<metric>``.
        """
        it = self.iteration(iteration)
        self.experiment.measure(it)
        table = it.parent_metrics if before else it.metrics
        if table is None:
            raise ValueError(f"iteration {it.index} has no parent, so no 'before' table")
        return copy.deepcopy(table)

    def coords(self, iteration: int = -1) -> np.ndarray:
        """Latent coordinates of every point, float32 (n_samples, 2) (a copy)."""
        return self.iteration(iteration).coords.copy()

    def pca(self) -> tuple[np.ndarray, Row]:
        """The 2-D PCA of all points and its metrics row: the linear baseline."""
        meter = self.experiment.quality
        return meter.pca().coords.copy(), dict(meter.pca_row())

    def references(
        self, methods: Sequence[str] = ("tsne", "umap")
    ) -> dict[str, tuple[np.ndarray, Row]]:
        """t-SNE and UMAP maps of this dataset with this seed, each with its metrics row.

        Rows have the keys of :meth:`pca`'s row but the reconstruction error, measured the same
        way; needs ``pip install "latent-explorer[references]"``.
        """
        return references(self.experiment, tuple(methods))

    def neighbours(
        self, i: int, *, k: int = 10, space: str = "original", iteration: int = -1
    ) -> NeighbourReport:
        """Point ``i``'s neighbours in ``space`` and their ranks in the other space."""
        coords = self.iteration(iteration).coords
        return neighbour_report(self.dataset.X, coords, i, k=k, space=space)

    # -- saving and serving -----------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the whole experiment to a folder; :meth:`open` reads it back."""
        return save_experiment(self.experiment, path)

    def report(self, path: str | Path) -> Path:
        """Write one self-contained HTML file of every iteration (``latent-explorer report``)."""
        from .core.report import write_report

        return write_report(self.experiment, path)

    def to_app(
        self, *, port: int = 5000, config: dict[str, Any] | None = None
    ) -> tuple[Flask, str]:
        """A web app holding this experiment, and the URL that opens it (nothing runs yet).

        ``config`` goes to :func:`latent_explorer.web.create_app` (e.g. ``STATE_DIR``). The
        experiment is stored like one trained on the page, so it survives a server restart.
        """
        from .web import create_app

        exp = self.experiment
        app = create_app({"DATA_DIR": self.data_dir, "DEVICE": exp.device, **(config or {})})
        registry = app.extensions["latent_explorer.sessions"]
        session = registry.create(exp)
        for it in exp.iterations:  # metrics included: nothing is left to measure
            registry.store.save_iteration(session.id, it)
        return app, f"http://127.0.0.1:{port}/?experiment={session.id}"

    def serve(
        self, port: int = 5000, *, block: bool = True, config: dict[str, Any] | None = None
    ) -> Any:
        """Open the explorer on this experiment at ``http://127.0.0.1:<port>/?experiment=<id>``.

        With ``block=False`` the server runs in a background thread (handy in a notebook) and
        the werkzeug server is returned: call its ``shutdown()`` to stop it.
        """
        from werkzeug.serving import make_server

        app, url = self.to_app(port=port, config=config)
        server = make_server("127.0.0.1", port, app, threaded=True)
        print(f"latent-explorer: open {url}", flush=True)
        if not block:
            threading.Thread(target=server.serve_forever, daemon=True).start()
            return server
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        return None
