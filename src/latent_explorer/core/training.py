"""Training: an explicit loop over tensors preloaded on the device, plus encoding helpers.

The loop is a plain function of model, data, optimiser settings and device. There are no
globals: the seed drives a local ``torch.Generator`` for initialisation, shuffling and the VAE's
noise, so that two jobs training at once in one process do not disturb each other's randomness.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol

import numpy as np
import torch

from .models import LatentModel, VariationalAutoencoder, build_model

TRAIN_MODES = ("finetune", "scratch")
PRECISIONS = ("auto", "fp32", "bf16")


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


@dataclass(frozen=True)
class TrainConfig:
    """Training settings. ``None`` means "choose from the data" (see :func:`default_config`)."""

    epochs: int = 50
    batch_size: int = 128
    lr: float = 1e-3
    hidden: tuple[int, ...] | None = None
    latent_dim: int = 2
    beta: float = 1.0
    seed: int = 0
    weight_decay: float = 0.0
    precision: str = "auto"  # "auto", "fp32" or "bf16": see resolve_precision
    # Early stopping: with patience > 0, `epochs` is a cap and training stops once the held-out
    # reconstruction error has not improved for `patience` epochs; the best epoch's weights
    # are kept. `holdout` is the share of rows held out for it (a fixed split from the seed).
    patience: int = 0
    holdout: float = 0.1

    def __post_init__(self) -> None:
        _check_int("epochs", self.epochs, 1, 100_000, "e.g. 50")
        _check_int("batch_size", self.batch_size, 1, 1_000_000, "e.g. 128")
        _check_int("latent_dim", self.latent_dim, 1, 64, "the plots need 2")
        _check_int("seed", self.seed, 0, 2**63 - 1, "any non-negative integer")
        if not (_is_number(self.lr) and 0 < self.lr <= 1 and math.isfinite(self.lr)):
            raise ValueError(f"lr ({self.lr!r}) must be a number in (0, 1]; try 1e-3")
        if not (_is_number(self.beta) and 0 <= self.beta <= 1000):
            raise ValueError(f"beta ({self.beta!r}) must be a number in [0, 1000]; 1.0 is the VAE")
        if not (_is_number(self.weight_decay) and 0 <= self.weight_decay < 1):
            raise ValueError(f"weight_decay ({self.weight_decay!r}) must be in [0, 1)")
        _check_int("patience", self.patience, 0, 10_000, "0 trains every epoch; e.g. 5")
        if not (_is_number(self.holdout) and 0 < self.holdout <= 0.5):
            raise ValueError(f"holdout ({self.holdout!r}) must be a share in (0, 0.5], e.g. 0.1")
        if self.precision not in PRECISIONS:
            raise ValueError(
                f"precision ({self.precision!r}) must be one of {list(PRECISIONS)}; "
                '"auto" uses bf16 where the CPU computes it natively'
            )
        if self.hidden is not None:
            hidden = tuple(self.hidden)
            ok = 1 <= len(hidden) <= 6 and all(
                isinstance(h, int) and not isinstance(h, bool) and 1 <= h <= 4096 for h in hidden
            )
            if not ok:
                raise ValueError(
                    f"hidden ({list(hidden)}) must be 1 to 6 layer sizes between 1 and 4096, "
                    "e.g. [64, 32]"
                )
            object.__setattr__(self, "hidden", hidden)

    def replace(self, **changes: Any) -> TrainConfig:
        return TrainConfig(**{**asdict(self), **changes})

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["hidden"] = list(self.hidden) if self.hidden is not None else None
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build from a (user-supplied) mapping, rejecting unknown keys by name."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"config has unknown keys {unknown}; valid keys are {sorted(known)}")
        values = dict(data)
        if values.get("hidden") is not None:
            if not isinstance(values["hidden"], list | tuple):
                raise ValueError(f"hidden ({values['hidden']!r}) must be a list such as [64, 32]")
            values["hidden"] = tuple(values["hidden"])
        return cls(**values)


def _is_number(value: Any) -> bool:
    # bool is an int in Python, but `"lr": true` is a mistake, not 1.0.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_int(name: str, value: Any, lo: int, hi: int, hint: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ValueError(f"{name} ({value!r}) must be an integer in [{lo}, {hi}]; {hint}")


def default_config(n_samples: int, n_features: int, *, data_kind: str, model: str) -> TrainConfig:
    """Settings that train well in seconds on a laptop CPU for a data set of this size.

    The budget is a number of optimiser steps rather than epochs: tiny sets need many epochs,
    70,000 images need few.
    """
    if data_kind == "image" and n_samples >= 5_000:
        # MNIST-sized sets: wide batches at twice the rate. With bf16 (see resolve_precision),
        # on one core: MNIST 10k AE at 600 steps of 256 trains in 5.0 s to recon 0.0399 and
        # T(7) 0.907, where 1,185 steps of 128 at 1e-3 took 11.4 s for 0.0400 / 0.903; Fashion-
        # MNIST 70k AE at 4 epochs of 512: 6.1 s, recon 0.0281, T(7) 0.963.
        batch = 256 if n_samples < 20_000 else 512
        target_steps = 600
        lr = 2e-3
    else:
        batch = 32 if n_samples < 1_000 else (128 if n_samples < 20_000 else 256)
        # Small sets need many passes to settle.
        target_steps = 3_000
        lr = 2e-3 if data_kind == "tabular" else 1e-3
    steps_per_epoch = max(1, math.ceil(n_samples / batch))
    epochs = int(min(500, max(1, round(target_steps / steps_per_epoch))))
    # The KL term is weighed against a squared error summed over features. On a handful of
    # standardised features beta=1 lets the prior win: the latent collapses and scores below
    # PCA in trustworthiness (iris: T(7) 0.93 vs PCA 0.977; 0.98 with beta=0.1).
    beta = 0.1 if data_kind == "tabular" else 1.0
    return TrainConfig(epochs=epochs, batch_size=batch, lr=lr, beta=beta)


# A Submit's default fine-tune: up to 600 optimiser steps, but no more than this many forward
# multiply-accumulates (samples x MACs per sample). Small tabular nets get all 600 steps in well
# under a second; the MNIST-sized net (784-512-128-2, ~0.93M MACs per sample) gets ~150 steps of
# 128 (~75 of 256), about 1.8 s on one core in float32 and 0.9 s in bf16. Measured on MNIST
# class 3 (1,010 points, AE, float32): 600 steps took 7.0 s and lifted the 3s' own T(7)
# 0.770 -> 0.878; 150 steps took 1.8 s and reached 0.849 (VAE: 0.783 -> 0.909 vs 0.869), so
# most of the effect in a quarter of the time.
RETRAIN_MAX_STEPS = 600
RETRAIN_MAC_BUDGET = 18e9


def macs_per_sample(model: torch.nn.Module) -> int:
    """Multiply-accumulates of one forward pass through the model's linear layers."""
    return sum(
        m.in_features * m.out_features for m in model.modules() if isinstance(m, torch.nn.Linear)
    )


