"""Train-to-plot and Submit-to-plots through the real HTTP API, per dataset.

Starts ``latent-explorer serve`` on a free loopback port and does what the page does: POST an
experiment, follow its Server-Sent Events until ``done``, then fetch the experiment and the
embedding (plot 1). Then Submit about 1,000 selected points (all of them for iris) and fetch the
new embedding and metrics (plots 2 and 3). Times are wall-clock as a browser would see them.

The baselines are the original system's figures measured on the same kind of machine
(2 cores, no GPU); each result prints the ratio original / ours.

    python benchmarks/bench_api.py [--quick] [--threads 1] [--device cpu]
"""

from __future__ import annotations

import json
import time
import urllib.request

from common import emit, machine, parser, start_benchmark_server

from tests.local_server import stop_server

ORIGINAL_S = {
    ("wine_quality", "train"): 6.5,  # "5 to 8 s to the first plot": the midpoint
    ("wine_quality", "submit"): 3.3,
    ("mnist", "submit"): 7.9,
    ("mnist", "train", "ae"): 87.5,
    ("mnist", "train", "vae"): 346.6,
    # Fashion-MNIST has the training files MNIST lacks here: 70,000 28x28 images trained and
    # shown, against the original's 60,000 MNIST images trained and 10,000 shown.
    ("fashion_mnist", "submit"): 7.9,
    ("fashion_mnist", "train", "ae"): 87.5,
    ("fashion_mnist", "train", "vae"): 346.6,
}


def _call(url: str, body: dict | None = None, method: str | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)


def _wait_done(base: str, exp_id: str, on_projected=None) -> None:  # type: ignore[no-untyped-def]
    """Follow the job's events until "done"; call ``on_projected`` when the coordinates are
    stored (the moment the page fetches them and draws the plots)."""
    with urllib.request.urlopen(f"{base}/api/experiments/{exp_id}/events", timeout=900) as r:
        for raw in r:
            line = raw.decode().strip()
            if line == "event: projected" and on_projected is not None:
                on_projected()
            if line in ("event: done", "event: idle"):
                return
            if line in ("event: error", "event: cancelled"):
                raise RuntimeError(f"job ended with {line}")


def _raw(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=600) as r:
        return r.read()


def run_case(base: str, dataset: str, model: str, n_select: int) -> dict:
    start = time.perf_counter()
    exp_id = _call(f"{base}/api/experiments", {"dataset": dataset, "model": model})["id"]
    marks: dict[str, float] = {}

    def plot(k: int) -> None:
        # What the page does on "projected": fetch the float32 coordinates and draw.
        _raw(f"{base}/api/experiments/{exp_id}/iterations/{k}/embedding?format=f32")
        marks[f"plot{k}"] = time.perf_counter()

    _wait_done(base, exp_id, on_projected=lambda: plot(0))
    exp = _call(f"{base}/api/experiments/{exp_id}")
    emb = _call(f"{base}/api/experiments/{exp_id}/iterations/0/embedding")
    train_s = time.perf_counter() - start
    plot1_s = marks.get("plot0", time.perf_counter()) - start
    n = emb["n"]
    step = max(1, n // n_select)
    ids = list(range(0, n, step))[:n_select]
    start = time.perf_counter()
    _call(
        f"{base}/api/experiments/{exp_id}/iterations",
        {"parent": 0, "selected_ids": ids, "selection": {"method": "manual"}},
    )
    _wait_done(base, exp_id, on_projected=lambda: plot(1))
    _call(f"{base}/api/experiments/{exp_id}/iterations/1/embedding")
    _call(f"{base}/api/experiments/{exp_id}/iterations/1/metrics")
    submit_s = time.perf_counter() - start
    plots23_s = marks.get("plot1", time.perf_counter()) - start
    it0 = exp["iterations"][0]
    row = {
        "dataset": dataset,
        "model": model,
        "n": n,
        "train_to_plot_s": round(plot1_s, 2),
        "train_to_metrics_s": round(train_s, 2),
        "train_epochs": it0["epochs"],
        "train_seconds_in_loop": round(it0["train_seconds"], 2),
        "metric_seconds": round(it0["metric_seconds"], 2),
        "submit_n_selected": len(ids),
        "submit_to_plots_s": round(plots23_s, 2),
        "submit_to_metrics_s": round(submit_s, 2),
        "trustworthiness": round(it0["metrics"]["all"]["trustworthiness"], 4),
        "reconstruction_error": round(it0["metrics"]["all"]["reconstruction_error"], 5),
    }
    for key, field in (("train", "train_to_plot_s"), ("submit", "submit_to_plots_s")):
        orig = ORIGINAL_S.get((dataset, key, model)) or ORIGINAL_S.get((dataset, key))
        if orig is not None:
            row[f"original_{key}_s"] = orig
            row[f"ratio_original_over_ours_{key}"] = round(orig / row[field], 2)
    return row


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    info = machine(args.threads, args.device)
    server, base = start_benchmark_server("api", args)
    try:
        cases = [("iris", "ae", 150), ("wine_quality", "ae", 1000), ("wine_quality", "vae", 1000)]
        if not args.quick:
            cases += [("air_quality", "ae", 1000), ("mnist", "ae", 950), ("mnist", "vae", 950)]
            cases += [("fashion_mnist", "ae", 950), ("fashion_mnist", "vae", 950)]
        rows = []
        for dataset, model, n_select in cases:
            row = run_case(base, dataset, model, n_select)
            rows.append(row)
            print(
                f"{dataset:>13} {model:>4}: train->plot {row['train_to_plot_s']:.2f}s, "
                f"->metrics {row['train_to_metrics_s']:.2f}s; submit({row['submit_n_selected']})"
                f"->plots {row['submit_to_plots_s']:.2f}s, ->metrics {row['submit_to_metrics_s']:.2f}s",
                flush=True,
            )
    finally:
        stop_server(server)
    emit("bench_api", {"machine": info, "results": rows}, args.json)


if __name__ == "__main__":
    main()
