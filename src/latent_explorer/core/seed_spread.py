"""Is a change bigger than seed noise? Metrics across seeds, and a paired before/after verdict.

Each seed trains its own model, so a metric measured under N seeds is N numbers. They are shown
as a mean with a 95% interval (Student's t: with few seeds the interval is honest about how
little is known). A Submit run under the same N seeds gives a before and an after number per
seed; the verdict compares them *paired* (seed by seed), which removes the differences between
seeds that affect before and after alike:

- the mean change with its 95% interval: if the interval lies on one side of zero, the change
  exceeds the seed-to-seed spread (a paired t-test at the 5% level says the same);
- the effect size d_z = mean change / standard deviation of the per-seed changes, with its 95%
  interval from the noncentral t distribution (exact for normally distributed changes);
- a sentence that a non-statistician reads correctly: an interval that includes zero means
  "could be seed noise", never "no change".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import optimize, special, stats

__all__ = ["Comparison", "Interval", "compare_paired", "interval", "metric_label"]

#: Metrics where a larger value is better (the others below: smaller is better).
HIGHER_IS_BETTER = {
    "trustworthiness": True,
    "continuity": True,
    "neighborhood_hit": True,
    "shepard": True,
    "stress": False,
    "reconstruction_error": False,
    "kl": False,
}

_LABELS = {
    "trustworthiness": "trustworthiness",
    "continuity": "continuity",
    "neighborhood_hit": "neighbourhood hit",
    "shepard": "Shepard correlation",
    "stress": "stress",
    "reconstruction_error": "reconstruction error",
    "kl": "KL divergence",
}


def metric_label(metric: str) -> str:
    """The metric's name in words ("neighborhood_hit" -> "neighbourhood hit")."""
    return _LABELS.get(metric, metric.replace("_", " "))


@dataclass(frozen=True)
class Interval:
    """Mean of N values with a two-sided confidence interval (Student's t).

    ``low`` and ``high`` are NaN for a single value: one seed says nothing about the spread.
    """

    mean: float
    low: float
    high: float
    sd: float
    n: int
    confidence: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (NaN becomes None)."""
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }


def interval(values: Sequence[float] | np.ndarray, *, confidence: float = 0.95) -> Interval:
    """Mean with a Student-t confidence interval: ``mean +- t(n-1) * sd / sqrt(n)``.

    Parameters
    ----------
    values : array_like
        One number per seed, finite.
    confidence : float, optional
        In (0, 1).
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0 or not np.isfinite(x).all():
        raise ValueError(f"values ({x.tolist()}) must be one or more finite numbers, one per seed")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence ({confidence}) must lie in (0, 1), e.g. 0.95")
    mean = float(x.mean())
    if x.size == 1:
        return Interval(mean, math.nan, math.nan, math.nan, 1, confidence)
    sd = float(x.std(ddof=1))
    # special.stdtrit is stats.t.ppf without its argument checks (50x faster).
    half = float(special.stdtrit(x.size - 1, 0.5 + confidence / 2)) * sd / math.sqrt(x.size)
    return Interval(mean, mean - half, mean + half, sd, int(x.size), confidence)


def _effect_interval(t_obs: float, n: int, confidence: float) -> tuple[float, float]:
    """d_z interval: the noncentrality values whose t distribution puts t_obs at the tails.

    The noncentral t CDF falls as the noncentrality grows; each end is bracketed by stepping
    out from t_obs in steps of its approximate standard error, then solved by Brent's method.
    Where SciPy's CDF gives no number (very large t with few seeds) the normal approximation
    ``d +- z * sqrt(1/n + d^2 / (2n))`` stands in.
    """
    df, tail = n - 1, (1 - confidence) / 2
    d = t_obs / math.sqrt(n)
    step = math.sqrt(1.0 + t_obs * t_obs / (2.0 * df))

    def cdf(delta: float) -> float:
        return float(special.nctdtr(df, delta, t_obs))  # stats.nct.cdf, 100x faster

    def solve(p: float, direction: float) -> float:
        near, far = t_obs, t_obs + direction * step
        for _ in range(60):
            value = cdf(far)
            if math.isnan(value):
                raise ArithmeticError
            if (value - p) * direction < 0:  # crossed: the root lies between near and far
                break
            near, far = far, far + 2 * (far - t_obs)
        else:
            raise ArithmeticError
        return float(optimize.brentq(lambda x: cdf(x) - p, *sorted((near, far)), xtol=1e-12))

    try:
        return solve(1 - tail, -1.0) / math.sqrt(n), solve(tail, 1.0) / math.sqrt(n)
    except (ArithmeticError, ValueError):
        half = float(stats.norm.ppf(1 - tail)) * math.sqrt(1 / n + d * d / (2 * n))
        return d - half, d + half


