"""The seed-spread verdict: intervals across seeds and the paired before/after comparison."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from latent_explorer.core.seed_spread import compare_paired, interval

BEFORE = np.array([0.900, 0.921, 0.912, 0.934, 0.889])


def test_interval_is_the_student_t_interval():
    values = [0.91, 0.93, 0.92, 0.95, 0.90]
    got = interval(values)
    ref = stats.t.interval(0.95, 4, loc=np.mean(values), scale=stats.sem(values))
    assert got.mean == pytest.approx(np.mean(values), rel=1e-15)
    assert (got.low, got.high) == pytest.approx(ref, rel=1e-12)
    single = interval([0.9])
    assert single.n == 1 and math.isnan(single.low) and single.to_dict()["low"] is None
    with pytest.raises(ValueError, match="finite"):
        interval([0.9, float("nan")])


def test_a_known_effect_exceeds_the_seed_spread():
    after = BEFORE + np.array([0.050, 0.051, 0.049, 0.052, 0.048])
    result = compare_paired(BEFORE, after, metric="trustworthiness")
    ttest = stats.ttest_rel(after, BEFORE)
    ci = ttest.confidence_interval(0.95)
    assert (result.change.low, result.change.high) == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert result.change.low <= 0.05 <= result.change.high and ttest.pvalue < 0.05
    assert result.exceeds_spread is True
    d = np.mean(after - BEFORE) / np.std(after - BEFORE, ddof=1)
    assert result.effect_size == pytest.approx(d, rel=1e-12)
    # The effect-size interval inverts the noncentral t at the observed t.
    t_obs, df = d * math.sqrt(5), 4
    assert stats.nct.cdf(t_obs, df, result.effect_low * math.sqrt(5)) == pytest.approx(0.975)
    assert stats.nct.cdf(t_obs, df, result.effect_high * math.sqrt(5)) == pytest.approx(0.025)
    assert result.effect_low < d < result.effect_high
    words = result.sentence
    assert "Across 5 seeds, trustworthiness rose by 0.050 on average (better)" in words
    assert "larger than the seed-to-seed spread" in words and "unlikely to be seed noise" in words


def test_no_effect_stays_within_the_seed_spread():
    after = BEFORE + np.array([-0.020, 0.015, 0.010, -0.012, 0.004])
    result = compare_paired(BEFORE, after, metric="trustworthiness")
    assert stats.ttest_rel(after, BEFORE).pvalue > 0.05
    assert result.exceeds_spread is False
    assert result.change.low < 0 < result.change.high
    assert result.effect_low < 0 < result.effect_high
    assert "within the seed-to-seed spread" in result.sentence
    assert "may be seed noise" in result.sentence
    assert "does not show there is no change" in result.sentence  # never "no effect"


def test_lower_is_better_metrics_and_one_seed():
    result = compare_paired([0.30, 0.32, 0.31], [0.20, 0.21, 0.22], metric="stress")
    assert result.exceeds_spread and "stress fell by 0.100 on average (better)" in result.sentence
    one = compare_paired([0.90], [0.95], metric="continuity")
    assert one.exceeds_spread is None and math.isnan(one.effect_size)
    assert "One seed cannot tell a change from seed-to-seed noise" in one.sentence
    assert one.to_dict()["effect_size"] is None
    with pytest.raises(ValueError, match="one pair per seed"):
        compare_paired([0.9, 0.8], [0.9])


def test_false_alarms_are_about_five_percent():
    # 4,000 synthetic Submits with no true effect, 5 seeds each: the verdict should call about
    # 5% of them larger than the seed spread, and nearly all of a large true effect.
    rng = np.random.default_rng(0)
    base = rng.normal(0.9, 0.02, size=(4000, 5))
    null = [compare_paired(b, b + rng.normal(0, 0.01, 5)).exceeds_spread for b in base[:2000]]
    real = [
        compare_paired(b, b + 0.02 + rng.normal(0, 0.01, 5)).exceeds_spread for b in base[2000:]
    ]
    assert 0.035 < np.mean(null) < 0.065
    assert np.mean(real) > 0.9
