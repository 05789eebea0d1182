import threading

import numpy as np
import pytest
import torch

from latent_explorer.core.training import (
    TrainConfig,
    TrainingCancelled,
    decode,
    default_config,
    default_retrain_epochs,
    encode,
    fit,
    new_model,
    resolve_device,
    resolve_precision,
    set_threads,
    train_on_selection,
)


@pytest.fixture
def blobs(rng):
    centers = rng.normal(size=(3, 6)) * 4
    X = np.concatenate([c + rng.normal(size=(40, 6)) for c in centers]).astype(np.float32)
    return X


def _train(X, kind="ae", seed=0, epochs=20):
    cfg = TrainConfig(epochs=epochs, batch_size=16, lr=3e-3, seed=seed)
    model = new_model(kind, X.shape[1], config=cfg)
    result = fit(model, X, config=cfg, device="cpu")
    return model, result


def test_loss_decreases(blobs):
    _, result = _train(blobs, epochs=30)
    assert result.epochs == 30 and len(result.losses) == 30
    assert result.losses[-1] < 0.5 * result.losses[0]


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_same_seed_same_coordinates(blobs, kind):
    a, _ = _train(blobs, kind, seed=5)
    b, _ = _train(blobs, kind, seed=5)
    c, _ = _train(blobs, kind, seed=6)
    ea, eb, ec = (encode(m, blobs, device="cpu").coords for m in (a, b, c))
    assert np.array_equal(ea, eb)
    assert not np.allclose(ea, ec)


def test_progress_callback_and_cancel(blobs):
    seen = []
    cfg = TrainConfig(epochs=50, batch_size=8, seed=0)
    model = new_model("ae", blobs.shape[1], config=cfg)
    cancel = threading.Event()

    def progress(p):
        seen.append((p.epoch, p.epochs, p.loss))
        if p.epoch == 3:
            cancel.set()

    with pytest.raises(TrainingCancelled, match="epoch 4"):
        fit(model, blobs, config=cfg, progress=progress, cancel=cancel, device="cpu")
    assert [s[0] for s in seen] == [1, 2, 3]
    assert all(s[1] == 50 and np.isfinite(s[2]) for s in seen)


def test_vae_encode_reports_mu_kl_and_recon(blobs):
    model, _ = _train(blobs, "vae")
    enc = encode(model, blobs, device="cpu", batch_size=7)
    with torch.inference_mode():
        mu = model.embed(torch.as_tensor(blobs)).numpy()
    assert np.allclose(enc.coords, mu, atol=1e-6)
    assert enc.kl is not None and enc.kl.shape == (len(blobs),) and (enc.kl >= 0).all()
    rec = decode(model, enc.coords, device="cpu")
    assert np.allclose(enc.recon_error, ((rec - blobs) ** 2).mean(axis=1), rtol=1e-4)


@pytest.mark.parametrize("mode", ["finetune", "scratch"])
def test_train_on_selection_leaves_parent_untouched(blobs, mode):
    parent, _ = _train(blobs)
    before = encode(parent, blobs, device="cpu").coords
    cfg = TrainConfig(epochs=5, batch_size=128, seed=1)
    # 3 points: smaller than one batch, must still train.
    child, result = train_on_selection(
        parent, blobs, [0, 1, 2], mode=mode, config=cfg, device="cpu"
    )
    assert result.epochs == 5 and child is not parent
    assert np.array_equal(encode(parent, blobs, device="cpu").coords, before)
    assert not np.allclose(encode(child, blobs, device="cpu").coords, before)


def test_train_on_selection_rejects_empty_and_bad_mode(blobs):
    parent, _ = _train(blobs, epochs=1)
    cfg = TrainConfig(epochs=1)
    with pytest.raises(ValueError, match="selected_ids is empty"):
        train_on_selection(parent, blobs, [], config=cfg, device="cpu")
    with pytest.raises(ValueError, match="mode"):
        train_on_selection(parent, blobs, [0], mode="sideways", config=cfg, device="cpu")


@pytest.mark.parametrize(
    ("changes", "word"),
    [
        ({"epochs": 0}, "epochs"),
        ({"lr": -1.0}, "lr"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"hidden": (0,)}, "hidden"),
        ({"beta": -1.0}, "beta"),
        ({"seed": -3}, "seed"),
    ],
)
def test_config_validation_names_the_parameter(changes, word):
    with pytest.raises(ValueError, match=word):
        TrainConfig(**changes)


def test_config_from_dict_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown keys"):
        TrainConfig.from_dict({"epochz": 3})
    cfg = TrainConfig.from_dict({"hidden": [8, 4], "epochs": 3})
    assert cfg.hidden == (8, 4)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


def test_default_config_scales_epochs_with_size():
    small = default_config(150, 4, data_kind="tabular", model="ae")
    large = default_config(70_000, 784, data_kind="image", model="ae")
    assert small.epochs > large.epochs
    assert small.beta < large.beta  # see default_config: tabular VAE needs a lighter KL


def test_device_and_threads():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device"):
            resolve_device("cuda")
    before = torch.get_num_threads()
    set_threads(1)
    assert torch.get_num_threads() == 1
    set_threads(before)
    with pytest.raises(ValueError, match="threads"):
        set_threads(0)


def test_precision_must_be_known():
    with pytest.raises(ValueError, match="precision .*'half'.* must be one of"):
        TrainConfig(precision="half")


def test_auto_precision_uses_bf16_only_for_big_nets_on_native_bf16_cpus(monkeypatch):
    from latent_explorer.core.training import compute

    small = new_model("ae", 6, config=TrainConfig())
    big = new_model("ae", 784, config=TrainConfig(), data_kind="image")
    cpu = torch.device("cpu")
    monkeypatch.setattr(compute, "cpu_has_native_bf16", lambda: True)
    assert resolve_precision("auto", big, cpu) == "bf16"
    assert resolve_precision("auto", small, cpu) == "fp32"  # casts would cost more than they save
    assert resolve_precision("fp32", big, cpu) == "fp32"
    monkeypatch.setattr(compute, "cpu_has_native_bf16", lambda: False)
    assert resolve_precision("auto", big, cpu) == "fp32"
    assert resolve_precision("bf16", small, cpu) == "bf16"  # asked for explicitly


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_bf16_training_learns_and_plots_in_float32(blobs, kind):
    cfg = TrainConfig(epochs=30, batch_size=16, lr=3e-3, precision="bf16")
    model = new_model(kind, blobs.shape[1], config=cfg)
    result = fit(model, blobs, config=cfg, device="cpu")
    assert result.precision == "bf16"
    assert all(np.isfinite(result.losses)) and result.losses[-1] < 0.5 * result.losses[0]
    assert all(p.dtype == torch.float32 for p in model.parameters())  # autocast, not a cast
    enc = encode(model, blobs, device="cpu")
    assert enc.coords.dtype == np.float32 and np.isfinite(enc.coords).all()


def test_submit_budget_is_capped_by_compute():
    small = new_model("ae", 11, config=TrainConfig())
    big = new_model("ae", 784, config=TrainConfig(), data_kind="image")
    # ~1,000 points at batch 128 = 8 steps per epoch: 600 steps for the small net...
    assert default_retrain_epochs(small, 1_000, 128) == 75
    # ...and 18e9 MACs / (128 x 934,400) = ~150 steps for the MNIST-sized one.
    assert default_retrain_epochs(big, 1_000, 128) == 19
    # Never zero epochs, never more than 200.
    assert default_retrain_epochs(big, 70_000, 512) == 1
    assert default_retrain_epochs(small, 3, 128) == 200
