"""Epoch time of ``core.training.fit`` against a bare loop of the same model on the same tensors.

The bare loop is the floor: preloaded tensors, randperm, forward, backward, Adam step, nothing
else, in the same precision ``fit`` chose. The ratio fit / bare shows what our loop's progress,
cancellation and bookkeeping cost. Where ``fit`` chose bf16 (MNIST-sized nets on a CPU with native
bf16), a float32 ``fit`` of the same model is timed too: ``bf16_speedup`` is fp32 / bf16.

    python benchmarks/bench_training.py [--quick] [--threads 2] [--device cpu]
"""

from __future__ import annotations

import time

import torch
from common import default_data_dir, emit, machine, parser

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.training import (
    TrainConfig,
    fit,
    new_model,
    resolve_device,
    resolve_precision,
)


def bare_loop(
    model, X: torch.Tensor, *, epochs: int, batch: int, lr: float, precision: str
) -> float:  # type: ignore[no-untyped-def]
    autocast = torch.autocast(X.device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator(device=X.device).manual_seed(0)
    n = X.shape[0]
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen, device=X.device)
        for lo in range(0, n, batch):
            with autocast:
                loss, _ = model.loss(X[order[lo : lo + batch]], generator=gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    if X.device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / epochs


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    info = machine(args.threads, args.device)
    dev = resolve_device(args.device)
    cases = [("digits", "ae"), ("digits", "vae"), ("wine_quality", "ae")]
    if not args.quick:
        cases += [("mnist", "ae"), ("mnist", "vae")]
    rows = []
    for name, kind in cases:
        ds = load_dataset(name, data_dir=default_data_dir())
        epochs = 3 if name == "mnist" else 10
        cfg = TrainConfig(epochs=epochs, batch_size=256 if name == "mnist" else 128, seed=0)
        X = torch.as_tensor(ds.X).to(dev)
        bare_model = new_model(kind, ds.n_features, config=cfg, data_kind=ds.kind).to(dev)
        precision = resolve_precision(cfg.precision, bare_model, dev)
        bare = bare_loop(
            bare_model, X, epochs=epochs, batch=cfg.batch_size, lr=cfg.lr, precision=precision
        )
        ours_model = new_model(kind, ds.n_features, config=cfg, data_kind=ds.kind)
        result = fit(ours_model, ds.X, config=cfg, device=dev, progress=lambda p: None)
        ours = result.seconds / epochs
        row = {
            "dataset": name,
            "n": ds.n_samples,
            "model": kind,
            "precision": result.precision,
            "bare_epoch_s": round(bare, 4),
            "fit_epoch_s": round(ours, 4),
            "ratio_fit_over_bare": round(ours / bare, 3),
        }
        line = f"{name:>13} {kind:>4} n={ds.n_samples:>6} {result.precision}  bare {bare:.3f}s/epoch  fit {ours:.3f}s/epoch  ratio {ours / bare:.3f}"
        if result.precision == "bf16":
            fp32_model = new_model(kind, ds.n_features, config=cfg, data_kind=ds.kind)
            fp32 = fit(fp32_model, ds.X, config=cfg.replace(precision="fp32"), device=dev)
            row["fp32_fit_epoch_s"] = round(fp32.seconds / epochs, 4)
            row["bf16_speedup"] = round(fp32.seconds / result.seconds, 2)
            line += f"  fp32 {fp32.seconds / epochs:.3f}s/epoch (bf16 {fp32.seconds / result.seconds:.2f}x)"
        rows.append(row)
        print(line)
    emit("bench_training", {"machine": info, "results": rows, "goal": "ratio <= 1.15"}, args.json)


if __name__ == "__main__":
    main()
