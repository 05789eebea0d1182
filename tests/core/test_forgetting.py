"""Repeated Submits and the per-class forgetting report (core/forgetting.py)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from scipy import stats

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.experiment import Experiment
from latent_explorer.core.forgetting import (
    MAX_REPEAT,
    check_repeat,
    class_stats,
    feature_error_change,
    forgetting_report,
    lineage,
    reconstruction_strip,
    report_rows,
    strip_ids,
)
from latent_explorer.core.selection import select_classes
from latent_explorer.core.training import TrainConfig, TrainingCancelled, reconstruct


@pytest.fixture(scope="module")
def iris_chain():
    """Iris AE, then 3 repetitions on versicolor + virginica, all measured."""
    ds = load_dataset("iris")
    exp = Experiment(ds, "ae", config=TrainConfig(epochs=30, batch_size=32, seed=3), device="cpu")
    exp.train()
    sel = select_classes(ds.y, [1, 2], class_names=ds.class_names)
    reports, seen = [], []
    last = exp.retrain(
        sel,
        epochs=4,
        repeat=3,
        progress=reports.append,
        on_iteration=lambda it: seen.append(it.index),
    )
    return exp, sel, last, reports, seen


# -- the repeat ------------------------------------------------------------------------------


def test_repeat_chains_stored_iterations(iris_chain):
    exp, sel, last, reports, seen = iris_chain
    assert last.index == 3 and seen == [1, 2, 3]
    assert [(it.index, it.parent) for it in exp.iterations] == [(0, None), (1, 0), (2, 1), (3, 2)]
    for it in exp.iterations[1:]:
        assert it.mode == "finetune" and it.epochs == 4 and it.metrics is not None
        assert np.array_equal(it.selection.ids, sel.ids)
    # Each repetition continued from the previous model: their weights all differ.
    coords = [it.coords for it in exp.iterations]
    assert all(not np.array_equal(a, b) for a, b in zip(coords, coords[1:], strict=False))
    # "repetition r of 3" on every progress report, 4 epochs each, in order.
    assert [(p.repetition, p.repetitions, p.epoch) for p in reports] == [
        (r, 3, e) for r in (1, 2, 3) for e in (1, 2, 3, 4)
    ]


def test_single_submit_reports_one_of_one():
    ds = load_dataset("iris")
    exp = Experiment(ds, "ae", config=TrainConfig(epochs=2, batch_size=32, seed=0), device="cpu")
    exp.train(measure=False)
    reports = []
    exp.retrain(np.arange(50), epochs=2, progress=reports.append, measure=False)
    assert [(p.repetition, p.repetitions) for p in reports] == [(1, 1), (1, 1)]


def test_cancel_stops_the_whole_sequence_and_keeps_finished_repetitions():
    ds = load_dataset("iris")
    exp = Experiment(ds, "ae", config=TrainConfig(epochs=2, batch_size=32, seed=0), device="cpu")
    exp.train(measure=False)
    cancel = threading.Event()
    with pytest.raises(TrainingCancelled, match="repetition 3 of 5"):
        exp.retrain(
            np.arange(60),
            epochs=2,
            repeat=5,
            cancel=cancel,
            measure=False,
            on_iteration=lambda it: cancel.set() if it.index == 2 else None,
        )
    assert [it.index for it in exp.iterations] == [0, 1, 2]


@pytest.mark.parametrize(
    ("value", "needle"),
    [(0, "from 1 to 20"), (21, "from 1 to 20"), (2.5, "whole number"), (True, "whole number")],
)
def test_repeat_out_of_range_is_refused(value, needle):
    with pytest.raises(ValueError, match=needle) as err:
        check_repeat(value)
    assert f"repeat ({value!r})" in str(err.value)
    assert check_repeat(MAX_REPEAT) == MAX_REPEAT


def test_repeat_refuses_scratch():
    ds = load_dataset("iris")
    exp = Experiment(ds, "ae", config=TrainConfig(epochs=1, batch_size=32, seed=0), device="cpu")
    exp.train(measure=False)
    with pytest.raises(ValueError, match="mode='finetune' or repeat=1"):
        exp.retrain(np.arange(10), mode="scratch", repeat=2)
    assert len(exp.iterations) == 1


# -- statistics ------------------------------------------------------------------------------


def test_class_stats_equal_a_float64_reference(rng):
    values = rng.gamma(2.0, 0.01, size=500)
    labels = rng.integers(0, 4, size=500)
    labels[labels == 3] = 2  # class 3 has no point
    got = class_stats(values, labels, 4)
    assert got[3] is None
    for c in range(3):
        v = values[labels == c]
        lo, hi = stats.t.interval(0.95, v.size - 1, loc=v.mean(), scale=stats.sem(v))
        assert got[c]["n"] == v.size
        assert got[c]["mean"] == pytest.approx(v.mean(), rel=1e-15, abs=0)
        assert got[c]["lo"] == pytest.approx(lo, rel=1e-13)
        assert got[c]["hi"] == pytest.approx(hi, rel=1e-13)


def test_class_stats_hand_computed():
    # Two points 1 and 3: mean 2, sd sqrt(2), t(0.975, 1) = 12.706..., half-width = t * 1.
    got = class_stats(np.array([1.0, 3.0, 5.0]), np.array([0, 0, 1]), 2)
    t = stats.t.ppf(0.975, 1)
    assert got[0] == {"mean": 2.0, "lo": 2.0 - t, "hi": 2.0 + t, "n": 2.0}
    assert got[1] == {"mean": 5.0, "lo": 5.0, "hi": 5.0, "n": 1.0}


# -- the report ------------------------------------------------------------------------------


def test_report_means_are_those_of_the_per_point_errors(iris_chain):
    exp, sel, last, _, _ = iris_chain
    report = forgetting_report(exp)
    assert report["iteration"] == 3 and report["iterations"] == [0, 1, 2, 3]
    assert report["n_selected"] == 100
    y = exp.dataset.y
    by_name = {c["name"]: c for c in report["classes"]}
    assert [c["role"] for c in report["classes"]] == ["not selected", "selected", "selected"]
    for c, cls in enumerate(report["classes"]):
        for pos, k in enumerate(report["iterations"]):
            pp = exp.iterations[k].per_point
            assert cls["reconstruction_error"][pos]["mean"] == pytest.approx(
                pp["reconstruction_error"][y == c].mean(), rel=1e-12
            )
            # Per-class T and NH: means of the per-point values of the class.
            assert cls["trustworthiness"][pos]["mean"] == pytest.approx(
                pp["trustworthiness"][y == c].mean(), rel=1e-12
            )
            assert cls["neighborhood_hit"][pos]["mean"] == pytest.approx(
                pp["neighborhood_hit"][y == c].mean(), rel=1e-12
            )
        # A class selected as a whole has no "not selected" points, and the reverse.
        if cls["role"] == "selected":
            assert cls["not_selected"] == [None] * 4
            assert cls["selected"] == cls["reconstruction_error"]
        else:
            assert cls["selected"] == [None] * 4
    setosa = by_name["setosa"]
    first, final = setosa["reconstruction_error"][0]["mean"], setosa["reconstruction_error"][-1]
    assert setosa["change"]["relative"] == pytest.approx((final["mean"] - first) / first)
    assert setosa["change"]["text"].startswith("class setosa: ")
    assert setosa["change"]["text"].endswith("not in the selection")


def test_report_follows_the_parent_chain_and_splits_partial_classes(iris_chain):
    exp, _, _, _, _ = iris_chain
    ids = np.array([0, 1, 2, 60, 61])  # 3 setosa, 2 versicolor
    branch = exp.retrain(ids, parent=1, epochs=2, measure=False)
    try:
        assert lineage(exp, branch.index) == [0, 1, branch.index]
        report = forgetting_report(exp, branch.index)
        setosa = report["classes"][0]
        assert setosa["role"] == "partly selected" and setosa["n_selected"] == 3
        assert setosa["change"]["text"].endswith("6% of it selected")
        err = exp.iterations[branch.index].per_point["reconstruction_error"]
        assert setosa["selected"][-1]["mean"] == pytest.approx(err[[0, 1, 2]].mean(), rel=1e-12)
        assert setosa["not_selected"][-1]["mean"] == pytest.approx(err[3:50].mean(), rel=1e-12)
        # Not measured: T and NH are absent, the errors are there.
        assert report["classes"][0]["trustworthiness"][-1] is None
        rows = report_rows(report)
        assert len(rows) == 3 * 3 and rows[0]["class"] == "setosa"
        assert {"reconstruction_error_lo", "error_selected_mean", "trustworthiness_hi"} <= set(
            rows[0]
        )
    finally:
        exp.iterations.pop()


def test_iteration_zero_alone_has_no_change(iris_chain):
    report = forgetting_report(iris_chain[0], 0)
    assert report["iterations"] == [0] and report["n_selected"] is None
    assert all(c["change"]["relative"] is None for c in report["classes"])
    assert all(c["role"] == "no selection" for c in report["classes"])


# -- the same points -----------------------------------------------------------------------


def test_strip_ids_are_fixed_seeded_and_per_class():
    y = np.repeat(np.arange(3), [5, 1, 7])
    a, b = strip_ids(y, per_class=2, seed=4), strip_ids(y, per_class=2, seed=4)
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert [g.size for g in a] == [2, 1, 2]
    assert all((y[g] == c).all() for c, g in enumerate(a))


def test_strip_reconstructs_the_same_points_by_every_iteration(iris_chain):
    exp = iris_chain[0]
    strip = reconstruction_strip(exp, 2, per_class=2)
    assert strip["iterations"] == [0, 1, 2]
    ids = np.concatenate(strip["ids"])
    assert np.array_equal(strip["original"], exp.dataset.X[ids])
    for k, rec in zip(strip["iterations"], strip["reconstructions"], strict=True):
        expected = reconstruct(exp.iterations[k].model, exp.dataset.X[ids], device="cpu")
        assert np.array_equal(rec, expected)
    again = reconstruction_strip(exp, 3, per_class=2)
    assert all(np.array_equal(u, v) for u, v in zip(strip["ids"], again["ids"], strict=True))


def test_feature_error_change_equals_a_direct_computation(iris_chain):
    exp = iris_chain[0]
    got = feature_error_change(exp, 3)
    X, y = exp.dataset.X.astype(np.float64), exp.dataset.y
    for name, k in (("before", 0), ("after", 3)):
        rec = reconstruct(exp.iterations[k].model, exp.dataset.X, device="cpu").astype(np.float64)
        sq = (rec - X) ** 2
        want = np.array([sq[y == c].mean(axis=0) for c in range(3)])
        np.testing.assert_allclose(got[name], want, rtol=1e-6)
    before, after = np.array(got["before"]), np.array(got["after"])
    np.testing.assert_allclose(got["relative"], (after - before) / before, rtol=1e-12)
    assert got["features"] == list(exp.dataset.feature_names)
