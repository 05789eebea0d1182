"""The train loop: an explicit function of model, data, optimiser settings and device.

There are no globals: the seed drives a local ``torch.Generator`` for initialisation, shuffling
and the VAE's noise, so that two jobs training at once in one process do not disturb each
other's randomness.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch

from ..models import LatentModel, build_model
from .compute import resolve_device, resolve_precision
from .config import EPOCHS_FIELD, TrainConfig, setting_problem
from .convergence import Convergence, split_holdout

TRAIN_MODES = ("finetune", "scratch")


class CancelToken(Protocol):
    """Anything with ``is_set()``, e.g. :class:`threading.Event`."""

    def is_set(self) -> bool: ...


class TrainingCancelled(RuntimeError):
    """Raised by the loop when its cancel token is set; the model keeps its last weights."""


@dataclass(frozen=True)
class Progress:
    """One progress report, sent after every epoch."""

    epoch: int
    epochs: int
    loss: float
    parts: dict[str, float]
    elapsed_s: float
    # A Submit repeated N times reports "repetition 4 of 10" (1 of 1 otherwise).
    repetition: int = 1
    repetitions: int = 1
    # With early stopping: this epoch's held-out reconstruction error, and the best epoch so far.
    held_out: float | None = None
    best_epoch: int | None = None


ProgressCallback = Callable[[Progress], None]
# Called after each epoch's progress report with the model in training: e.g. to encode a live
# frame of the latent space (see ``live.LiveFrames``). It must leave the weights alone.
EpochHook = Callable[[LatentModel, Progress], None]


@dataclass
class TrainResult:
    """What one call of :func:`fit` did."""

    losses: list[float] = field(default_factory=list)
    parts: list[dict[str, float]] = field(default_factory=list)
    epochs: int = 0
    seconds: float = 0.0
    device: str = "cpu"
    precision: str = "fp32"
    # With early stopping (config.patience > 0): the held-out error per epoch, the epoch with
    # the lowest, and whether the loop stopped (converged) before its epoch cap.
    held_out: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    # The ``stop`` token was set: training ended there, keeping the model (not an error).
    stopped_by_user: bool = False


def _split_holdout(
    data: torch.Tensor, config: TrainConfig, *, epochs: int | None = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(training rows, held-out rows) for early stopping; no split without patience."""
    return split_holdout(
        data,
        patience=config.patience,
        holdout=config.holdout,
        seed=config.seed,
        epochs=config.epochs if epochs is None else epochs,
        batch_size=config.batch_size,
    )


