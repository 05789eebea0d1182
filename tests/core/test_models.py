import pytest
import torch

from latent_explorer.core.models import (
    Autoencoder,
    VariationalAutoencoder,
    build_model,
    default_hidden,
    model_from_hyperparameters,
)


def test_build_model_kinds_and_shapes():
    ae = build_model("ae", 10)
    vae = build_model("vae", 10, beta=0.5)
    assert isinstance(ae, Autoencoder) and isinstance(vae, VariationalAutoencoder)
    x = torch.randn(5, 10)
    assert ae.embed(x).shape == (5, 2)
    assert vae.embed(x).shape == (5, 2)
    assert ae.reconstruct(x).shape == (5, 10)
    assert vae.beta == 0.5


def test_hidden_sizes_depend_on_data():
    assert default_hidden(4, data_kind="tabular") == (64, 32)
    assert default_hidden(784, data_kind="image")[0] >= 256
    assert default_hidden(64, data_kind="image")[0] < default_hidden(784, data_kind="image")[0]


def test_image_models_use_bce_and_output_in_unit_interval():
    model = build_model("ae", 64, data_kind="image")
    assert model.recon_loss == "bce"
    out = model.decode(torch.randn(7, 2) * 10)
    assert out.min() >= 0 and out.max() <= 1


def test_vae_embedding_is_mu_and_deterministic():
    vae = build_model("vae", 6)
    x = torch.randn(20, 6)
    mu, _ = vae.posterior(x)
    assert torch.equal(vae.embed(x), mu)
    assert torch.equal(vae.embed(x), vae.embed(x))


def test_vae_loss_has_kl_weighted_by_beta():
    x = torch.randn(16, 6)
    gen = torch.Generator().manual_seed(0)
    vae0 = build_model("vae", 6, beta=0.0, generator=torch.Generator().manual_seed(1))
    vae2 = build_model("vae", 6, beta=2.0, generator=torch.Generator().manual_seed(1))
    l0, parts0 = vae0.loss(x, generator=gen)
    l2, parts2 = vae2.loss(x, generator=torch.Generator().manual_seed(0))
    assert parts0["kl"] == pytest.approx(parts2["kl"])
    assert float(l2) == pytest.approx(parts2["recon"] + 2.0 * parts2["kl"], rel=1e-5)
    assert float(l0) == pytest.approx(parts0["recon"], rel=1e-5)


def test_kl_is_zero_for_the_prior():
    mu, logvar = torch.zeros(3, 2), torch.zeros(3, 2)
    assert torch.allclose(VariationalAutoencoder.kl_per_sample(mu, logvar), torch.zeros(3))


def test_seeded_init_is_repeatable_and_round_trips():
    a = build_model("vae", 8, generator=torch.Generator().manual_seed(3))
    b = build_model("vae", 8, generator=torch.Generator().manual_seed(3))
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    c = model_from_hyperparameters(a.hyperparameters())
    c.load_state_dict(a.state_dict())
    x = torch.randn(4, 8)
    assert torch.equal(c.embed(x), a.embed(x))


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [({"kind": "pca"}, "model"), ({"latent_dim": 0}, "latent_dim"), ({"hidden": [0]}, "hidden")],
)
def test_bad_arguments_name_the_parameter(kwargs, word):
    args = {"kind": "ae", "input_dim": 4, **kwargs}
    kind = args.pop("kind")
    dim = args.pop("input_dim")
    with pytest.raises(ValueError, match=word):
        build_model(kind, dim, **args)
