"""A trained model over a data set: its coordinates, reconstructions and errors per point."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..models import LatentModel, VariationalAutoencoder
from .compute import resolve_device


@dataclass
class Encoded:
    """Per-point outputs of a trained model over a data set."""

    coords: np.ndarray  # float32 (n, latent_dim): mu for a VAE
    recon_error: np.ndarray  # float64 (n,): mean squared error per feature, in data space
    kl: np.ndarray | None  # float64 (n,): KL per sample, VAE only


def encode(
    model: LatentModel,
    X: np.ndarray,
    *,
    device: str | torch.device | None = "auto",
    batch_size: int = 8192,
) -> Encoded:
    """Latent coordinates, reconstruction error and KL of every row of ``X``, in one pass."""
    dev = resolve_device(device)
    model.to(dev).eval()
    coords, errors, kls = [], [], []
    with torch.inference_mode():
        for lo in range(0, X.shape[0], batch_size):
            xb = torch.as_tensor(X[lo : lo + batch_size], dtype=torch.float32, device=dev)
            if isinstance(model, VariationalAutoencoder):
                mu, logvar = model.posterior(xb)
                kls.append(model.kl_per_sample(mu, logvar).double().cpu().numpy())
            else:
                mu = model.embed(xb)
            rec = model.decode(mu)
            errors.append(((rec - xb) ** 2).mean(dim=1).double().cpu().numpy())
            coords.append(mu.float().cpu().numpy())
    return Encoded(
        coords=np.concatenate(coords) if coords else np.zeros((0, model.latent_dim), np.float32),
        recon_error=np.concatenate(errors) if errors else np.zeros(0),
        kl=np.concatenate(kls) if kls else None,
    )


def decode(
    model: LatentModel,
    Z: np.ndarray,
    *,
    device: str | torch.device | None = "auto",
) -> np.ndarray:
    """Decode latent points (m, latent_dim) to data space (m, n_features), float32."""
    return _infer(model, model.decode, Z, device)


def reconstruct(
    model: LatentModel,
    X: np.ndarray,
    *,
    device: str | torch.device | None = "auto",
) -> np.ndarray:
    """Deterministic reconstructions decode(embed(x)) of rows of ``X``, float32."""
    return _infer(model, model.reconstruct, X, device)


def _infer(
    model: LatentModel,
    method: Callable[[torch.Tensor], torch.Tensor],
    rows: np.ndarray,
    device: str | torch.device | None,
) -> np.ndarray:
    """``method`` (one of the model's own) on ``rows`` in evaluation mode, as float32."""
    dev = resolve_device(device)
    model.to(dev).eval()
    with torch.inference_mode():
        out = method(torch.as_tensor(np.asarray(rows), dtype=torch.float32, device=dev))
    return out.float().cpu().numpy()
