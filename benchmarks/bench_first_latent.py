"""Time to the first latent space per dataset, with the default settings of the explorer.

"First latent" = load the dataset + train iteration 0 with ``default_config`` + encode all
points + the metrics table, which is what the page waits for before drawing plot 1. The
baseline is the same model trained with the original system's budget shape (a fixed 50 epochs
at batch size 64, as in the original notebook code) in the same process, so the ratio shows
what our step-budgeted defaults buy.

    python benchmarks/bench_first_latent.py [--quick] [--threads 2] [--device cpu]
"""

from __future__ import annotations

import time

from common import default_data_dir, emit, machine, parser

from latent_explorer.core.datasets import clear_cache, load_dataset
from latent_explorer.core.experiment import Experiment
from latent_explorer.core.training import TrainConfig


def first_latent(name: str, kind: str, device: str, config: TrainConfig | None) -> dict:
    clear_cache()
    start = time.perf_counter()
    ds = load_dataset(name, data_dir=default_data_dir())
    loaded = time.perf_counter()
    exp = Experiment(ds, kind, config=config, device=device)
    it = exp.train()
    total = time.perf_counter() - start
    return {
        "seconds": round(total, 3),
        "load_s": round(loaded - start, 3),
        "train_s": round(it.train_seconds, 3),
        "metrics_s": round(it.metric_seconds, 3),
        "epochs": it.epochs,
        "trustworthiness": round(it.metrics["all"]["trustworthiness"], 4),
        "reconstruction_error": round(it.metrics["all"]["reconstruction_error"], 5),
    }


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    info = machine(args.threads, args.device)
    names = ["iris", "digits", "wine_quality"] + ([] if args.quick else ["air_quality", "mnist"])
    rows = []
    for name in names:
        for kind in ("ae", "vae"):
            ours = first_latent(name, kind, args.device, None)
            row = {"dataset": name, "model": kind, "ours": ours}
            if name != "mnist" or not args.quick:
                ds = load_dataset(name, data_dir=default_data_dir())
                from latent_explorer.core.training import default_config

                base_cfg = default_config(
                    ds.n_samples, ds.n_features, data_kind=ds.kind, model=kind
                )
                base_cfg = base_cfg.replace(epochs=50, batch_size=64)
                base = first_latent(name, kind, args.device, base_cfg)
                row["baseline_50_epochs_bs64"] = base
                row["ratio_baseline_over_ours"] = round(base["seconds"] / ours["seconds"], 2)
            rows.append(row)
            print(
                f"{name:>13} {kind:>4}: {ours['seconds']:.2f}s (train {ours['train_s']:.2f}s, "
                f"metrics {ours['metrics_s']:.2f}s, T={ours['trustworthiness']})"
                + (
                    f"  baseline {row['baseline_50_epochs_bs64']['seconds']:.2f}s ratio {row['ratio_baseline_over_ours']}"
                    if "ratio_baseline_over_ours" in row
                    else ""
                )
            )
    emit("bench_first_latent", {"machine": info, "results": rows}, args.json)


if __name__ == "__main__":
    main()
