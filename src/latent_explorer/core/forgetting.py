"""What a chain of Submits made the model forget, class by class.

The original system's central figure is "the latent space after ten training repetitions":
fine-tuning again and again on an area of interest makes the digits outside it unrecognisable.
This module measures that, from values every iteration already holds:

- **Reconstruction error per class** for every iteration on the chain from iteration 0 to the
  one shown: the mean over the class's points and a 95% interval of that mean (Student's t,
  ``mean +- t(0.975, n-1) * sd / sqrt(n)``), also split into the class's selected and not
  selected points. The selection is the shown iteration's, applied to every iteration of the
  chain, so iteration 0 says how the points that were later selected fared before.
- **Per-class T and NH**: the mean of the per-point (local) trustworthiness, k=7, and
  neighbourhood hit, k=3, of the class's points, each measured in the projection of *all*
  points. That costs nothing beyond the iteration's own measuring (the per-point values exist
  already), so it stays cheap at 70,000 points; it differs from the table's "selected" and
  "rest" rows, which re-measure a group as if it were the whole data set. ``None`` until the
  iteration is measured.
- **Change against iteration 0**: the relative change of each class's mean error, and whether
  it exceeds the intervals (the two intervals do not overlap).
- **The same points every iteration**: :func:`strip_ids` draws a fixed, seeded sample per class
  for the reconstruction strip; :func:`feature_error_change` is the tabular counterpart, the
  change of the mean squared error per class and feature.

Nothing here trains or imports Flask; :meth:`Experiment.retrain` with ``repeat=N`` makes the
chain.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from .training import reconstruct

if TYPE_CHECKING:
    from .experiment import Experiment, Iteration

#: Most repetitions one Submit may chain (the page's "x N" offers 1 to this).
MAX_REPEAT = 20
#: Confidence of the per-class intervals.
CONFIDENCE = 0.95
#: Points per class in the reconstruction strip, by default.
STRIP_PER_CLASS = 1

INTERVAL_NOTE = "95% interval of the class mean: mean +- t(0.975, n-1) * sd / sqrt(n)"
LOCAL_NOTE = (
    "per-class T and NH: mean of the per-point trustworthiness (k=7) and neighbourhood hit "
    "(k=3) of the class's points, measured in the projection of all points"
)

Stat = dict[str, float]


def check_repeat(value: Any, *, name: str = "repeat") -> int:
    """``value`` as a repetition count in [1, :data:`MAX_REPEAT`], or a ValueError that says
    which rule it broke and how to fix it."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(
            f"{name} ({value!r}) must be a whole number of repetitions from 1 to {MAX_REPEAT}"
        )
    if not 1 <= int(value) <= MAX_REPEAT:
        raise ValueError(
            f"{name} ({value!r}) must be from 1 to {MAX_REPEAT}; "
            f"use 1 for a single Submit, {MAX_REPEAT} at most"
        )
    return int(value)


# -- statistics ------------------------------------------------------------------------------


def class_stats(values: np.ndarray, labels: np.ndarray, n_classes: int) -> list[Stat | None]:
    """Mean and 95% interval of ``values`` per class, in one pass (sums of values and squares).

    Returns one ``{"mean", "lo", "hi", "n"}`` per class, ``None`` for a class with no point;
    with one point the interval is the mean itself (``lo == hi == mean``).
    """
    v = np.asarray(values, dtype=np.float64)
    lab = np.asarray(labels, dtype=np.int64)
    counts = np.bincount(lab, minlength=n_classes)[:n_classes]
    sums = np.bincount(lab, weights=v, minlength=n_classes)[:n_classes]
    out: list[Stat | None] = []
    for c in range(n_classes):
        n = int(counts[c])
        if n == 0:
            out.append(None)
            continue
        mean = float(sums[c] / n)
        half = 0.0
        if n > 1:
            # Two passes over the class's values: the shortcut E[x^2] - E[x]^2 loses digits
            # when the errors are small and alike.
            sd = float(np.std(v[lab == c], ddof=1))
            half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * sd / math.sqrt(n)
        out.append({"mean": mean, "lo": mean - half, "hi": mean + half, "n": float(n)})
    return out


