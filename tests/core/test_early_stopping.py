"""Early stopping on a held-out reconstruction error (TrainConfig.patience): real training."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.training import (
    Progress,
    TrainConfig,
    encode,
    fit,
    new_model,
)
from latent_explorer.core.training.loop import _split_holdout


@pytest.fixture(scope="module")
def iris_X() -> np.ndarray:
    return load_dataset("iris").X


def test_patience_zero_trains_every_epoch_as_before(iris_X):
    cfg = TrainConfig(epochs=6, batch_size=32, seed=0)
    a = new_model("ae", 4, config=cfg)
    b = new_model("ae", 4, config=cfg)
    ra = fit(a, iris_X, config=cfg, device="cpu")
    rb = fit(b, iris_X, config=cfg.replace(holdout=0.3), device="cpu")  # unused without patience
    assert ra.epochs == 6 and ra.held_out == [] and ra.best_epoch is None
    assert ra.losses == rb.losses  # no split, no extra draws from the generator


def test_stops_after_patience_and_keeps_the_best_epoch(iris_X):
    # A high learning rate makes the held-out error bounce, so it stops well before the cap.
    cfg = TrainConfig(epochs=400, batch_size=16, lr=0.05, seed=1, patience=3, holdout=0.2)
    seen: list[Progress] = []
    model = new_model("ae", 4, config=cfg)
    result = fit(model, iris_X, config=cfg, device="cpu", progress=seen.append)
    assert result.stopped_early and result.epochs < 400
    best = int(np.argmin(result.held_out)) + 1
    assert result.best_epoch == best and result.epochs == best + 3
    assert [p.held_out for p in seen] == result.held_out
    assert seen[-1].best_epoch == best
    # The model kept is the best epoch's: its held-out error is the minimum, recomputed.
    _, hold = _split_holdout(torch.as_tensor(iris_X), cfg)
    assert hold is not None and hold.shape[0] == 30
    rows = [next(i for i, r in enumerate(iris_X) if np.array_equal(r, h)) for h in hold.numpy()]
    error = encode(model, iris_X[rows], device="cpu").recon_error.mean()
    assert error == pytest.approx(min(result.held_out), rel=1e-5)


def test_holdout_split_is_fixed_by_the_seed(iris_X):
    data = torch.as_tensor(iris_X)
    cfg = TrainConfig(patience=2, holdout=0.1, seed=4)
    train1, hold1 = _split_holdout(data, cfg)
    train2, hold2 = _split_holdout(data, cfg)
    assert torch.equal(hold1, hold2) and torch.equal(train1, train2)
    assert hold1.shape[0] == 15 and train1.shape[0] == 135
    _, other = _split_holdout(data, cfg.replace(seed=5))
    assert not torch.equal(hold1, other)


@pytest.mark.parametrize(
    ("changes", "word"),
    [({"patience": -1}, "patience"), ({"holdout": 0.0}, "holdout"), ({"holdout": 0.9}, "holdout")],
)
def test_early_stopping_settings_are_checked(changes, word):
    with pytest.raises(ValueError, match=word):
        TrainConfig(**changes)
    assert TrainConfig.from_dict({"patience": 5}).patience == 5
