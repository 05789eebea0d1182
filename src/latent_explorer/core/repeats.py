"""Repeats: one experiment trained under N seeds, so that seed noise can be told from change.

A :class:`Repeats` holds N :class:`~latent_explorer.core.experiment.Experiment` objects that
differ only in the seed (weight initialisation and batch order). Every step (the initial
training, each retrain on a selection) runs in all of them, so iteration k exists N times.
From them come the aligned latents and per-point stability
(:mod:`latent_explorer.core.stability`), each metric as a mean with a 95% interval, and the
paired before/after verdict (:mod:`latent_explorer.core.seed_spread`).

All repeats measure Shepard correlation and stress on the same fixed sample of points (the
first seed's), so their numbers differ only through the models.

The seeds run one after another here; the job runtime runs them in parallel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .datasets import Dataset
from .experiment import Experiment, Iteration
from .quality import METRIC_SAMPLE, QualityMeter
from .seed_spread import Comparison, Interval, compare_paired, interval
from .selection import Selection, as_selection
from .stability import AGREEMENT_NEIGHBORS, StabilityReport, stability_report
from .training import TrainConfig, default_config

__all__ = ["MAX_SEEDS", "Repeats", "seed_list"]

#: More seeds narrow the intervals only slowly (1 / sqrt(N)) and cost N trainings.
MAX_SEEDS = 10


def seed_list(seeds: int | Sequence[int], *, first: int = 0) -> list[int]:
    """The seeds to train: N consecutive ones from `first`, or the given distinct ones."""
    if isinstance(seeds, bool):
        raise ValueError(f"seeds ({seeds}) must be a count or a list of seeds, not a bool")
    if isinstance(seeds, (int, np.integer)):
        if not 1 <= seeds <= MAX_SEEDS:
            raise ValueError(
                f"seeds ({seeds}) must be a count from 1 to {MAX_SEEDS}; 5 is a good start"
            )
        return [first + i for i in range(int(seeds))]
    chosen = [int(s) for s in seeds]
    if not 1 <= len(chosen) <= MAX_SEEDS or len(set(chosen)) != len(chosen):
        raise ValueError(
            f"seeds ({chosen}) must list 1 to {MAX_SEEDS} distinct seeds, e.g. [0, 1, 2, 3, 4]"
        )
    if min(chosen) < 0:
        raise ValueError(f"seeds ({chosen}) must be non-negative integers")
    return chosen


class Repeats:
    """An experiment under N seeds, step by step in all of them.

    Parameters
    ----------
    dataset : Dataset
    model : {"ae", "vae"}
    seeds : int or sequence of int
        A count (seeds ``config.seed``, ``config.seed + 1``, ...) or the seeds themselves;
        1 to :data:`MAX_SEEDS`.
    config : TrainConfig, optional
        Shared by every repeat but for the seed; default: the dataset's default config.
    device : str
    metric_sample_size : int
        As in :class:`~latent_explorer.core.experiment.Experiment`.
    """

    def __init__(
        self,
        dataset: Dataset,
        model: str = "ae",
        *,
        seeds: int | Sequence[int] = 5,
        config: TrainConfig | None = None,
        device: str = "auto",
        metric_sample_size: int = METRIC_SAMPLE,
    ) -> None:
        base = config or default_config(
            dataset.n_samples, dataset.n_features, data_kind=dataset.kind, model=model
        )
        self.seeds = seed_list(seeds, first=base.seed)
        self.dataset = dataset
        self.experiments = [
            Experiment(
                dataset,
                model,
                config=base.replace(seed=seed),
                device=device,
                metric_sample_size=metric_sample_size,
            )
            for seed in self.seeds
        ]
        first = self.experiments[0]
        for exp in self.experiments[1:]:
            # The first seed's Shepard/stress sample for all: only the model differs.
            exp.quality = QualityMeter(
                dataset.X,
                dataset.y,
                sample_size=metric_sample_size,
                seed=first.config.seed,
                device=exp.device,
            )

    def __repr__(self) -> str:
        return (
            f"Repeats({self.dataset.name!r}, seeds={self.seeds}, "
            f"iterations={len(self.experiments[0].iterations)})"
        )

    def __len__(self) -> int:
        return len(self.experiments)

    # -- steps, in every repeat -----------------------------------------------------------

    def train(self) -> Repeats:
        """Iteration 0 in every repeat: train on all points and measure; returns ``self``."""
        for exp in self.experiments:
            exp.train()
        return self

    def retrain(
        self,
        selection: Selection | Sequence[int] | np.ndarray,
        *,
        parent: int | None = None,
        mode: str = "finetune",
        epochs: int | None = None,
    ) -> Repeats:
        """Train every repeat on the same selection from its own iteration `parent`."""
        selection = as_selection(selection, n_samples=self.dataset.n_samples)
        for exp in self.experiments:
            exp.retrain(selection, parent=parent, mode=mode, epochs=epochs)
        return self

    def iterations(self, iteration: int = -1) -> list[Iteration]:
        """Iteration `iteration` (negative counts from the end) of every repeat."""
        n = len(self.experiments[0].iterations)
        index = iteration + n if iteration < 0 else iteration
        return [exp.iteration(index) for exp in self.experiments]

    # -- what the repeats say ---------------------------------------------------------------

    def latents(self, iteration: int = -1) -> list[np.ndarray]:
        """Each repeat's coordinates (n, 2) at `iteration`, as trained (not aligned)."""
        return [it.coords for it in self.iterations(iteration)]

    def stability(self, iteration: int = -1, *, k: int = AGREEMENT_NEIGHBORS) -> StabilityReport:
        """The repeats aligned to the first, with displacement and neighbour agreement."""
        return stability_report(self.latents(iteration), k=k)

    def _values(self, iteration: int, group: str, metric: str, *, before: bool) -> list[float]:
        values: list[float] = []
        for it in self.iterations(iteration):
            report = it.parent_metrics if before else it.metrics
            row = (report or {}).get(group)
            value = row.get(metric) if row else None
            if value is None:
                side = "before" if before else "after"
                raise ValueError(
                    f"metric {metric!r} of group {group!r} ({side}) is not measured in iteration "
                    f"{it.index} of seed {self.seeds[len(values)]}; groups: all, selected, rest "
                    "(selected and rest exist after a retrain)"
                )
            values.append(float(value))
        return values

    def metrics(self, iteration: int = -1, *, group: str = "all") -> dict[str, Interval]:
        """Every metric of `group` at `iteration` as a mean with a 95% interval across seeds."""
        row = (self.iterations(iteration)[0].metrics or {}).get(group) or {}
        names = [
            k
            for k, v in row.items()
            if v is not None and k != "sampled" and not k.startswith(("pca_", "n_"))
        ]
        return {m: interval(self._values(iteration, group, m, before=False)) for m in names}

    def compare(
        self,
        metric: str = "trustworthiness",
        *,
        iteration: int = -1,
        group: str = "selected",
        **options: Any,
    ) -> Comparison:
        """Paired verdict on `metric` of `group`: the parent's projection against `iteration`'s.

        The parent is measured on the same groups (its "before" table), seed by seed.
        `options` go to :func:`~latent_explorer.core.seed_spread.compare_paired`.
        """
        if self.iterations(iteration)[0].parent is None:
            raise ValueError("iteration 0 has no before: compare a retrained iteration (>= 1)")
        before = self._values(iteration, group, metric, before=True)
        after = self._values(iteration, group, metric, before=False)
        return compare_paired(before, after, metric=metric, **options)