def lineage(experiment: Experiment, index: int | None = None) -> list[int]:
    """Iteration numbers from 0 to ``index`` (default: the latest) along the parent links."""
    its = experiment.iterations
    if not its:
        return []
    k = len(its) - 1 if index is None else index
    experiment.iteration(k)  # a clear error for a number that does not exist
    chain = [k]
    while its[chain[-1]].parent is not None:
        chain.append(int(its[chain[-1]].parent))  # type: ignore[arg-type]
    return chain[::-1]


def _role(share: float | None) -> str:
    if share is None:
        return "no selection"
    if share >= 1.0:
        return "selected"
    if share <= 0.0:
        return "not selected"
    return "partly selected"


def change_text(name: str, relative: float | None, role: str, share: float | None) -> str:
    """``"class 6: +55%, not in the selection"``: one line of the metrics table."""
    if relative is None:
        return f"class {name}: no change measurable"
    where = {
        "selected": "in the selection",
        "not selected": "not in the selection",
        "no selection": "no selection",
    }.get(role, f"{round(100 * (share or 0.0))}% of it selected")
    return f"class {name}: {100 * relative:+.0f}%, {where}"


# -- the report ------------------------------------------------------------------------------


def forgetting_report(experiment: Experiment, iteration: int | None = None) -> dict[str, Any]:
    """Per-class reconstruction error, T and NH for every iteration from 0 to ``iteration``.

    Returns a JSON-ready dict::

        {"iteration": k, "iterations": [0, ..., k], "n_selected": int | None,
         "interval": str, "local": str,
         "classes": [{"index", "name", "n", "n_selected", "share_selected", "role",
                      "reconstruction_error": [stat per iteration],
                      "selected": [stat | None ...], "not_selected": [stat | None ...],
                      "trustworthiness": [stat | None ...], "neighborhood_hit": [...],
                      "change": {"relative", "exceeds_interval", "text"}}]}

    where a stat is ``{"mean", "lo", "hi", "n"}`` (:func:`class_stats`).
    """
    chain = lineage(experiment, iteration)
    ds = experiment.dataset
    names = [str(c) for c in ds.class_names] or ["all"]
    n_classes = len(names)
    y = np.asarray(ds.y, dtype=np.int64)
    shown = experiment.iterations[chain[-1]] if chain else None
    selection = shown.selection if shown is not None else None
    mask = None
    if selection is not None:
        mask = np.zeros(ds.n_samples, dtype=bool)
        mask[selection.ids] = True

    counts = np.bincount(y, minlength=n_classes)[:n_classes]
    n_sel = np.bincount(y[mask], minlength=n_classes)[:n_classes] if mask is not None else None
    series: dict[str, list[list[Stat | None]]] = {
        key: [[] for _ in range(n_classes)]
        for key in (
            "reconstruction_error",
            "selected",
            "not_selected",
            "trustworthiness",
            "neighborhood_hit",
        )
    }
    for k in chain:
        pp = experiment.iterations[k].per_point
        columns: dict[str, list[Stat | None]] = {
            "reconstruction_error": class_stats(pp["reconstruction_error"], y, n_classes)
        }
        for key in ("trustworthiness", "neighborhood_hit"):
            columns[key] = class_stats(pp[key], y, n_classes) if key in pp else [None] * n_classes
        if mask is not None:
            err = pp["reconstruction_error"]
            columns["selected"] = class_stats(err[mask], y[mask], n_classes)
            columns["not_selected"] = class_stats(err[~mask], y[~mask], n_classes)
        else:
            columns["selected"] = columns["not_selected"] = [None] * n_classes
        for key, values in columns.items():
            for c in range(n_classes):
                series[key][c].append(values[c])

    classes = []
    for c, name in enumerate(names):
        share = float(n_sel[c] / counts[c]) if n_sel is not None and counts[c] else None
        role = _role(share)
        errors = series["reconstruction_error"][c]
        first, last = (errors[0], errors[-1]) if errors else (None, None)
        relative = exceeds = None
        if first is not None and last is not None and first["mean"] > 0 and len(chain) > 1:
            relative = (last["mean"] - first["mean"]) / first["mean"]
            exceeds = bool(last["lo"] > first["hi"] or last["hi"] < first["lo"])
        classes.append(
            {
                "index": c,
                "name": name,
                "n": int(counts[c]),
                "n_selected": int(n_sel[c]) if n_sel is not None else None,
                "share_selected": share,
                "role": role,
                **{key: series[key][c] for key in series},
                "change": {
                    "relative": relative,
                    "exceeds_interval": exceeds,
                    "text": change_text(name, relative, role, share),
                },
            }
        )
    return {
        "iteration": chain[-1] if chain else None,
        "iterations": chain,
        "n_selected": len(selection) if selection is not None else None,
        "interval": INTERVAL_NOTE,
        "local": LOCAL_NOTE,
        "classes": classes,
    }


