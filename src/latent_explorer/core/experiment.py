"""Experiment: a data set, a model kind and a chain of iterations.

Iteration 0 is the initial training on all points. Every later iteration starts from a parent
iteration, trains on a selection (fine-tuning the parent's model or from scratch), and projects
*all* points again, so the analyst sees what the model kept and what it forgot.

Each iteration stores its coordinates, per-point quality values (for colouring points) and
the quality tables of :mod:`latent_explorer.core.quality`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

import numpy as np

from .datasets import Dataset
from .forgetting import check_repeat
from .metrics import ProgressCallback as MeasureProgress
from .models import LatentModel
from .quality import METRIC_SAMPLE, GroupReport, Projection, QualityMeter
from .selection import Selection, as_selection
from .training import (
    CancelToken,
    EpochHook,
    Progress,
    ProgressCallback,
    TrainConfig,
    TrainingCancelled,
    TrainResult,
    default_config,
    default_retrain_epochs,
    encode,
    fit,
    new_model,
    resolve_device,
    train_on_selection,
)


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
    metrics: GroupReport | None  # groups all / selected / rest; None until measured
    parent_metrics: GroupReport | None  # the parent's projection, same groups
    losses: list[float]
    train_seconds: float
    metric_seconds: float
    model: LatentModel
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    metrics_sampled: bool = False  # True while metrics come from :meth:`Experiment.preview`

    def summary(self, *, with_ids: bool = True) -> dict[str, Any]:
        """JSON-ready metadata and metrics (no arrays but the selection ids, unless
        ``with_ids=False``: a status poll need not serialise 70,000 ids per iteration)."""
        selection = None
        if self.selection is not None:
            sel = self.selection
            selection = sel.to_dict() if with_ids else {"method": sel.method, "params": sel.params}
        return {
            "index": self.index,
            "parent": self.parent,
            "mode": self.mode,
            "epochs": self.epochs,
            "selection": selection,
            "n_selected": len(self.selection) if self.selection is not None else None,
            "metrics": self.metrics,
            "measured": self.metrics is not None,
            "sampled": self.metrics_sampled,
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
        self.quality = QualityMeter(
            dataset.X,
            dataset.y,
            sample_size=metric_sample_size,
            seed=self.config.seed,
            device=self.device,
        )
        self.iterations: list[Iteration] = []
        self._preview: QualityMeter | None = None

    @property
    def metric_sample(self) -> np.ndarray:
        """The fixed sample of points behind every Shepard correlation and stress value."""
        return self.quality.sample

    # -- training -------------------------------------------------------------------------

    def train(
        self,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        stop: CancelToken | None = None,
        on_epoch: EpochHook | None = None,
        measure: bool = True,
    ) -> Iteration:
        """Iteration 0: train a fresh model on all points.

        With ``measure=False`` the iteration gets its coordinates only; call :meth:`measure`
        for its quality tables (the web layer draws the plots in between). ``stop`` and
        ``on_epoch`` go to :func:`~latent_explorer.core.training.fit` (stop now and keep the
        model; live frames).
        """
        if self.iterations:
            raise RuntimeError("this experiment already has its initial iteration")
        model = new_model(
            self.model_kind,
            self.dataset.n_features,
            config=self.config,
            data_kind=self.dataset.kind,
        )
        result = fit(
            model,
            self.dataset.X,
            config=self.config,
            device=self.device,
            progress=progress,
            cancel=cancel,
            stop=stop,
            on_epoch=on_epoch,
        )
        it = self._record(model, result, parent=None, selection=None, mode="initial")
        return self.measure(it) if measure else it

    def retrain(
        self,
        selection: Selection | Sequence[int] | np.ndarray,
        *,
        parent: int | None = None,
        mode: str = "finetune",
        epochs: int | None = None,
        repeat: int = 1,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        stop: CancelToken | None = None,
        on_epoch: EpochHook | None = None,
        measure: bool = True,
        on_iteration: Callable[[Iteration], None] | None = None,
    ) -> Iteration:
        """Train on the selected points from ``parent`` (default: the latest iteration).

        ``repeat=N`` chains N fine-tunes on the same selection, each from the previous one's
        model, and stores each as an iteration (the original system's "ten training
        repetitions"); progress reports carry ``repetition`` and ``repetitions``, a set
        ``cancel`` stops the whole sequence (finished repetitions stay), and ``on_iteration``
        is called with each new iteration. Returns the last iteration.
        """
        repeat = check_repeat(repeat)
        if repeat > 1 and mode != "finetune":
            raise ValueError(
                f"repeat ({repeat}) chains fine-tunes; mode ({mode!r}) would train {repeat} "
                "unrelated models; use mode='finetune' or repeat=1"
            )
        if not self.iterations:
            raise RuntimeError("train the initial iteration first")
        selection = as_selection(selection, n_samples=self.dataset.n_samples)
        base = self.iteration(len(self.iterations) - 1 if parent is None else parent)
        n_epochs = (
            epochs
            if epochs is not None
            else default_retrain_epochs(base.model, len(selection), self.config.batch_size)
        )
        for rep in range(1, repeat + 1):
            if rep > 1 and cancel is not None and cancel.is_set():
                raise TrainingCancelled(f"cancelled before repetition {rep} of {repeat}")
            if rep > 1 and stop is not None and stop.is_set():
                break  # "stop now" ends the chain: the repetitions done are kept
            report = progress
            if progress is not None and repeat > 1:
                report = _repetition_progress(progress, rep, repeat)
            model, result = train_on_selection(
                base.model,
                self.dataset.X,
                selection.ids,
                mode=mode,
                config=self.config,
                epochs=n_epochs,
                data_kind=self.dataset.kind,
                device=self.device,
                progress=report,
                cancel=cancel,
                stop=stop,
                on_epoch=on_epoch,
            )
            it = self._record(model, result, parent=base.index, selection=selection, mode=mode)
            if measure:
                self.measure(it)
            if on_iteration is not None:
                on_iteration(it)
            base = it
        return base

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
        encoded = encode(model, self.dataset.X, device=self.device)
        iteration = Iteration(
            index=len(self.iterations),
            parent=parent,
            selection=selection,
            mode=mode,
            epochs=result.epochs,
            coords=encoded.coords,
            per_point={"reconstruction_error": encoded.recon_error.astype(np.float64)},
            metrics=None,
            parent_metrics=None,
            losses=result.losses,
            train_seconds=result.seconds,
            metric_seconds=0.0,
            model=model,
        )
        if encoded.kl is not None:
            iteration.per_point["kl"] = encoded.kl.astype(np.float64)
        self.iterations.append(iteration)
        return iteration

    @property
    def needs_preview(self) -> bool:
        """True when exact metrics take long enough (n above the sample size, e.g. 70,000
        MNIST images: about a minute) that a sampled table should come first."""
        return self.quality.sample.size < self.dataset.n_samples

    def preview(self, iteration: Iteration) -> Iteration:
        """Quality tables measured on the fixed sample only (at most 2,000 points), as a
        quick stand-in until :meth:`measure` replaces them with the exact ones.

        Each row is marked ``"sampled": 1`` and counts the sampled points in ``n_points``.
        """
        if iteration.metrics is not None or not self.needs_preview:
            return iteration
        start = time.perf_counter()
        sample = self.quality.sample
        meter = self._preview_meter()
        base = self.iterations[iteration.parent] if iteration.parent is not None else None
        selected = None
        if iteration.selection is not None:
            selected = np.flatnonzero(np.isin(sample, iteration.selection.ids))
        after, before = meter.tables(
            self._sampled_projection(meter, iteration),
            key=iteration.index,
            selected=selected,
            before=self._sampled_projection(meter, base) if base is not None else None,
            before_key=iteration.parent,
        )
        for table in (after, before):
            for row in (table or {}).values():
                if row is not None:
                    row["sampled"] = 1.0
        iteration.parent_metrics = before
        iteration.metric_seconds = time.perf_counter() - start
        iteration.metrics_sampled = True
        iteration.metrics = after
        return iteration

    def _preview_meter(self) -> QualityMeter:
        if self._preview is None:
            s = self.quality.sample
            self._preview = QualityMeter(
                self.dataset.X[s],
                self.dataset.y[s],
                sample_size=s.size,
                seed=self.config.seed,
                device=self.device,
            )
        return self._preview

    def _sampled_projection(self, meter: QualityMeter, it: Iteration) -> Projection:
        """``it``'s projection of the sampled points, with per-point values among them."""
        s = self.quality.sample
        coords = it.coords[s]
        kl = it.per_point.get("kl")
        per_point = meter.per_point(
            coords, it.per_point["reconstruction_error"][s], kl[s] if kl is not None else None
        )
        return Projection(coords, per_point)

    def measure(
        self,
        iteration: Iteration,
        *,
        on_progress: MeasureProgress | None = None,
        block_size: int | None = None,
    ) -> Iteration:
        """Fill in the per-point values and exact quality tables of ``iteration``
        (idempotent; replaces a :meth:`preview`). `on_progress` follows the exact T/C pass
        over all points, reporting every `block_size` rows: see :meth:`QualityMeter.per_point`."""
        if iteration.metrics is not None and not iteration.metrics_sampled:
            return iteration
        start = time.perf_counter()
        pp = iteration.per_point
        per_point = self.quality.per_point(
            iteration.coords,
            pp["reconstruction_error"],
            pp.get("kl"),
            on_progress=on_progress,
            block_size=block_size,
        )
        base = self.iterations[iteration.parent] if iteration.parent is not None else None
        if base is not None:
            self.measure(base)
        after, before = self.quality.tables(
            Projection(iteration.coords, per_point),
            key=iteration.index,
            selected=iteration.selection.ids if iteration.selection is not None else None,
            before=_projection(base) if base is not None else None,
            before_key=iteration.parent,
        )
        iteration.per_point = per_point
        iteration.parent_metrics = before
        iteration.metric_seconds = time.perf_counter() - start
        # Set last: other threads read "metrics is not None" as "measured".
        iteration.metrics_sampled = False
        iteration.metrics = after
        return iteration


def _repetition_progress(progress: ProgressCallback, rep: int, repeat: int) -> ProgressCallback:
    """``progress`` with every report marked as repetition ``rep`` of ``repeat``."""

    def report(p: Progress) -> None:
        progress(replace(p, repetition=rep, repetitions=repeat))

    return report


def _projection(it: Iteration) -> Projection:
    """An iteration's projection, with its already measured "all" row."""
    return Projection(it.coords, it.per_point, all_row=(it.metrics or {}).get("all"))
