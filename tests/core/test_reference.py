"""PCA reference: sklearn's PCA, and PCA rows equal to the metrics measured on it directly."""

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness as sk_trustworthiness

from latent_explorer.core import metrics
from latent_explorer.core.quality import PCA_KEYS, Projection, QualityMeter, tc_neighbors
from latent_explorer.core.reference import pca_projection, pca_reconstruction_error


@pytest.fixture
def blobs(rng):
    centres = rng.normal(scale=4.0, size=(3, 6))
    y = np.repeat(np.arange(3), 60)
    X = centres[y] + rng.normal(size=(180, 6))
    return X, y


def test_pca_projection_is_sklearns_and_deterministic(blobs):
    X, _ = blobs
    got = pca_projection(X, seed=0)
    want = PCA(n_components=2, random_state=0).fit_transform(X)
    np.testing.assert_allclose(got.coords, want, rtol=1e-12, atol=1e-12)
    assert got.coords.shape == (180, 2) and got.coords.dtype == np.float64
    np.testing.assert_array_equal(pca_projection(X, seed=0).coords, got.coords)
    assert got.explained_variance_ratio.shape == (2,)


def test_pca_projection_randomized_solver_is_seeded(rng):
    # Big enough for sklearn's "auto" to choose the randomized SVD, whose result needs a seed.
    X = rng.normal(size=(600, 600)).astype(np.float32)
    a, b = pca_projection(X, seed=3), pca_projection(X, seed=3)
    np.testing.assert_array_equal(a.coords, b.coords)


def test_pca_reconstruction_error_equals_inverse_transform(blobs):
    X, _ = blobs
    pca = PCA(n_components=2, random_state=0).fit(X)
    want = ((X - pca.inverse_transform(pca.transform(X))) ** 2).mean(axis=1)
    got = pca_reconstruction_error(X, pca_projection(X))
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n_components", [0, 7, 2.0, True])
def test_pca_projection_rejects_bad_n_components(blobs, n_components):
    with pytest.raises(ValueError, match="n_components"):
        pca_projection(blobs[0], n_components=n_components)


def direct_row(X, y, sample_members, k):
    """The metrics of sklearn's 2-D PCA of X, computed one by one with the public functions."""
    pca = PCA(n_components=2, random_state=0).fit(X)
    Y = pca.transform(X)
    rho, stress = metrics.shepard_stress(X, Y, sample=sample_members)
    return {
        "trustworthiness": metrics.trustworthiness(X, Y, n_neighbors=k),
        "continuity": metrics.continuity(X, Y, n_neighbors=k),
        "neighborhood_hit": metrics.neighborhood_hit(Y, y, n_neighbors=3),
        "shepard": rho,
        "stress": stress,
        "reconstruction_error": float(((X - pca.inverse_transform(Y)) ** 2).mean()),
    }


def test_full_data_pca_row_equals_direct_metrics(blobs):
    X, y = blobs
    meter = QualityMeter(X, y, sample_size=100, seed=0, device="cpu")
    row = meter.pca_row()
    Y = PCA(n_components=2, random_state=0).fit_transform(X)
    want = direct_row(X, y, meter.sample, 7)
    for key in PCA_KEYS:
        assert row[key] == pytest.approx(want[key], rel=1e-9, abs=1e-12), key
    # No tied distances in these data, so sklearn agrees as well.
    assert row["trustworthiness"] == pytest.approx(sk_trustworthiness(X, Y, n_neighbors=7))
    assert row["n_points"] == 180 and row["n_sampled"] == 100


def test_pca_tc_shares_the_first_per_point_pass(blobs, monkeypatch):
    X, y = blobs
    meter = QualityMeter(X, y, device="cpu")
    coords = X[:, :2].copy()
    meter.per_point(coords, np.zeros(180), None)

    def refuse(*args, **kwargs):
        raise AssertionError("the PCA's T and C should come from the shared pass")

    monkeypatch.setattr(metrics, "trustworthiness_continuity", refuse)
    row = meter.pca_row()
    Y = PCA(n_components=2, random_state=0).fit_transform(X)
    monkeypatch.undo()
    assert row["trustworthiness"] == pytest.approx(metrics.trustworthiness(X, Y), rel=1e-12)
    assert row["continuity"] == pytest.approx(metrics.continuity(X, Y), rel=1e-12)


def test_tables_carry_group_pca_rows_fitted_on_the_group(blobs):
    X, y = blobs
    meter = QualityMeter(X, y, sample_size=120, seed=0, device="cpu")
    after_coords, before_coords = X[:, :2].copy(), X[:, 2:4].copy()

    def proj(coords):
        return Projection(coords, meter.per_point(coords, np.zeros(180), None))

    selected = np.arange(0, 180, 3)
    after, before = meter.tables(
        proj(after_coords), key=1, selected=selected, before=proj(before_coords), before_key=0
    )
    assert set(after) == set(before) == {"all", "selected", "rest"}
    full = meter.pca_row()
    for table in (after, before):
        for key in PCA_KEYS:
            assert table["all"][f"pca_{key}"] == full[key]
    rest = np.setdiff1d(np.arange(180), selected)
    for name, ids in (("selected", selected), ("rest", rest)):
        X_g, y_g = X[ids], y[ids]
        members = np.flatnonzero(np.isin(ids, meter.sample))
        want = direct_row(X_g, y_g, members, tc_neighbors(ids.size))
        for key in PCA_KEYS:
            got = after[name][f"pca_{key}"]
            assert got == pytest.approx(want[key], rel=1e-9, abs=1e-12), (name, key)
            assert before[name][f"pca_{key}"] == got
        # The model's own values are untouched by the PCA row.
        assert after[name]["trustworthiness"] == pytest.approx(
            metrics.trustworthiness(X_g, after_coords[ids])
        )


def test_tiny_groups_get_null_pca_keys(blobs):
    X, y = blobs
    meter = QualityMeter(X, y, device="cpu")
    coords = X[:, :2].copy()
    p = Projection(coords, meter.per_point(coords, np.zeros(180), None))
    after, _ = meter.tables(p, key=0, selected=np.array([4, 9]))
    assert all(after["selected"][f"pca_{key}"] is None for key in PCA_KEYS)
    assert after["rest"]["pca_trustworthiness"] is not None


def test_one_feature_data_gets_a_padded_pca(rng):
    X = rng.normal(size=(40, 1))
    y = (X[:, 0] > 0).astype(np.int64)
    row = QualityMeter(X, y, device="cpu").pca_row()
    assert row["trustworthiness"] == pytest.approx(1.0)
    assert row["reconstruction_error"] == pytest.approx(0.0, abs=1e-20)
