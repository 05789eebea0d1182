"""Seed repeats in the core: N seeds against one run, in the same process.

Trains and measures iteration 0 once (seed 0) as the baseline, then the same experiment under
N seeds with :class:`~latent_explorer.core.repeats.Repeats` (one after another, as the core runs
them; the job runtime is what runs seeds in parallel), then the stability report (Procrustes
alignment, displacement, neighbour agreement). Reports wall times, the ratio N-seed / one-run
(about N when the seeds run one after another) and the stability summary.

    python benchmarks/bench_repeats.py [--dataset mnist] [--seeds 5] [--threads 1] [--quick]

MNIST here is the 10,000 test images when its training files are absent (the shared data).
"""

from __future__ import annotations

import time

from common import default_data_dir, emit, machine, parser

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.experiment import Experiment
from latent_explorer.core.repeats import Repeats


def main() -> None:
    cli = parser(__doc__ or "")
    cli.add_argument("--dataset", default="mnist")
    cli.add_argument("--seeds", type=int, default=5)
    args = cli.parse_args()
    info = machine(args.threads, args.device)
    name = "digits" if args.quick else args.dataset
    ds = load_dataset(name, data_dir=default_data_dir())

    start = time.perf_counter()
    one = Experiment(ds, "ae", device=args.device)
    one.train()
    one_s = time.perf_counter() - start

    start = time.perf_counter()
    reps = Repeats(ds, "ae", seeds=args.seeds, device=args.device).train()
    repeats_s = time.perf_counter() - start
    start = time.perf_counter()
    report = reps.stability()
    stability_s = time.perf_counter() - start
    metrics = reps.metrics()

    result = {
        "dataset": name,
        "n_samples": ds.n_samples,
        "seeds": reps.seeds,
        "one_run_s": round(one_s, 2),
        "repeats_s": round(repeats_s, 2),
        "ratio_repeats_over_one": round(repeats_s / one_s, 2),
        "stability_s": round(stability_s, 3),
        "stability": {k: round(v, 4) for k, v in report.summary.items()},
        "trustworthiness": metrics["trustworthiness"].to_dict(),
    }
    t = metrics["trustworthiness"]
    print(
        f"{name} n={ds.n_samples}: one run {one_s:.1f}s, {len(reps)} seeds {repeats_s:.1f}s "
        f"({result['ratio_repeats_over_one']}x), stability {stability_s:.2f}s; "
        f"T(7) {t.mean:.4f} [{t.low:.4f}, {t.high:.4f}]; displacement "
        f"{report.summary['displacement_mean']:.3f}, agreement {report.summary['agreement_mean']:.3f}",
        flush=True,
    )
    emit("bench_repeats", {"machine": info, "results": [result]}, args.json)


if __name__ == "__main__":
    main()
