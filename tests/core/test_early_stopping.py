"""Training to convergence (TrainConfig.patience), live frames and stop-and-keep: real training."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest
import torch

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.training import (
    LiveFrames,
    Progress,
    TrainConfig,
    default_config,
    encode,
    fit,
    latent_coords,
    new_model,
)
from latent_explorer.core.training.convergence import LR_DROPS, MIN_WAIT_STEPS, held_out_error
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


def test_plateaus_lower_the_rate_twice_then_stop_keeping_the_last_model(iris_X):
    # A high learning rate makes the held-out error bounce, so it stops well before the cap.
    cfg = TrainConfig(epochs=2000, batch_size=16, lr=0.05, seed=1, patience=3, holdout=0.2)
    seen: list[Progress] = []
    model = new_model("ae", 4, config=cfg)
    rates: list[float] = []
    result = fit(
        model,
        iris_X,
        config=cfg,
        device="cpu",
        progress=seen.append,
        on_epoch=lambda m, p: rates.append(_OPTIMISERS[-1].param_groups[0]["lr"]),
    )
    assert result.stopped_early and result.epochs < 2000
    # 120 training rows at batch 16: 8 steps an epoch, so the wait is 600 steps, 75 epochs.
    wait = max(3, math.ceil(MIN_WAIT_STEPS / 8))
    assert wait == 75
    # The rate: 0.05, then / 4 twice, each after `wait` epochs without a real improvement.
    drops = [e for e in range(1, len(rates)) if rates[e] < rates[e - 1]]
    assert len(drops) == LR_DROPS
    assert sorted(set(rates)) == [0.05 / 16, 0.05 / 4, 0.05]
    assert [p.held_out for p in seen] == result.held_out
    best = int(np.argmin(result.held_out)) + 1
    assert result.best_epoch == best and seen[-1].best_epoch == best
    # The model kept is the last one, the one the last live frame showed.
    _, hold = _split_holdout(torch.as_tensor(iris_X), cfg)
    assert hold is not None and hold.shape[0] == 30
    assert held_out_error(model, hold) == result.held_out[-1]


_OPTIMISERS: list[torch.optim.Optimizer] = []


@pytest.fixture(autouse=True)
def _record_optimisers(monkeypatch):
    """The rate is read from the optimiser fit() builds (there is no other handle on it)."""
    real = torch.optim.Adam

    def adam(*args, **kwargs):
        opt = real(*args, **kwargs)
        _OPTIMISERS.append(opt)
        return opt

    monkeypatch.setattr(torch.optim, "Adam", adam)
    yield
    _OPTIMISERS.clear()


def test_few_held_out_rows_train_the_full_budget(iris_X):
    # 40 rows hold out 4 (< MIN_HOLDOUT_ROWS): too noisy to steer by, so no split at all.
    cfg = TrainConfig(epochs=7, batch_size=8, seed=0, patience=1)
    train, hold = _split_holdout(torch.as_tensor(iris_X[:40]), cfg)
    assert hold is None and train.shape[0] == 40
    result = fit(new_model("ae", 4, config=cfg), iris_X[:40], config=cfg, device="cpu")
    assert result.epochs == 7 and result.held_out == [] and not result.stopped_early


def test_a_run_too_short_for_a_plateau_holds_nothing_out(iris_X):
    # A Submit-sized run: 20 epochs of 5 steps cannot wait 600 steps, so every row trains.
    cfg = TrainConfig(epochs=20, batch_size=32, seed=0, patience=10)
    train, hold = _split_holdout(torch.as_tensor(iris_X), cfg)
    assert hold is None and train.shape[0] == 150
    kept = fit(new_model("ae", 4, config=cfg), iris_X, config=cfg, device="cpu")
    plain = cfg.replace(patience=0)
    same = fit(new_model("ae", 4, config=plain), iris_X, config=plain, device="cpu")
    assert kept.losses == same.losses and kept.held_out == []
    # The same settings with room for a plateau (more than 120 epochs) do hold rows out.
    assert _split_holdout(torch.as_tensor(iris_X), cfg, epochs=200)[1] is not None


def test_stop_ends_after_the_epoch_and_keeps_the_model(iris_X):
    cfg = TrainConfig(epochs=50, batch_size=32, seed=2)
    stop = threading.Event()
    frames: list[np.ndarray] = []

    def hook(model, p: Progress) -> None:
        frames.append(latent_coords(model, iris_X))
        if p.epoch == 4:
            stop.set()  # as the page's "Stop & keep" does, from another thread

    model = new_model("ae", 4, config=cfg)
    result = fit(model, iris_X, config=cfg, device="cpu", stop=stop, on_epoch=hook)
    assert result.stopped_by_user and result.epochs == 4 and len(result.losses) == 4
    assert not result.stopped_early
    # What is kept is exactly what the last frame showed.
    assert np.array_equal(encode(model, iris_X, device="cpu").coords, frames[-1])


def test_live_frames_are_the_models_coordinates_at_that_epoch(iris_X):
    cfg = TrainConfig(epochs=6, batch_size=32, seed=3)
    got: list[tuple[int, np.ndarray]] = []
    every = {"min_interval_s": 0, "max_share": math.inf}  # a frame every epoch
    live = LiveFrames(iris_X, lambda coords, p: got.append((p.epoch, coords)), **every)
    snapshots: list[np.ndarray] = []

    def hook(model, p: Progress) -> None:
        snapshots.append(encode(model, iris_X, device="cpu").coords)
        model.train()
        live(model, p)

    a = new_model("ae", 4, config=cfg)
    fit(a, iris_X, config=cfg, device="cpu", on_epoch=hook)
    assert [e for e, _ in got] == list(range(1, 7)) and live.frames == 6
    for (epoch, coords), snap in zip(got, snapshots, strict=True):
        assert coords.dtype == np.float32 and np.array_equal(coords, snap), epoch
    # Frames leave training as it was: the same losses as without them.
    b = new_model("ae", 4, config=cfg)
    assert (
        fit(b, iris_X, config=cfg, device="cpu").losses
        == fit(
            new_model("ae", 4, config=cfg), iris_X, config=cfg, device="cpu", on_epoch=live
        ).losses
    )


def test_live_frames_are_paced_but_the_first_epoch_always_gets_one(iris_X):
    got: list[int] = []
    live = LiveFrames(iris_X, lambda coords, p: got.append(p.epoch), min_interval_s=3600)
    cfg = TrainConfig(epochs=5, batch_size=32, seed=0)
    fit(new_model("ae", 4, config=cfg), iris_X, config=cfg, device="cpu", on_epoch=live)
    assert got == [1]
    assert live.due(time.perf_counter() + 3601)


def test_defaults_train_to_convergence_within_a_cap():
    cfg = default_config(150, 4, data_kind="tabular", model="ae")
    assert cfg.patience == 10 and cfg.epochs == 2000  # 4 x the 600 epochs of 5 steps, capped
    mnist = default_config(10_000, 784, data_kind="image", model="ae")
    assert mnist.patience == 10 and mnist.epochs == 4 * 15  # 600 steps of 256, times 4


def test_holdout_split_is_fixed_by_the_seed(iris_X):
    data = torch.as_tensor(iris_X)
    cfg = TrainConfig(patience=2, holdout=0.1, seed=4, epochs=1000)
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