def default_retrain_epochs(model: torch.nn.Module, n_selected: int, batch_size: int) -> int:
    """Epochs over ``n_selected`` points for a Submit: enough steps to move the model visibly,
    capped by compute so a Submit stays within a couple of seconds on a laptop CPU."""
    batch = min(batch_size, max(1, n_selected))
    steps_per_epoch = -(-n_selected // batch)
    affordable = RETRAIN_MAC_BUDGET / (batch * max(1, macs_per_sample(model)))
    steps = min(RETRAIN_MAX_STEPS, affordable)
    return int(min(200, max(1, round(steps / steps_per_epoch))))


# bf16 pays only where matrix products dominate: on the 784-512-128-2 net a step at batch 512
# takes 2.5x less time with bf16 autocast on a CPU with AVX512-BF16/AMX, at the same loss; on the
# small tabular nets the casts cost more than they save.
BF16_MIN_MACS = 100_000


def cpu_has_native_bf16() -> bool:
    """True when the CPU multiplies bf16 in hardware (AVX512-BF16 or AMX)."""
    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:  # private helpers: absent in some builds, then stay exact
        return False


def resolve_precision(precision: str, model: torch.nn.Module, device: torch.device) -> str:
    """The precision ``fit`` computes the forward and backward passes in.

    Weights, optimiser state, the loss and everything measured stay float32/float64: bf16 is an
    autocast of the matrix products only. "auto" picks bf16 on a CPU that has it natively and a
    model large enough to gain; otherwise (and always on CUDA, not measured here) float32.
    """
    if precision != "auto":
        return precision
    big = macs_per_sample(model) >= BF16_MIN_MACS
    return "bf16" if device.type == "cpu" and big and cpu_has_native_bf16() else "fp32"


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """ "auto" (or None) picks CUDA when available, else the CPU."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device ({device!r}) is not available here; use 'cpu' or 'auto'")
    return dev


def set_threads(n: int | None) -> None:
    """Set torch's intra-op thread count for this process (``None`` leaves it alone).

    Two threads collapse when another CPU-bound process runs, so servers and tests use 1.
    """
    if n is None:
        return
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"threads ({n!r}) must be a positive integer, e.g. 1")
    torch.set_num_threads(n)


@dataclass
class TrainResult:
    """What one call of :func:`fit` did."""

    losses: list[float] = field(default_factory=list)
    parts: list[dict[str, float]] = field(default_factory=list)
    epochs: int = 0
    seconds: float = 0.0
    device: str = "cpu"
    precision: str = "fp32"
    # With early stopping (config.patience > 0): the held-out error per epoch, the epoch whose
    # weights were kept, and whether the loop stopped before its epoch cap.
    held_out: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False


def _held_out_error(model: LatentModel, hold: torch.Tensor) -> float:
    """Mean squared reconstruction error of the held-out rows, as :func:`encode` measures it."""
    model.eval()
    with torch.inference_mode():
        total = 0.0
        for lo in range(0, hold.shape[0], 8192):
            xb = hold[lo : lo + 8192]
            rec = model.decode(model.embed(xb))  # a VAE's mean: no noise in the stopping rule
            total += float(((rec.float() - xb) ** 2).mean(dim=1).double().sum())
    model.train()
    return total / hold.shape[0]


def _split_holdout(
    data: torch.Tensor, config: TrainConfig
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(training rows, held-out rows) for early stopping; no split without patience."""
    n = data.shape[0]
    if config.patience == 0 or n < 2:
        return data, None
    n_hold = min(n - 1, max(1, round(config.holdout * n)))
    # A generator of its own: the split must not shift the shuffles and the VAE noise.
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(int(config.seed)))
    perm = perm.to(data.device)
    return data[perm[n_hold:]], data[perm[:n_hold]]


