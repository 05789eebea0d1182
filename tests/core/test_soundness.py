"""Is the tool telling the truth? Default models must beat a linear baseline, and retraining on
a selection must visibly change what the model keeps."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.experiment import Experiment
from latent_explorer.core.metrics import trustworthiness
from latent_explorer.core.selection import select_classes
from latent_explorer.core.training import default_config, encode, fit, new_model


def _t7_model_and_pca(ds, kind: str) -> tuple[float, float]:
    cfg = default_config(ds.n_samples, ds.n_features, data_kind=ds.kind, model=kind)
    model = new_model(kind, ds.n_features, config=cfg, data_kind=ds.kind)
    fit(model, ds.X, config=cfg, device="cpu")
    coords = encode(model, ds.X, device="cpu").coords
    pca = PCA(n_components=2, random_state=0).fit_transform(ds.X)
    return trustworthiness(ds.X, coords), trustworthiness(ds.X, pca)


@pytest.mark.parametrize("name", ["iris", "wine_quality", "digits"])
@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_default_models_are_at_least_as_trustworthy_as_pca(name, kind, data_dir):
    ds = load_dataset(name, data_dir=data_dir)
    t_model, t_pca = _t7_model_and_pca(ds, kind)
    assert t_model >= t_pca, f"{kind} on {name}: T(7) {t_model:.4f} < PCA {t_pca:.4f}"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_mnist_models_beat_pca(kind, data_dir):
    ds = load_dataset("mnist", data_dir=data_dir)
    t_model, t_pca = _t7_model_and_pca(ds, kind)
    assert t_model >= t_pca, f"{kind} on mnist: T(7) {t_model:.4f} < PCA {t_pca:.4f}"


@pytest.mark.slow
def test_finetuning_on_one_mnist_class_sharpens_that_class(data_dir):
    ds = load_dataset("mnist", data_dir=data_dir)
    exp = Experiment(ds, "ae", device="cpu")
    exp.train()
    sel = select_classes(ds.y, [3], class_names=ds.class_names)
    it = exp.retrain(sel, mode="finetune")
    before, after = it.parent_metrics["selected"], it.metrics["selected"]
    # The model spends its capacity on the 3s: their own neighbourhoods are kept better...
    assert (
        after["trustworthiness"] > before["trustworthiness"]
        or after["neighborhood_hit"] > before["neighborhood_hit"]
    ), (before, after)
    # ...and the rest is what it forgets.
    assert (
        it.metrics["rest"]["reconstruction_error"]
        > it.parent_metrics["rest"]["reconstruction_error"]
    )


def test_vae_plot_is_deterministic_mu(data_dir):
    ds = load_dataset("iris")
    exp = Experiment(
        ds,
        "vae",
        config=default_config(150, 4, data_kind="tabular", model="vae").replace(epochs=20),
        device="cpu",
    )
    it = exp.train()
    again = encode(it.model, ds.X, device="cpu").coords
    assert np.array_equal(it.coords, again)
