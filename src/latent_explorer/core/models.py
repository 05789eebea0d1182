"""Autoencoder and variational autoencoder: MLPs with a low-dimensional (default 2-D) latent space.

Both models share one small interface so that training, the experiment and the web layer never
branch on the model kind:

- ``embed(x)``: the latent coordinates that are plotted (``mu`` for the VAE: a random draw is
  noise, not a projection);
- ``decode(z)``: the reconstruction in data space, already passed through the output activation;
- ``reconstruct(x)``: ``decode(embed(x))``, deterministic;
- ``loss(x, generator=...)``: the training objective per sample, averaged over the batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

MODEL_KINDS = ("ae", "vae")
MODEL_TITLES = {"ae": "Autoencoder", "vae": "Variational Autoencoder"}
RECON_LOSSES = ("mse", "bce")


def default_hidden(input_dim: int, *, data_kind: str = "tabular") -> tuple[int, ...]:
    """Hidden layer sizes that suit the input: small for tabular data, larger for images.

    Parameters
    ----------
    input_dim : int
        Number of input features.
    data_kind : {"tabular", "image"}
    """
    if data_kind == "image":
        return (512, 128) if input_dim >= 400 else (128, 64)
    # Tabular data sets here have 4 to a few dozen features; wider layers only overfit them.
    return (64, 32) if input_dim <= 32 else (128, 64)


def default_recon_loss(data_kind: str) -> str:
    """BCE for pixel intensities in [0, 1], squared error for standardised tabular features."""
    return "bce" if data_kind == "image" else "mse"


def _mlp(sizes: Sequence[int]) -> nn.Sequential:
    """Linear layers with ReLU between them and none after the last one."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class _LatentModel(nn.Module):
    """Shared plumbing: the decoder, the output activation and the reconstruction loss."""

    kind = ""

    def __init__(
        self,
        input_dim: int,
        hidden: Sequence[int],
        latent_dim: int,
        recon_loss: str,
        encoder_out: int,
    ) -> None:
        super().__init__()
        if recon_loss not in RECON_LOSSES:
            raise ValueError(f"recon_loss ({recon_loss!r}) must be one of {RECON_LOSSES}")
        self.input_dim = int(input_dim)
        self.hidden = tuple(int(h) for h in hidden)
        self.latent_dim = int(latent_dim)
        self.recon_loss = recon_loss
        self.encoder = _mlp([self.input_dim, *self.hidden, encoder_out])
        self.decoder = _mlp([self.latent_dim, *reversed(self.hidden), self.input_dim])

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Map latent points (batch, latent_dim) to data space (batch, input_dim)."""
        out = self.decoder(z)
        # With BCE the decoder outputs logits; the data lives in [0, 1].
        return torch.sigmoid(out) if self.recon_loss == "bce" else out

    def embed(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - overridden
        raise NotImplementedError

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.embed(x))

    def _recon_per_sample(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        # Summed over features so that the VAE's KL term (also a per-sample sum) keeps its
        # intended weight whatever the number of features. Under a bf16 autocast the sum over
        # 784 pixels would keep 3 significant digits, so losses are always taken in float32.
        logits = logits.float()
        if self.recon_loss == "bce":
            err = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
        else:
            err = (logits - x) ** 2
        return err.sum(dim=1)

    def hyperparameters(self) -> dict:
        """What :func:`build_model` needs to rebuild this model, JSON-serialisable."""
        return {
            "kind": self.kind,
            "input_dim": self.input_dim,
            "hidden": list(self.hidden),
            "latent_dim": self.latent_dim,
            "recon_loss": self.recon_loss,
        }


class Autoencoder(_LatentModel):
    """Deterministic autoencoder; the latent code is the plotted coordinate."""

    kind = "ae"

    def __init__(
        self,
        input_dim: int,
        *,
        hidden: Sequence[int] = (64, 32),
        latent_dim: int = 2,
        recon_loss: str = "mse",
    ) -> None:
        super().__init__(input_dim, hidden, latent_dim, recon_loss, encoder_out=latent_dim)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def loss(
        self, x: torch.Tensor, *, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """Mean over the batch of the per-sample reconstruction loss."""
        recon = self._recon_per_sample(self.decode_logits(self.encoder(x)), x).mean()
        return recon, {"recon": float(recon.detach())}


class VariationalAutoencoder(_LatentModel):
    """VAE with a diagonal Gaussian posterior (mu, logvar) and a beta-weighted KL term."""

    kind = "vae"

    def __init__(
        self,
        input_dim: int,
        *,
        hidden: Sequence[int] = (64, 32),
        latent_dim: int = 2,
        recon_loss: str = "mse",
        beta: float = 1.0,
    ) -> None:
        super().__init__(input_dim, hidden, latent_dim, recon_loss, encoder_out=2 * latent_dim)
        if not beta >= 0:
            raise ValueError(f"beta ({beta}) must be >= 0; 1.0 is the standard VAE")
        self.beta = float(beta)

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x).float()  # float32 even under a bf16 autocast: mu is what we plot
        mu, logvar = h[:, : self.latent_dim], h[:, self.latent_dim :]
        # Clamping keeps exp(logvar) finite early in training on unscaled inputs.
        return mu, logvar.clamp(-12.0, 12.0)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.posterior(x)[0]

    @staticmethod
    def kl_per_sample(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """KL(q(z|x) || N(0, I)) for each sample, summed over latent dimensions."""
        return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)

    def loss(
        self, x: torch.Tensor, *, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, dict[str, float]]:
        mu, logvar = self.posterior(x)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + eps * torch.exp(0.5 * logvar)
        recon = self._recon_per_sample(self.decode_logits(z), x).mean()
        kl = self.kl_per_sample(mu, logvar).mean()
        total = recon + self.beta * kl
        return total, {"recon": float(recon.detach()), "kl": float(kl.detach())}

    def hyperparameters(self) -> dict:
        return {**super().hyperparameters(), "beta": self.beta}


LatentModel = Autoencoder | VariationalAutoencoder


def build_model(
    kind: str,
    input_dim: int,
    *,
    hidden: Sequence[int] | None = None,
    latent_dim: int = 2,
    data_kind: str = "tabular",
    recon_loss: str | None = None,
    beta: float = 1.0,
    generator: torch.Generator | None = None,
) -> LatentModel:
    """Build an AE or VAE for ``input_dim`` features.

    Parameters
    ----------
    kind : {"ae", "vae"}
    input_dim : int
    hidden : sequence of int, optional
        Hidden layer sizes of the encoder (the decoder mirrors them). Default from
        :func:`default_hidden`.
    latent_dim : int
    data_kind : {"tabular", "image"}
        Chooses the default hidden sizes and reconstruction loss.
    recon_loss : {"mse", "bce"}, optional
    beta : float
        KL weight of the VAE; ignored for the AE.
    generator : torch.Generator, optional
        Initialises the weights from this generator, so that two models built with equal seeds
        are equal even when other threads draw from torch's global generator meanwhile.
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"model ({kind!r}) must be one of {list(MODEL_KINDS)}")
    if input_dim < 1:
        raise ValueError(f"input_dim ({input_dim}) must be >= 1")
    if latent_dim < 1:
        raise ValueError(f"latent_dim ({latent_dim}) must be >= 1; the plots need 2")
    hidden = tuple(hidden) if hidden is not None else default_hidden(input_dim, data_kind=data_kind)
    if any(h < 1 for h in hidden):
        raise ValueError(f"hidden ({list(hidden)}) must hold positive layer sizes, e.g. [64, 32]")
    loss_name = recon_loss or default_recon_loss(data_kind)
    model: LatentModel
    if kind == "ae":
        model = Autoencoder(input_dim, hidden=hidden, latent_dim=latent_dim, recon_loss=loss_name)
    else:
        model = VariationalAutoencoder(
            input_dim, hidden=hidden, latent_dim=latent_dim, recon_loss=loss_name, beta=beta
        )
    if generator is not None:
        reset_parameters(model, generator=generator)
    return model


def reset_parameters(model: nn.Module, *, generator: torch.Generator) -> None:
    """Re-draw every Linear layer's weights as PyTorch's default init does, from ``generator``."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Linear):
                # Same distribution as nn.Linear.reset_parameters, but seeded locally.
                nn.init.kaiming_uniform_(module.weight, a=5**0.5, generator=generator)
                bound = 1.0 / module.in_features**0.5
                nn.init.uniform_(module.bias, -bound, bound, generator=generator)


def model_from_hyperparameters(params: dict) -> LatentModel:
    """Rebuild an untrained model from :meth:`hyperparameters` (weights come separately)."""
    return build_model(
        params["kind"],
        int(params["input_dim"]),
        hidden=params["hidden"],
        latent_dim=int(params.get("latent_dim", 2)),
        recon_loss=params["recon_loss"],
        beta=float(params.get("beta", 1.0)),
    )