def fit(
    model: LatentModel,
    X: np.ndarray | torch.Tensor,
    *,
    config: TrainConfig,
    epochs: int | None = None,
    device: str | torch.device | None = "auto",
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    stop: CancelToken | None = None,
    on_epoch: EpochHook | None = None,
    generator: torch.Generator | None = None,
) -> TrainResult:
    """Train ``model`` in place on the rows of ``X`` with Adam and shuffled minibatches.

    Parameters
    ----------
    model : Autoencoder or VariationalAutoencoder
    X : array of shape (n_samples, n_features)
        Float data as the model sees it. Moved to ``device`` once, before the first epoch.
    config : TrainConfig
        Learning rate, batch size, weight decay and (unless ``epochs`` is given) epochs.
    epochs : int, optional
        Overrides ``config.epochs``.
    device : str or torch.device
    progress : callable, optional
        Called with a :class:`Progress` after each epoch.
    cancel : object with ``is_set()``, optional
        Checked after every minibatch; raises :class:`TrainingCancelled` when set.
    stop : object with ``is_set()``, optional
        "Stop now, keep this model": checked after every epoch; when set, training ends there
        and the model is kept as it is.
    on_epoch : callable, optional
        Called with ``(model, progress)`` after each epoch (live frames of the latent space).
    generator : torch.Generator, optional
        Drives shuffling and VAE noise; default: a new one seeded with ``config.seed``.

    Returns
    -------
    TrainResult
    """
    dev = resolve_device(device)
    data = torch.as_tensor(X, dtype=torch.float32).to(dev)
    if data.shape[0] == 0:
        raise ValueError("X has no rows; select at least one point to train on")
    n_epochs = config.epochs if epochs is None else int(epochs)
    problem = setting_problem(EPOCHS_FIELD, n_epochs)
    if problem:
        raise ValueError(problem)
    data, hold = _split_holdout(data, config, epochs=n_epochs)
    n = data.shape[0]
    # A selection smaller than one batch still trains, as a single full batch.
    batch = min(config.batch_size, n)
    gen = generator if generator is not None else _generator(config.seed, dev)
    model.to(dev).train()
    # The fused kernel does Adam's whole update in one pass per tensor: on one CPU thread 76
    # steps of the MNIST net's update took 0.07 s instead of 0.44 s (a fifth of a Submit's
    # fine-tune); the same update, rounded differently (parameters agree to float32 roundoff
    # after 50 steps). Other device types keep the reference loop.
    opt = torch.optim.Adam(
        model.parameters(),
        lr=config.lr,
        weight_decay=config.weight_decay,
        fused=dev.type in ("cpu", "cuda"),
    )
    precision = resolve_precision(config.precision, model, dev)
    autocast = torch.autocast(dev.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    result = TrainResult(device=str(dev), precision=precision)
    steps_per_epoch = math.ceil(n / batch)
    rule = None
    if hold is not None:
        rule = Convergence(hold, patience=config.patience, steps_per_epoch=steps_per_epoch)
    start = time.perf_counter()
    for epoch in range(1, n_epochs + 1):
        order = torch.randperm(n, generator=gen, device=dev)
        total = torch.zeros((), device=dev)
        sums: dict[str, float] = {}
        for lo in range(0, n, batch):
            xb = data[order[lo : lo + batch]]
            with autocast:
                loss, parts = model.loss(xb, generator=gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            # Accumulate on the device: a .item() per step would sync CUDA every batch.
            total += loss.detach() * xb.shape[0]
            for key, value in parts.items():
                sums[key] = sums.get(key, 0.0) + value * xb.shape[0]
            if cancel is not None and cancel.is_set():
                model.eval()
                raise TrainingCancelled(f"training cancelled in epoch {epoch} of {n_epochs}")
        mean_loss = float(total) / n
        mean_parts = {k: v / n for k, v in sums.items()}
        result.losses.append(mean_loss)
        result.parts.append(mean_parts)
        result.epochs = epoch
        if not math.isfinite(mean_loss):
            model.eval()
            raise FloatingPointError(
                f"the loss became {mean_loss} in epoch {epoch}; lower lr (now {config.lr})"
            )
        held, converged = None, False
        if rule is not None:
            converged = rule.after_epoch(model, epoch, opt)
            held = rule.errors[-1]
            result.held_out.append(held)
            result.best_epoch = rule.best_epoch
        report = Progress(
            epoch,
            n_epochs,
            mean_loss,
            mean_parts,
            time.perf_counter() - start,
            held_out=held,
            best_epoch=result.best_epoch,
        )
        if progress is not None:
            progress(report)
        if on_epoch is not None:
            on_epoch(model, report)
            model.train()
        if converged:
            result.stopped_early = epoch < n_epochs
            break
        # Checked at the end of an epoch: every epoch kept is a whole one, reported and drawn.
        if stop is not None and stop.is_set() and epoch < n_epochs:
            result.stopped_by_user = True
            break
    result.seconds = time.perf_counter() - start
    model.eval()
    return result


def _generator(seed: int, device: torch.device) -> torch.Generator:
    gen = torch.Generator(device=device)
    gen.manual_seed(int(seed))
    return gen


def new_model(
    kind: str,
    n_features: int,
    *,
    config: TrainConfig,
    data_kind: str = "tabular",
) -> LatentModel:
    """Build a freshly initialised model whose weights depend only on ``config.seed``."""
    gen = torch.Generator()
    gen.manual_seed(int(config.seed))
    return build_model(
        kind,
        n_features,
        hidden=config.hidden,
        latent_dim=config.latent_dim,
        data_kind=data_kind,
        beta=config.beta,
        generator=gen,
    )


def train_on_selection(
    parent: LatentModel,
    X: np.ndarray,
    ids: Sequence[int] | np.ndarray,
    *,
    mode: str = "finetune",
    config: TrainConfig,
    epochs: int | None = None,
    data_kind: str = "tabular",
    device: str | torch.device | None = "auto",
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    stop: CancelToken | None = None,
    on_epoch: EpochHook | None = None,
) -> tuple[LatentModel, TrainResult]:
    """Train on the selected rows only and return a new model; ``parent`` is left untouched.

    ``mode="finetune"`` continues from a copy of the parent's weights. ``mode="scratch"`` trains
    a new model of the same shape from a fresh initialisation, as the original system did.
    """
    if mode not in TRAIN_MODES:
        raise ValueError(f"mode ({mode!r}) must be one of {list(TRAIN_MODES)}")
    idx = np.asarray(ids, dtype=np.int64)
    if idx.size == 0:
        raise ValueError("selected_ids is empty; select at least one point")
    if mode == "finetune":
        child = copy.deepcopy(parent)
    else:
        child = new_model(parent.kind, parent.input_dim, config=config, data_kind=data_kind)
    result = fit(
        child,
        X[idx],
        config=config,
        epochs=epochs,
        device=device,
        progress=progress,
        cancel=cancel,
        stop=stop,
        on_epoch=on_epoch,
    )
    return child, result
