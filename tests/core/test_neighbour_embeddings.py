"""t-SNE and UMAP references: seeded maps, measured like the model's and PCA's rows."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.manifold import trustworthiness

from latent_explorer.core import metrics
from latent_explorer.core.datasets import from_arrays
from latent_explorer.core.experiment import Experiment
from latent_explorer.core.neighbour_embeddings import available, embed, references
from latent_explorer.core.training import TrainConfig

pytest.importorskip("openTSNE")  # the [references] extra, part of the dev install
pytest.importorskip("umap")


@pytest.fixture(scope="module")
def blobs_experiment() -> Experiment:
    # Continuous random blobs: no tied distances, so sklearn's T is a valid reference.
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=6.0, size=(4, 10))
    labels = np.repeat(np.arange(4), 60)
    X = centres[labels] + rng.normal(size=(240, 10))
    ds = from_arrays(X, labels, name="blobs")
    exp = Experiment(ds, "ae", config=TrainConfig(epochs=2, batch_size=32, seed=3), device="cpu")
    return exp


@pytest.fixture(scope="module")
def maps(blobs_experiment):
    return references(blobs_experiment)


def test_both_methods_are_installed_with_the_dev_extras():
    assert available() == {"tsne": True, "umap": True}


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_rows_equal_direct_references(blobs_experiment, maps, method):
    coords, row = maps[method]
    X, y = blobs_experiment.dataset.X, blobs_experiment.dataset.y
    assert coords.shape == (240, 2) and coords.dtype == np.float64
    ref_t = trustworthiness(X.astype(np.float64), coords, n_neighbors=7)
    assert row["trustworthiness"] == pytest.approx(ref_t, abs=1e-12)
    ref_c = trustworthiness(coords, X.astype(np.float64), n_neighbors=7)  # C(X, Y) = T(Y, X)
    assert row["continuity"] == pytest.approx(ref_c, abs=1e-12)
    assert row["neighborhood_hit"] == metrics.neighborhood_hit(coords, y, n_neighbors=3)
    # Shepard: Spearman of all pairwise distances (n <= the sample size: every pair).
    from scipy.spatial.distance import pdist

    rho = spearmanr(pdist(X.astype(np.float64)), pdist(coords)).statistic
    assert row["shepard"] == pytest.approx(rho, abs=1e-9)
    assert "reconstruction_error" not in row  # no decoder
    assert row["trustworthiness"] > 0.9 and row["neighborhood_hit"] > 0.95  # separable blobs


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_same_seed_same_map(blobs_experiment, maps, method):
    again = embed(method, blobs_experiment.dataset.X, seed=3)
    np.testing.assert_array_equal(again, maps[method][0])


def test_unknown_method_is_named():
    with pytest.raises(ValueError, match=r"method \('isomap'\) must be one of"):
        embed("isomap", np.zeros((10, 2)))
