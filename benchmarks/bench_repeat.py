"""Ten repetitions of a Submit as one "x 10" job against ten single Submits, through the API.

Starts ``latent-explorer serve`` (torch threads: ``--threads``, 1 by default) on a free loopback
port, trains an MNIST AE on the 10,000 test images, then, in the same run and from the same
iteration 0, on the same selection (every class but 6 and 8):

- **singles**: ten Submits in a row, as an analyst clicks them: POST one, follow its events
  until ``done``, POST the next from the new iteration;
- **repeat**: one POST with ``repeat: 10``, followed until ``done``.

Both end with every repetition stored and measured. Reported: wall time of each, the ratio
singles / repeat, the time until the last repetition's plot could be drawn, and the forgetting
the repeat measured (class 6 and 8 against the selected classes).

    python benchmarks/bench_repeat.py [--threads 1] [--repeat 10] [--quick]
"""

from __future__ import annotations

import json
import time
import urllib.request

from common import emit, machine, parser, start_benchmark_server

from tests.local_server import stop_server

LEFT_OUT = ("6", "8")


def _call(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=900) as r:
        return json.load(r)


def _follow(base: str, exp_id: str) -> dict[str, float]:
    """Follow the job's events until it ends; the times of its events, by name (last one)."""
    marks: dict[str, float] = {}
    with urllib.request.urlopen(f"{base}/api/experiments/{exp_id}/events", timeout=1800) as r:
        for raw in r:
            line = raw.decode().strip()
            if line.startswith("event: "):
                name = line[len("event: ") :]
                marks[name] = time.perf_counter()
                if name in ("done", "idle"):
                    return marks
                if name in ("error", "cancelled"):
                    raise RuntimeError(f"job ended with {line}")
    return marks


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--repeat", type=int, default=10)
    p.set_defaults(threads=1)
    args = p.parse_args()
    n_rep = 3 if args.quick else args.repeat
    info = machine(args.threads, args.device)
    server, base = start_benchmark_server("repeat", args)
    try:
        exp_id = _call(f"{base}/api/experiments", {"dataset": "mnist", "model": "ae"})["id"]
        _follow(base, exp_id)
        labels = _call(f"{base}/api/experiments/{exp_id}/iterations/0/embedding?fields=labels")
        exp = _call(f"{base}/api/experiments/{exp_id}")
        names = exp["dataset"]["class_names"]
        ids = [i for i, c in enumerate(labels["labels"]) if names[c] not in LEFT_OUT]
        body = {"selected_ids": ids, "selection": {"method": "class", "params": {}}}

        start = time.perf_counter()
        parent = 0
        last_plot = start
        for _ in range(n_rep):
            answer = _call(
                f"{base}/api/experiments/{exp_id}/iterations", {**body, "parent": parent}
            )
            marks = _follow(base, exp_id)
            last_plot = marks.get("projected", last_plot)
            parent = answer["iteration"] if "iteration" in answer else parent + 1
        singles_s = time.perf_counter() - start
        singles_plot_s = last_plot - start
        print(f"{n_rep} single Submits: {singles_s:.1f}s (last plot at {singles_plot_s:.1f}s)")

        start = time.perf_counter()
        _call(f"{base}/api/experiments/{exp_id}/iterations", {**body, "parent": 0, "repeat": n_rep})
        marks = _follow(base, exp_id)
        repeat_s = time.perf_counter() - start
        repeat_plot_s = marks.get("projected", marks["done"]) - start
        print(f"one x{n_rep} Submit: {repeat_s:.1f}s (last plot at {repeat_plot_s:.1f}s)")

        exp = _call(f"{base}/api/experiments/{exp_id}")
        last = len(exp["iterations"]) - 1
        report = _call(f"{base}/api/experiments/{exp_id}/iterations/{last}/forgetting")
        changes = {c["name"]: round(c["change"]["relative"], 3) for c in report["classes"]}
        print("change per class after the repeat:", changes)
    finally:
        stop_server(server)
    emit(
        "bench_repeat",
        {
            "machine": info,
            "results": {
                "dataset": "mnist",
                "n": len(labels["labels"]),
                "n_selected": len(ids),
                "repetitions": n_rep,
                "singles_s": round(singles_s, 2),
                "repeat_s": round(repeat_s, 2),
                "ratio_singles_over_repeat": round(singles_s / repeat_s, 3),
                "singles_last_plot_s": round(singles_plot_s, 2),
                "repeat_last_plot_s": round(repeat_plot_s, 2),
                "relative_change_per_class": changes,
            },
        },
        args.json,
    )


if __name__ == "__main__":
    main()
