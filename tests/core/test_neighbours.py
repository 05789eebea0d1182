"""Neighbours torn apart: exact neighbours and ranks against brute force and hand-made cases."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from latent_explorer.core.neighbours import (
    distances_from,
    latent_neighbours,
    neighbour_report,
    original_neighbours,
)


def brute_neighbours(X, i, k):
    d = cdist(X[i : i + 1].astype(np.float64), X.astype(np.float64))[0]
    others = [j for j in range(len(X)) if j != i]
    return sorted(others, key=lambda j: (d[j], j))[:k], d


def brute_rank(d, i, j):
    return 1 + sum(1 for m in range(len(d)) if m != i and d[m] < d[j])


@pytest.fixture
def data(rng):
    X = rng.normal(size=(300, 20))
    Y = X[:, :2] + 0.5 * rng.normal(size=(300, 2))
    return X, Y


@pytest.mark.parametrize("i", [0, 17, 299])
@pytest.mark.parametrize("k", [1, 10, 50])
def test_neighbours_equal_brute_force(data, i, k):
    X, Y = data
    want_x, _ = brute_neighbours(X, i, k)
    want_y, _ = brute_neighbours(Y, i, k)
    assert original_neighbours(X, i, k=k).tolist() == want_x
    assert latent_neighbours(Y, i, k=k).tolist() == want_y


@pytest.mark.parametrize("space", ["original", "latent"])
def test_report_distances_and_ranks_equal_brute_force(data, space):
    X, Y = data
    i, k = 5, 12
    rep = neighbour_report(X, Y, i, k=k, space=space)
    ids, _ = brute_neighbours(X if space == "original" else Y, i, k)
    d_x = cdist(X[i : i + 1], X)[0]
    d_y = cdist(Y[i : i + 1], Y)[0]
    other = d_y if space == "original" else d_x
    assert rep.space == space and rep.ids.tolist() == ids
    np.testing.assert_allclose(rep.distances_original, d_x[ids], rtol=1e-12)
    np.testing.assert_allclose(rep.distances_latent, d_y[ids], rtol=1e-12)
    assert rep.rank_in_other_space.tolist() == [brute_rank(other, i, j) for j in ids]


def test_identity_projection_keeps_every_rank(data):
    X, _ = data
    rep = neighbour_report(X, X, 3, k=10)
    assert rep.rank_in_other_space.tolist() == list(range(1, 11))


def test_hand_computed_case():
    # Original: points on a line at 0, 1, 3, 6. Latent: the order of 1 and 6 swapped.
    X = np.array([[0.0], [1.0], [3.0], [6.0]])
    Y = np.array([[0.0, 0.0], [6.0, 0.0], [3.0, 0.0], [1.0, 0.0]])
    rep = neighbour_report(X, Y, 0, k=2)
    assert rep.ids.tolist() == [1, 2]
    assert rep.distances_original.tolist() == [1.0, 3.0]
    assert rep.distances_latent.tolist() == [6.0, 3.0]
    assert rep.rank_in_other_space.tolist() == [3, 2]  # point 1 was torn to the far end
    back = neighbour_report(X, Y, 0, k=1, space="latent")
    assert back.ids.tolist() == [3] and back.rank_in_other_space.tolist() == [3]


def test_ties_are_ordered_by_id_and_share_the_best_rank():
    # Four points at distance 1 from the origin (id 4), one further away.
    X = np.array([[1, 0], [0, 1], [-1, 0], [0, -1], [0, 0], [5, 5]], dtype=float)
    assert original_neighbours(X, 4, k=2).tolist() == [0, 1]
    Y = np.zeros((6, 2))
    Y[5] = [1, 1]  # everything but point 5 coincides with point 4 in the "latent" space
    rep = neighbour_report(X, Y, 4, k=4)
    assert rep.rank_in_other_space.tolist() == [1, 1, 1, 1]


def test_float32_data_is_measured_in_float64(rng):
    X = rng.random((2_000, 784), dtype=np.float32)
    want, d = brute_neighbours(X, 42, 10)
    assert original_neighbours(X, 42, k=10).tolist() == want
    np.testing.assert_allclose(distances_from(X, 42), d, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"i": 300}, r"i \(300\) must be a point id in \[0, 299\]"),
        ({"i": -1}, r"i \(-1\)"),
        ({"i": True}, r"i \(True\)"),
        ({"i": 0, "k": 0}, r"k \(0\) must be an integer in \[1, n_samples - 1 = 299\]"),
        ({"i": 0, "k": 300}, r"k \(300\)"),
        ({"i": 0, "space": "pixel"}, r"space \('pixel'\) must be one of"),
    ],
)
def test_invalid_arguments_name_the_parameter(data, kwargs, match):
    X, Y = data
    with pytest.raises(ValueError, match=match):
        neighbour_report(X, Y, **kwargs)


def test_row_mismatch_is_refused(data):
    X, Y = data
    with pytest.raises(ValueError, match="Y has 299 rows but X has 300"):
        neighbour_report(X, Y[:-1], 0)
