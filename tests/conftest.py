"""Shared fixtures: one torch thread, the real data folder, small seeded data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
# Two torch threads collapse when another CPU-bound process shares the machine.
torch.set_num_threads(int(os.environ.get("LATENT_EXPLORER_THREADS", "1")))


def shared_data_dir() -> Path:
    """The real dataset files: $LATENT_EXPLORER_DATA, else ../shared/datasets beside the repo."""
    env = os.environ.get("LATENT_EXPLORER_DATA")
    return Path(env) if env else REPO.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.fail(
            f"dataset folder {path} is missing; set LATENT_EXPLORER_DATA to the folder with "
            "the wine, air quality and MNIST files"
        )
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