def report_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report as flat rows (one per class and iteration) for a CSV export."""
    rows = []
    for cls in report["classes"]:
        for pos, k in enumerate(report["iterations"]):
            row: dict[str, Any] = {
                "iteration": k,
                "class": cls["name"],
                "role": cls["role"],
                "n": cls["n"],
                "n_selected": cls["n_selected"],
            }
            for key in (
                "reconstruction_error",
                "selected",
                "not_selected",
                "trustworthiness",
                "neighborhood_hit",
            ):
                stat = cls[key][pos]
                prefix = key if key not in ("selected", "not_selected") else f"error_{key}"
                for part in ("mean", "lo", "hi"):
                    row[f"{prefix}_{part}"] = None if stat is None else stat[part]
            rows.append(row)
    return rows


# -- the same points every iteration ------------------------------------------------------


def strip_ids(
    labels: np.ndarray, *, per_class: int = STRIP_PER_CLASS, seed: int = 0
) -> list[np.ndarray]:
    """A fixed, seeded sample of ``per_class`` point ids per class (sorted; fewer where a
    class is smaller), the same for every iteration of an experiment."""
    y = np.asarray(labels, dtype=np.int64)
    n_classes = int(y.max()) + 1 if y.size else 0
    rng = np.random.default_rng(seed)
    out = []
    for c in range(n_classes):
        members = np.flatnonzero(y == c)
        take = min(per_class, members.size)
        out.append(np.sort(rng.choice(members, size=take, replace=False)).astype(np.int64))
    return out


def reconstruction_strip(
    experiment: Experiment,
    iteration: int | None = None,
    *,
    per_class: int = STRIP_PER_CLASS,
) -> dict[str, Any]:
    """The fixed sample's originals and their reconstructions by every iteration of the chain.

    Returns ``{"iterations": [...], "ids": [[ids of class c] ...], "original": float32
    (m, n_features), "reconstructions": [float32 (m, n_features) per iteration]}`` where the m
    rows are the ids of all classes in order.
    """
    chain = lineage(experiment, iteration)
    ds = experiment.dataset
    groups = strip_ids(ds.y, per_class=per_class, seed=experiment.config.seed)
    ids = np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64)
    X = ds.X[ids]
    recs = [reconstruct(experiment.iterations[k].model, X, device=experiment.device) for k in chain]
    return {"iterations": chain, "ids": groups, "original": X, "reconstructions": recs}


def feature_error_change(experiment: Experiment, iteration: int | None = None) -> dict[str, Any]:
    """Per class and feature: the mean squared reconstruction error at iteration 0 and at
    ``iteration``, and its relative change (the tabular counterpart of the strip).

    Returns ``{"iteration", "iterations", "classes", "features", "before": (c, f),
    "after": (c, f), "relative": (c, f)}`` as nested lists; ``relative`` is ``None`` where the error at
    iteration 0 is 0.
    """
    chain = lineage(experiment, iteration)
    ds = experiment.dataset
    y = np.asarray(ds.y, dtype=np.int64)
    n_classes = max(len(ds.class_names), 1)

    def per_class_feature(it: Iteration) -> np.ndarray:
        sq = (reconstruct(it.model, ds.X, device=experiment.device) - ds.X) ** 2
        out = np.zeros((n_classes, ds.n_features), dtype=np.float64)
        np.add.at(out, y, sq.astype(np.float64))
        counts = np.bincount(y, minlength=n_classes)[:n_classes].astype(np.float64)
        return out / np.maximum(counts, 1)[:, None]

    before = per_class_feature(experiment.iterations[chain[0]])
    after = per_class_feature(experiment.iterations[chain[-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(before > 0, (after - before) / before, np.nan)
    return {
        "iteration": chain[-1],
        "iterations": chain,
        "classes": [str(c) for c in ds.class_names],
        "features": list(ds.feature_names),
        "before": before.tolist(),
        "after": after.tolist(),
        "relative": [[None if np.isnan(v) else float(v) for v in row] for row in rel],
    }