def fit(
    model: LatentModel,
    X: np.ndarray | torch.Tensor,
    *,
    config: TrainConfig,
    epochs: int | None = None,
    device: str | torch.device | None = "auto",
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
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
    data, hold = _split_holdout(data, config)
    n = data.shape[0]
    best_error, best_state = math.inf, None
    n_epochs = config.epochs if epochs is None else int(epochs)
    _check_int("epochs", n_epochs, 1, 100_000, "e.g. 50")
    # A selection smaller than one batch still trains, as a single full batch.
    batch = min(config.batch_size, n)
    gen = generator if generator is not None else _generator(config.seed, dev)
    model.to(dev).train()
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    precision = resolve_precision(config.precision, model, dev)
    autocast = torch.autocast(dev.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    result = TrainResult(device=str(dev), precision=precision)
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
        held = None
        if hold is not None:
            held = _held_out_error(model, hold)
            result.held_out.append(held)
            if held < best_error:
                best_error, result.best_epoch = held, epoch
                best_state = copy.deepcopy(model.state_dict())
        if progress is not None:
            progress(
                Progress(
                    epoch,
                    n_epochs,
                    mean_loss,
                    mean_parts,
                    time.perf_counter() - start,
                    held_out=held,
                    best_epoch=result.best_epoch,
                )
            )
        if result.best_epoch is not None and epoch - result.best_epoch >= config.patience:
            result.stopped_early = epoch < n_epochs
            break
    if best_state is not None:
        model.load_state_dict(best_state)  # keep the model of the best held-out epoch
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
    )
    return child, result


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
    dev = resolve_device(device)
    model.to(dev).eval()
    with torch.inference_mode():
        out = model.decode(torch.as_tensor(np.asarray(Z), dtype=torch.float32, device=dev))
    return out.float().cpu().numpy()


def reconstruct(
    model: LatentModel,
    X: np.ndarray,
    *,
    device: str | torch.device | None = "auto",
) -> np.ndarray:
    """Deterministic reconstructions decode(embed(x)) of rows of ``X``, float32."""
    dev = resolve_device(device)
    model.to(dev).eval()
    with torch.inference_mode():
        out = model.reconstruct(torch.as_tensor(X, dtype=torch.float32, device=dev))
    return out.float().cpu().numpy()
