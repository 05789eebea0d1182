"""Training: settings, the explicit train loop, where it computes, and encoding helpers.

One module per concept: ``config`` (:class:`TrainConfig`, its rules and the defaults sized from
the data), ``loop`` (:func:`fit` and the models it trains), ``compute`` (device, precision,
threads, the epochs a Submit can afford) and ``inference`` (encode, decode, reconstruct). The
core, the runtime and the web layer import these names from ``latent_explorer.core.training``.
"""

from __future__ import annotations

from .compute import (
    BF16_MIN_MACS,
    RETRAIN_MAC_BUDGET,
    RETRAIN_MAX_STEPS,
    cpu_has_native_bf16,
    default_retrain_epochs,
    macs_per_sample,
    resolve_device,
    resolve_precision,
    set_threads,
)
from .config import EPOCHS_FIELD, PRECISIONS, TrainConfig, default_config, setting_problem
from .inference import Encoded, decode, encode, reconstruct
from .live import LiveFrames, latent_coords
from .loop import (
    TRAIN_MODES,
    CancelToken,
    EpochHook,
    Progress,
    ProgressCallback,
    TrainingCancelled,
    TrainResult,
    fit,
    new_model,
    train_on_selection,
)

__all__ = [
    "BF16_MIN_MACS",
    "CancelToken",
    "EPOCHS_FIELD",
    "EpochHook",
    "Encoded",
    "LiveFrames",
    "PRECISIONS",
    "Progress",
    "ProgressCallback",
    "RETRAIN_MAC_BUDGET",
    "RETRAIN_MAX_STEPS",
    "TRAIN_MODES",
    "TrainConfig",
    "TrainResult",
    "TrainingCancelled",
    "cpu_has_native_bf16",
    "decode",
    "default_config",
    "default_retrain_epochs",
    "encode",
    "fit",
    "latent_coords",
    "macs_per_sample",
    "new_model",
    "reconstruct",
    "resolve_device",
    "resolve_precision",
    "set_threads",
    "setting_problem",
    "train_on_selection",
]
