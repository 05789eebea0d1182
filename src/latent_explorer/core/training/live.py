"""Live frames: the latent coordinates of every point while the model trains.

The page draws the first frame after the first epoch and animates the plot as training goes
on, so an analyst sees the map form and can stop when it looks settled. A frame costs one
encoder pass over all points (MNIST 70k: about half a second on one thread), so frames are
paced: never more often than ``min_interval_s``, and never more than ``max_share`` of the
time spent training. The first epoch always gets one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch

from ..models import LatentModel
from .loop import Progress

FrameSink = Callable[[np.ndarray, Progress], None]


def latent_coords(
    model: LatentModel, X: np.ndarray | torch.Tensor, *, batch: int = 8192
) -> np.ndarray:
    """float32 (n, latent_dim): the encoder's output (a VAE's mean), as ``encode`` gives it.

    Leaves the model in evaluation mode; :func:`~latent_explorer.core.training.fit` puts it
    back in training mode after its epoch hook."""
    param = next(model.parameters())
    model.eval()
    out = []
    with torch.inference_mode():
        for lo in range(0, X.shape[0], batch):
            xb = torch.as_tensor(X[lo : lo + batch], dtype=torch.float32, device=param.device)
            out.append(model.embed(xb).float().cpu().numpy())
    if not out:
        return np.zeros((0, model.latent_dim), np.float32)
    return np.concatenate(out)


class LiveFrames:
    """An epoch hook for ``fit`` that encodes ``X`` at a pace and hands each frame to ``sink``."""

    def __init__(
        self,
        X: np.ndarray,
        sink: FrameSink,
        *,
        min_interval_s: float = 0.3,
        max_share: float = 0.2,
    ) -> None:
        self.X, self.sink = X, sink
        self.min_interval_s, self.max_share = min_interval_s, max_share
        self.frames = 0
        self._cost = 0.0
        self._last: float | None = None

    def due(self, now: float) -> bool:
        if self._last is None:
            return True
        return now - self._last >= max(self.min_interval_s, self._cost / self.max_share)

    def __call__(self, model: LatentModel, progress: Progress) -> None:
        start = time.perf_counter()
        if not self.due(start):
            return
        coords = latent_coords(model, self.X)
        self._cost = time.perf_counter() - start
        self.frames += 1
        self.sink(coords, progress)
        self._last = time.perf_counter()
