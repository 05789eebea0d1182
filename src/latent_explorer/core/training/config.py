"""Training settings: :class:`TrainConfig`, each rule declared once in its field's metadata,
and the defaults sized from the data.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

PRECISIONS = ("auto", "fp32", "bf16")


def _setting(default: Any, help: str, hint: str, **rule: Any) -> Any:
    """A TrainConfig field whose rule (``ge``/``gt``/``le``/``lt`` bounds, ``choices``, list
    ``min_items``/``max_items``) lives in its metadata: ``__post_init__`` checks it here, and
    ``latent_explorer.contract`` turns the same metadata into the API's JSON Schema and the
    page's form limits, so every limit is declared once."""
    return field(default=default, metadata={"help": help, "hint": hint, **rule})


@dataclass(frozen=True)
class TrainConfig:
    """Training settings. ``None`` means "choose from the data" (see :func:`default_config`)."""

    epochs: int = _setting(
        50, "passes over the data (at most, with patience)", "e.g. 50", ge=1, le=100_000
    )
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
    # Training to convergence: with patience > 0, `epochs` is a cap, and the held-out
    # reconstruction error steers the learning rate down on each plateau and then stops
    # training (the rule and its reasons: convergence.py). `holdout` is the share of rows
    # held out for it (a fixed split from the seed).
    patience: int = _setting(
        0,
        "epochs without a better held-out reconstruction error before the learning rate is "
        "lowered (twice) and then training stops; 0 trains every epoch",
        "0 trains every epoch; e.g. 10",
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


EPOCHS_FIELD = next(f for f in fields(TrainConfig) if f.name == "epochs")


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


# The defaults train to convergence. Patience 10 epochs (never under convergence.MIN_WAIT_STEPS
# steps), within CONVERGE_CAP times the fixed step budget the defaults had before: measured at
# one thread against 50 epochs at batch 64 (bench_first_latent), iris AE stopped at epoch 207 in
# 1.7 s (recon 0.028 vs 0.036, T(7) 0.979 vs 0.975); wine quality: see the batch size above.
DEFAULT_PATIENCE = 10
CONVERGE_CAP = 4
MAX_DEFAULT_EPOCHS = 2_000


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
        # Trained to convergence, Fashion-MNIST 70k at batch 512 stopped at its cap of 16 epochs
        # with recon 0.0263 and T(7) 0.9692, short of the original-style recipe (10 epochs at
        # 128, fp32: 0.0257 / 0.9699); at batch 256 16 epochs reached 0.02574 / 0.9710 and 20
        # epochs 0.0252. So batch 256 throughout, and on 20k+ images a budget of 1,500 steps
        # (a cap of 20 epochs at 70k).
        batch = 256
        target_steps = 600 if n_samples < 20_000 else 1_500
        lr = 2e-3
    else:
        # Batch 64 on mid-sized sets: trained to convergence, wine quality's AE reached recon
        # 0.2409 and T(7) 0.9405 at 64 where 128 stopped at 0.2498 / 0.9369 (50 epochs at 64:
        # 0.2497 / 0.9403); its VAE 0.2442 / 0.9408 vs 0.2515 / 0.9378. Twice the steps per epoch.
        batch = 32 if n_samples < 1_000 else (64 if n_samples < 20_000 else 256)
        # Small sets need many passes to settle.
        target_steps = 3_000
        lr = 2e-3 if data_kind == "tabular" else 1e-3
    # A batch never holds more than the data: the job limits refuse batch_size > n.
    batch = min(batch, max(1, n_samples))
    steps_per_epoch = max(1, math.ceil(n_samples / batch))
    # Trained to convergence (convergence.py): the budget above, times CONVERGE_CAP, is only a
    # cap; the held-out error decides when to stop, and the page shows the map from epoch 1.
    budget = max(1, round(target_steps / steps_per_epoch))
    epochs = int(min(MAX_DEFAULT_EPOCHS, CONVERGE_CAP * budget))
    # The KL term is weighed against a squared error summed over features. On a handful of
    # standardised features beta=1 lets the prior win: the latent collapses and scores below
    # PCA in trustworthiness (iris: T(7) 0.93 vs PCA 0.977; 0.98 with beta=0.1).
    beta = 0.1 if data_kind == "tabular" else 1.0
    return TrainConfig(epochs=epochs, batch_size=batch, lr=lr, beta=beta, patience=DEFAULT_PATIENCE)


# A Submit's default fine-tune: up to 600 optimiser steps, but no more than this many forward
# multiply-accumulates (samples x MACs per sample). Small tabular nets get all 600 steps in well
# under a second; the MNIST-sized net (784-512-128-2, ~0.93M MACs per sample) gets ~150 steps of
# 128 (~75 of 256), about 1.8 s on one core in float32 and 0.9 s in bf16. Measured on MNIST
# class 3 (1,010 points, AE, float32): 600 steps took 7.0 s and lifted the 3s' own T(7)
# 0.770 -> 0.878; 150 steps took 1.8 s and reached 0.849 (VAE: 0.783 -> 0.909 vs 0.869), so
