"""Live frames: the latest coordinates of an iteration that is still training.

One artifact per training iteration, ``experiments/<id>/live/iter_<k>.npz`` (no pickles),
overwritten by each frame and removed once the iteration itself is stored. The frame carries
its epoch, so the page labels the plot with the epoch it shows, not the epoch of the event
that announced it (a later frame may have replaced it meanwhile).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from .artifacts import Artifacts
from .layout import check_id, npz_bytes


@dataclass(frozen=True)
class LiveFrame:
    coords: np.ndarray  # float32 (n, 2)
    epoch: int
    epochs: int  # the cap of this training run


def live_key(experiment_id: str, iteration: int) -> str:
    return f"experiments/{check_id(experiment_id)}/live/iter_{int(iteration)}.npz"


class LiveFramesMixin:
    """Needs ``artifacts`` from the store."""

    artifacts: Artifacts

    def write_live_frame(
        self, experiment_id: str, iteration: int, coords: np.ndarray, *, epoch: int, epochs: int
    ) -> None:
        data: dict[str, np.ndarray] = {
            "coords": np.asarray(coords, dtype=np.float32),
            "epoch": np.asarray(epoch, dtype=np.int64),
            "epochs": np.asarray(epochs, dtype=np.int64),
        }
        self.artifacts.write_bytes(live_key(experiment_id, iteration), npz_bytes(data))

    def live_frame(self, experiment_id: str, iteration: int) -> LiveFrame | None:
        """The latest frame of a training iteration, or None when there is none (not begun,
        or already stored as an iteration)."""
        try:
            raw = self.artifacts.read_bytes(live_key(experiment_id, iteration))
        except FileNotFoundError:
            return None
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            return LiveFrame(npz["coords"], int(npz["epoch"]), int(npz["epochs"]))

    def drop_live_frames(self, experiment_id: str) -> None:
        self.artifacts.delete(f"experiments/{check_id(experiment_id)}/live")
