import numpy as np
import pytest

from latent_explorer.core.metrics import shepard_stress
from latent_explorer.core.pairwise import SampledPairs


@pytest.fixture
def data(rng):
    X = rng.normal(size=(120, 9))
    Y = X[:, :2] + 0.3 * rng.normal(size=(120, 2))
    return X, Y


def test_all_pairs_equal_shepard_stress(data):
    X, Y = data
    sample = np.arange(0, 120, 2)
    pairs = SampledPairs(X, sample)
    got = pairs.shepard_stress(pairs.project(Y))
    want = shepard_stress(X, Y, sample=sample)
    assert got.rho == pytest.approx(want.rho, abs=1e-12)
    assert got.stress == pytest.approx(want.stress, abs=1e-12)


def test_group_equals_direct_computation_with_ties(data):
    X, Y = data
    # Rounded 2-D coordinates create tied distances: ranks must average them like scipy.
    Y = np.round(Y, 1)
    sample = np.arange(120)
    pairs = SampledPairs(X, sample)
    proj = pairs.project(Y)
    members = np.zeros(120, dtype=bool)
    members[[3, 7, 8, 20, 33, 41, 42, 57, 90, 101, 119]] = True
    got = pairs.shepard_stress(proj, pairs.group_mask(members))
    want = shepard_stress(X, Y, sample=np.flatnonzero(members))
    assert got.rho == pytest.approx(want.rho, abs=1e-12)
    assert got.stress == pytest.approx(want.stress, abs=1e-12)
    from scipy.spatial.distance import pdist
    from scipy.stats import spearmanr

    idx = np.flatnonzero(members)
    assert got.rho == pytest.approx(spearmanr(pdist(X[idx]), pdist(Y[idx])).statistic, abs=1e-12)


def test_scaled_copy_is_perfect(data):
    X, _ = data
    X2 = X[:, :2]
    pairs = SampledPairs(X2, np.arange(120))
    res = pairs.shepard_stress(pairs.project(3.5 * X2))
    assert res.rho == pytest.approx(1.0) and res.stress == pytest.approx(0.0, abs=1e-12)


def test_tiny_group_is_undefined(data):
    X, Y = data
    pairs = SampledPairs(X, np.arange(120))
    members = np.zeros(120, dtype=bool)
    members[:2] = True
    res = pairs.shepard_stress(pairs.project(Y), pairs.group_mask(members))
    assert np.isnan(res.rho)
