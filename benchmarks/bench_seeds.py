"""Seeds through the job runtime: one experiment under 5 seeds against one seed, in one run.

Starts ``latent-explorer serve`` as ``make run`` does (the in-process pool of worker
processes; torch threads: ``--threads``, 1 by default) on a free loopback port, warms the
workers up on iris, then trains an MNIST AE (the 10,000 test images) twice:

- **one seed**: POST /api/experiments, until iteration 0 has its exact metrics;
- **N seeds**: the same with ``seeds: N``, until GET .../iterations/0/seeds says every seed is
  trained and measured (the main chain first, the others as background seed jobs).

Reported: wall time of each, the ratio N seeds / one seed, when the N-seed run's own plot and
exact metrics were there (the main chain must not wait for the other seeds), the worker
pool's size, the machine's load, and what the seeds say (T(7) across seeds, stability).

    python benchmarks/bench_seeds.py [--seeds 5] [--epochs E] [--threads 1] [--quick]
"""

from __future__ import annotations

import os
import time

from common import emit, machine, parser, start_benchmark_server
from http_jobs import call

from tests.local_server import stop_server

POLL_S = 0.1


def _wait(base: str, exp_id: str, *, seeds: bool, timeout: float = 3600) -> dict[str, float]:
    """Poll until iteration 0 is measured exactly (and, with ``seeds``, every seed is in);
    the times (perf_counter) when the plot, the exact metrics and the seeds were there."""
    marks: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, exp = call(f"{base}/api/experiments/{exp_id}")
        if exp.get("status") in ("failed", "cancelled", "interrupted"):
            raise RuntimeError(f"experiment ended {exp['status']}: {exp.get('error')}")
        its = exp.get("iterations") or []
        now = time.perf_counter()
        if its:
            marks.setdefault("plot", now)
            if its[0]["measured"] and not its[0]["sampled"]:
                marks.setdefault("metrics", now)
        if "metrics" in marks and not seeds:
            return marks
        if "metrics" in marks:
            _, answer = call(f"{base}/api/experiments/{exp_id}/iterations/0/seeds")
            if answer["status"] == "done":
                marks["seeds"] = time.perf_counter()
                marks["answer"] = answer  # type: ignore[assignment]
                return marks
            if answer["status"] == "incomplete":
                raise RuntimeError(f"a seed did not finish: {answer['replicas']}")
        time.sleep(POLL_S)
    raise TimeoutError("the experiment did not finish")


def _train(base: str, dataset: str, config: dict, seeds: int) -> tuple[float, dict]:
    body = {"dataset": dataset, "model": "ae", "config": config}
    if seeds > 1:
        body["seeds"] = seeds
    start = time.perf_counter()
    status, answer = call(f"{base}/api/experiments", body)
    if status != 202:
        raise RuntimeError(f"POST /api/experiments: {status} {answer}")
    marks = _wait(base, answer["id"], seeds=seeds > 1)
    return start, marks


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--epochs", type=int, default=None, help="default: the dataset's default")
    p.set_defaults(threads=1)
    args = p.parse_args()
    info = machine(args.threads, args.device)
    dataset = "digits" if args.quick else "mnist"
    config: dict = {} if args.epochs is None else {"epochs": args.epochs}
    load_before = os.getloadavg()
    server, base = start_benchmark_server("seeds", args)
    try:
        _train(base, "iris", {"epochs": 2}, 2)  # workers started and warm, not timed
        start, one = _train(base, dataset, config, 1)
        one_s = one["metrics"] - start
        start, many = _train(base, dataset, config, args.seeds)
        many_s = many["seeds"] - start
    finally:
        stop_server(server)
    answer: dict = many["answer"]  # type: ignore[assignment]
    t = answer["metrics"]["all"]["trustworthiness"]
    result = {
        "dataset": dataset,
        "seeds": answer["seeds"],
        "epochs": args.epochs,
        "one_seed_s": round(one_s, 2),
        "seeds_s": round(many_s, 2),
        "ratio_seeds_over_one": round(many_s / one_s, 2),
        "main_plot_s": round(many["plot"] - start, 2),
        "main_metrics_s": round(many["metrics"] - start, 2),
        "trustworthiness": t,
        "stability": answer["stability"],
        "load_before": [round(v, 2) for v in load_before],
        "load_after": [round(v, 2) for v in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    print(
        f"{dataset}: one seed {one_s:.1f}s; {args.seeds} seeds {many_s:.1f}s "
        f"({result['ratio_seeds_over_one']}x one seed) through the in-process pool; the "
        f"{args.seeds}-seed run's own plot at {result['main_plot_s']}s and exact metrics at "
        f"{result['main_metrics_s']}s; T(7) {t['mean']:.4f} [{t['low']:.4f}, {t['high']:.4f}]; "
        f"load {result['load_before'][0]} -> {result['load_after'][0]} on {os.cpu_count()} CPUs",
        flush=True,
    )
    emit("bench_seeds", {"machine": info, "results": [result]}, args.json)


if __name__ == "__main__":
    main()
