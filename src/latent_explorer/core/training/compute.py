"""Where and how fast training computes: device, precision, threads, and the epochs a Submit
can afford.
"""

from __future__ import annotations

import torch

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
