"""Repeats: one experiment under N seeds, stepped alike; real training on iris."""

from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.repeats import Repeats, seed_list
from latent_explorer.core.stability import stability_report
from latent_explorer.core.training import TrainConfig
from latent_explorer.notebook import Explorer


@pytest.fixture(scope="module")
def repeats() -> Repeats:
    ds = load_dataset("iris")
    config = TrainConfig(epochs=8, batch_size=32, seed=3)
    reps = Repeats(ds, "ae", seeds=3, config=config, device="cpu").train()
    return reps.retrain(np.flatnonzero(ds.y == 1), epochs=4)


def test_every_seed_trains_its_own_model_on_one_metric_sample(repeats):
    assert repeats.seeds == [3, 4, 5]
    assert [exp.config.seed for exp in repeats.experiments] == [3, 4, 5]
    first, *others = repeats.latents(0)
    assert all(not np.allclose(first, other) for other in others)  # the seed matters
    samples = [exp.metric_sample for exp in repeats.experiments]
    assert all(np.array_equal(samples[0], s) for s in samples[1:])
    assert [len(exp.iterations) for exp in repeats.experiments] == [2, 2, 2]


def test_stability_and_intervals_come_from_the_repeats(repeats):
    report = repeats.stability(0, k=5)
    direct = stability_report([exp.iterations[0].coords for exp in repeats.experiments], k=5)
    np.testing.assert_array_equal(report.displacement, direct.displacement)
    np.testing.assert_array_equal(report.agreement, direct.agreement)
    assert report.displacement.shape == (150,) and 0 <= report.summary["agreement_mean"] <= 1
    table = repeats.metrics(0)
    values = [exp.iterations[0].metrics["all"]["trustworthiness"] for exp in repeats.experiments]
    assert table["trustworthiness"].mean == np.mean(values)
    assert table["trustworthiness"].n == 3
    assert not any(name.startswith(("pca_", "n_")) for name in table)


def test_compare_pairs_each_seeds_before_and_after(repeats):
    result = repeats.compare("trustworthiness", group="selected")
    its = [exp.iterations[1] for exp in repeats.experiments]
    before = [it.parent_metrics["selected"]["trustworthiness"] for it in its]
    after = [it.metrics["selected"]["trustworthiness"] for it in its]
    assert result.before.mean == np.mean(before) and result.after.mean == np.mean(after)
    assert result.change.n == 3 and result.exceeds_spread in (True, False)
    assert result.sentence.startswith("Across 3 seeds, trustworthiness")
    with pytest.raises(ValueError, match="iteration 0 has no before"):
        repeats.compare(iteration=0)
    with pytest.raises(ValueError, match="'nope'"):
        repeats.compare(group="nope")


def test_seed_choices_are_checked():
    assert seed_list(3, first=7) == [7, 8, 9]
    assert seed_list([4, 1]) == [4, 1]
    with pytest.raises(ValueError, match=r"seeds \(11\) must be a count from 1 to 10"):
        seed_list(11)
    with pytest.raises(ValueError, match="distinct"):
        seed_list([1, 1])


def test_the_notebook_runs_repeats_of_its_experiment():
    ex = Explorer("iris", epochs=3, batch_size=32, seed=0, device="cpu")
    reps = ex.repeats(2)
    assert reps.seeds == [0, 1] and len(reps) == 2
    assert reps.experiments[0].config == ex.experiment.config
    assert reps.stability().agreement.shape == (150,)
