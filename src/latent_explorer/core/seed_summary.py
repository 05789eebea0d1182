"""What N seeds of one iteration say together, as JSON: every metric as a mean with a 95%
interval, the paired before/after verdict of each metric, and the stability summary.

:class:`~latent_explorer.core.repeats.Repeats` answers the same questions for experiments
held in memory; this takes the stored pieces (each seed's metric tables and coordinates), so
the job runtime, which trains each seed in its own job, gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .seed_spread import compare_paired, interval
from .stability import AGREEMENT_NEIGHBORS, StabilityReport, stability_report

__all__ = ["STABILITY_KEYS", "metric_names", "seed_summary", "stability_per_point"]

#: Per-point colour modes from the seeds, by the name the API and the page use.
STABILITY_KEYS = {
    "stability_displacement": "displacement",
    "stability_agreement": "neighbour_agreement",
}


def metric_names(row: Mapping[str, Any] | None) -> list[str]:
    """The metrics of a group row worth an interval: measured values of the model's map
    (not PCA's reference row, not counts, not the "sampled" marker)."""
    return [
        k
        for k, v in (row or {}).items()
        if v is not None and k != "sampled" and not k.startswith(("pca_", "n_"))
    ]


def _values(tables: Sequence[Mapping[str, Any] | None], group: str, metric: str) -> list[float]:
    out = []
    for table in tables:
        row = (table or {}).get(group) or {}
        value = row.get(metric)
        if value is None:
            return []
        out.append(float(value))
    return out


def seed_summary(
    metrics: Sequence[Mapping[str, Any]],
    parent_metrics: Sequence[Mapping[str, Any] | None],
    latents: Sequence[np.ndarray],
    *,
    k: int = AGREEMENT_NEIGHBORS,
    report: StabilityReport | None = None,
) -> dict[str, Any]:
    """Intervals, paired comparisons and stability of one iteration under N seeds.

    Parameters
    ----------
    metrics : sequence of dict
        Each seed's exact group report (``{"all": {...}, "selected": {...}, "rest": {...}}``),
        the first seed first.
    parent_metrics : sequence of dict or None
        Each seed's report of its own parent on the same groups (None for iteration 0).
    latents : sequence of array_like
        Each seed's coordinates (n, 2), the first being the reference of the alignment.
    """
    if not len(metrics) == len(parent_metrics) == len(latents):
        raise ValueError(
            f"one table, parent table and layout per seed: got {len(metrics)}, "
            f"{len(parent_metrics)} and {len(latents)}"
        )
    intervals: dict[str, dict[str, Any]] = {}
    comparisons: dict[str, dict[str, Any]] = {}
    for group, row in (metrics[0] or {}).items():
        if row is None:
            continue
        for name in metric_names(row):
            after = _values(metrics, group, name)
            if not after:
                continue
            intervals.setdefault(group, {})[name] = interval(after).to_dict()
            before = _values(parent_metrics, group, name)
            if before and all(p is not None for p in parent_metrics):
                verdict = compare_paired(before, after, metric=name)
                comparisons.setdefault(group, {})[name] = verdict.to_dict()
    out: dict[str, Any] = {"metrics": intervals, "comparison": comparisons or None}
    if report is None and len(latents) > 1:
        report = stability_report(latents, k=k)
    out["stability"] = report.summary if report is not None else None
    return out


def stability_per_point(report: StabilityReport) -> dict[str, np.ndarray]:
    """The per-point stability values under their API names (:data:`STABILITY_KEYS`)."""
    values = report.per_point()
    return {api: values[core] for api, core in STABILITY_KEYS.items()}
