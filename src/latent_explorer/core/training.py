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


def _setting(default: Any, help: str, hint: str, **rule: Any) -> Any:
    """A TrainConfig field whose rule (``ge``/``gt``/``le``/``lt`` bounds, ``choices``, list
    ``min_items``/``max_items``) lives in its metadata: ``__post_init__`` checks it here, and
    ``latent_explorer.contract`` turns the same metadata into the API's JSON Schema and the
    page's form limits, so every limit is declared once."""
    return field(default=default, metadata={"help": help, "hint": hint, **rule})


@dataclass(frozen=True)
class TrainConfig:
    """Training settings. ``None`` means "choose from the data" (see :func:`default_config`)."""

    epochs: int = _setting(50, "passes over the data", "e.g. 50", ge=1, le=100_000)
    batch_size: int = _setting(128, "minibatch size", "e.g. 128", ge=1, le=1_000_000)
    lr: float = _setting(1e-3, "Adam learning rate", "try 1e-3", gt=0, le=1)
    hidden: tuple[int, ...] | None = _setting(
        None,
        "encoder layer sizes, e.g. 64,32 (the decoder mirrors them)",
        "e.g. [64, 32]",
        ge=1,
        le=4096,
        min_items=1,
        max_items=6,
    )
    latent_dim: int = _setting(2, "size of the latent space", "the plots need 2", ge=1, le=64)
    beta: float = _setting(
        1.0, "weight of the KL term", "1.0 is the VAE", ge=0, le=1000, models=("vae",)
    )
    # 2**32 - 1: every seed NumPy and torch take, and exact as a JavaScript number.
    seed: int = _setting(
        0, "makes runs repeatable", "any integer up to 2**32 - 1", ge=0, le=2**32 - 1
    )
    weight_decay: float = _setting(0.0, "Adam weight decay", "e.g. 1e-5", ge=0, lt=1)
    precision: str = _setting(
        "auto",
        "float precision of training",
        '"auto" uses bf16 where the CPU computes it natively',
        choices=PRECISIONS,
    )
    # Early stopping: with patience > 0, `epochs` is a cap and training stops once the held-out
    # reconstruction error has not improved for `patience` epochs; the best epoch's weights
    # are kept. `holdout` is the share of rows held out for it (a fixed split from the seed).
    patience: int = _setting(
        0,
        "epochs without a better held-out reconstruction error before training stops",
        "0 trains every epoch; e.g. 5",
        ge=0,
        le=10_000,
    )
    holdout: float = _setting(
        0.1, "share of rows held out for early stopping", "e.g. 0.1", gt=0, le=0.5
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            problem = setting_problem(f, getattr(self, f.name))
            if problem:
                raise ValueError(problem)
        if self.hidden is not None:
            object.__setattr__(self, "hidden", tuple(self.hidden))

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


_EPOCHS_FIELD = next(f for f in fields(TrainConfig) if f.name == "epochs")


def _is_number(value: Any) -> bool:
    # bool is an int in Python, but `"lr": true` is a mistake, not 1.0.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bounds(meta: Any) -> str:
    lo = f"[{meta['ge']}" if "ge" in meta else f"({meta['gt']}"
    hi = f"{meta['le']}]" if "le" in meta else f"{meta['lt']})"
    return f"{lo}, {hi}"


def _in_bounds(value: float, meta: Any) -> bool:
    return (
        ("ge" not in meta or value >= meta["ge"])
        and ("gt" not in meta or value > meta["gt"])
        and ("le" not in meta or value <= meta["le"])
        and ("lt" not in meta or value < meta["lt"])
    )


def setting_problem(f: Any, value: Any) -> str | None:
    """Why ``value`` breaks the rule of TrainConfig field ``f`` (a message naming the field,
    the rule, the value and the fix), or None when it is valid."""
    meta, name, hint = f.metadata, f.name, f.metadata["hint"]
    if "choices" in meta:
        if value not in meta["choices"]:
            return f"{name} ({value!r}) must be one of {list(meta['choices'])}; {hint}"
        return None
    if "min_items" in meta:  # a list of layer sizes, or None for "sized from the data"
        if value is None:
            return None
        items = list(value) if isinstance(value, list | tuple) else None
        ok = (
            items is not None
            and meta["min_items"] <= len(items) <= meta["max_items"]
            and all(
                isinstance(h, int) and not isinstance(h, bool) and _in_bounds(h, meta)
                for h in items
            )
        )
        if not ok:
            return (
                f"{name} ({value!r}) must be {meta['min_items']} to {meta['max_items']} "
                f"integers in {_bounds(meta)}; {hint}"
            )
        return None
    is_int = f.type in ("int", int)
    ok_type = (
        isinstance(value, int) and not isinstance(value, bool) if is_int else _is_number(value)
    )
    # isfinite on a 400-digit int would overflow; ints are finite anyway.
    if not ok_type or not (is_int or math.isfinite(value)) or not _in_bounds(value, meta):
        kind = "an integer" if is_int else "a number"
        return f"{name} ({value!r}) must be {kind} in {_bounds(meta)}; {hint}"
    return None


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
    # A batch never holds more than the data: the job limits refuse batch_size > n.
    batch = min(batch, max(1, n_samples))
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
    problem = setting_problem(_EPOCHS_FIELD, n_epochs)
    if problem:
        raise ValueError(problem)
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