@dataclass(frozen=True)
class Comparison:
    """A paired before/after comparison of one metric across seeds.

    Attributes
    ----------
    metric : str
    before, after : Interval
        Each side across seeds.
    change : Interval
        Mean of the per-seed differences (after - before) with its interval.
    effect_size : float
        d_z = mean change / SD of the changes; NaN with one seed, +-inf when every seed changed
        by the same non-zero amount.
    effect_low, effect_high : float
        Its interval (NaN where undefined).
    exceeds_spread : bool or None
        True when the change's interval excludes zero; None with one seed (unknown).
    higher_is_better : bool or None
        Whether a rise is an improvement; None for an unknown metric.
    sentence : str
        The verdict in plain words.
    """

    metric: str
    before: Interval
    after: Interval
    change: Interval
    effect_size: float
    effect_low: float
    effect_high: float
    exceeds_spread: bool | None
    higher_is_better: bool | None
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (NaN and infinities become None)."""

        def clean(v: Any) -> Any:
            return None if isinstance(v, float) and not math.isfinite(v) else v

        out = {k: clean(v) for k, v in asdict(self).items() if not isinstance(v, dict)}
        for side in ("before", "after", "change"):
            out[side] = getattr(self, side).to_dict()
        return out


def _sentence(
    metric: str,
    change: Interval,
    effect: tuple[float, float, float],
    exceeds: bool | None,
    higher_is_better: bool | None,
    before: float,
    after: float,
) -> str:
    label, n = metric_label(metric), change.n
    pct = f"{round(change.confidence * 100)}%"
    if n == 1:
        return (
            f"With one seed, {label} went from {before:.3f} to {after:.3f} ({change.mean:+.3f}). "
            "One seed cannot tell a change from seed-to-seed noise: run 3 or more seeds."
        )
    if change.sd == 0 and change.mean == 0:
        return f"Across {n} seeds, {label} did not change in any seed."
    direction = "rose" if change.mean > 0 else "fell"
    verdict = ""
    if higher_is_better is not None:
        verdict = " (better)" if (change.mean > 0) == higher_is_better else " (worse)"
    head = (
        f"Across {n} seeds, {label} {direction} by {abs(change.mean):.3f} on average{verdict}, "
        f"from {before:.3f} to {after:.3f}; {pct} interval of the change: "
        f"{change.low:+.3f} to {change.high:+.3f}."
    )
    d, d_low, d_high = effect
    if not math.isfinite(d):
        size = " Every seed changed by the same amount."
    else:
        size = (
            f" The average change is {abs(d):.1f} times the seed-to-seed variation of the change "
            f"(effect size d_z = {d:.2f}, {pct} interval {d_low:.2f} to {d_high:.2f})."
        )
    if exceeds:
        tail = (
            " The interval lies entirely on one side of zero, so the change is larger than the "
            "seed-to-seed spread: it is unlikely to be seed noise."
        )
    else:
        tail = (
            " The interval includes zero, so the change is within the seed-to-seed spread: it "
            "may be seed noise. That does not show there is no change; more seeds would narrow "
            "the interval."
        )
    return head + tail + size


def compare_paired(
    before: Sequence[float] | np.ndarray,
    after: Sequence[float] | np.ndarray,
    *,
    metric: str = "metric",
    higher_is_better: bool | None = None,
    confidence: float = 0.95,
) -> Comparison:
    """Compare a metric before and after a change, paired seed by seed.

    Parameters
    ----------
    before, after : array_like
        One value per seed each, in the same seed order.
    metric : str, optional
        Its name, for the sentence (``"trustworthiness"``, ...).
    higher_is_better : bool, optional
        Default: known for the explorer's metrics (:data:`HIGHER_IS_BETTER`), else unknown.
    confidence : float, optional
        Of both intervals.

    Returns
    -------
    Comparison
    """
    b = np.asarray(before, dtype=np.float64).ravel()
    a = np.asarray(after, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"before has {b.size} values and after {a.size}: give one pair per seed")
    if higher_is_better is None:
        higher_is_better = HIGHER_IS_BETTER.get(metric)
    change = interval(a - b, confidence=confidence)
    if change.n == 1:
        effect = (math.nan, math.nan, math.nan)
        exceeds: bool | None = None
    elif change.sd == 0:
        same = math.copysign(math.inf, change.mean) if change.mean else math.nan
        effect = (same, math.nan, math.nan)
        exceeds = change.mean != 0
    else:
        d = change.mean / change.sd
        effect = (d, *_effect_interval(d * math.sqrt(change.n), change.n, confidence))
        exceeds = bool(change.low > 0 or change.high < 0)
    sentence = _sentence(
        metric, change, effect, exceeds, higher_is_better, float(b.mean()), float(a.mean())
    )
    return Comparison(
        metric=metric,
        before=interval(b, confidence=confidence),
        after=interval(a, confidence=confidence),
        change=change,
        effect_size=effect[0],
        effect_low=effect[1],
        effect_high=effect[2],
        exceeds_spread=exceeds,
        higher_is_better=higher_is_better,
        sentence=sentence,
    )
