"""The analyst's loop under the job runtime (issue 10), through the real server.

Fashion-MNIST 70k (1 torch thread): after the plots of a Submit arrive, how soon is the next
Submit accepted (goal: within 10 s), against what the old one-thread-per-experiment runtime
made the analyst wait (plots -> exact metrics stored, measured in the same run); how fast a
running measure job is cancelled (goal: 2 s). MNIST 10k: three Submits in a row, each timed
from its POST until its plots are stored and the next Submit is accepted (goal: 3 s each).

    python benchmarks/bench_loop.py [--quick] [--json out.json]
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from common import default_data_dir, emit, machine, parser
from http_jobs import Follower, call

from tests.local_server import start_server, stop_server

FASHION_DIR = "/usr/share/datasets"  # Debian's dataset-fashion-mnist: <dir>/fashion-mnist/


def _projected(k):  # type: ignore[no-untyped-def]
    return lambda name, d: name == "projected" and d["iteration"] == k


def _exact(k):  # type: ignore[no-untyped-def]
    return lambda name, d: name == "measured" and d["iteration"] == k and not d["sampled"]


def _submit(base: str, exp_id: str, parent: int, n: int, seed: int) -> tuple[float, dict]:
    import random

    ids = sorted(random.Random(seed).sample(range(n), 1_000))
    start = time.perf_counter()
    status, body = call(
        f"{base}/api/experiments/{exp_id}/iterations",
        {"parent": parent, "selected_ids": ids, "selection": {"method": "random"}},
    )
    if status != 202:
        raise RuntimeError(f"Submit refused: {status} {body}")
    return start, body


def fashion(base: str) -> dict:
    status, answer = call(f"{base}/api/experiments", {"dataset": "fashion_mnist", "model": "ae"})
    assert status == 202, answer
    exp_id = answer["id"]
    events = Follower(base, exp_id, answer["events_after"])
    t_plots0 = events.wait(_projected(0))
    # The next Submit, sent the moment plot 0 is stored.
    t_post, sub = _submit(base, exp_id, 0, 70_000, seed=1)
    accepted_after_plots = time.perf_counter() - t_plots0
    t_plots1 = events.wait(_projected(1))
    t_post2, _ = _submit(base, exp_id, 1, 70_000, seed=2)
    accepted2 = time.perf_counter() - t_plots1
    # What the old runtime locked: from plots until the exact metrics of iteration 0.
    t_exact0 = events.wait(_exact(0), timeout=3600)
    events.wait(_projected(2))
    # Cancel a running measure job (iteration 2's, or whichever runs) and time it.
    measure = None
    deadline = time.monotonic() + 600
    while measure is None and time.monotonic() < deadline:
        jobs = call(f"{base}/api/experiments/{exp_id}")[1]["jobs"]
        measure = next((j for j in jobs if j["kind"] == "measure" and j["state"] == "running"),
                       None)  # fmt: skip
        time.sleep(0.05)
    cancel_s = None
    if measure is not None:
        start = time.perf_counter()
        call(f"{base}/api/jobs/{measure['id']}", method="DELETE")
        while call(f"{base}/api/jobs/{measure['id']}")[1]["state"] == "running":
            time.sleep(0.02)
        cancel_s = time.perf_counter() - start
    return {
        "plots0_s": round(t_plots0 - events.events[0][0], 2) if events.events else None,
        "submit_accepted_after_plots_s": [round(accepted_after_plots, 3), round(accepted2, 3)],
        "submit_to_plots_s": round(t_plots1 - t_post, 2),
        "old_runtime_lock_after_plots_s": round(t_exact0 - t_plots0, 2),
        "ratio_old_wait_over_new_wait": round(
            (t_exact0 - t_plots0) / max(accepted_after_plots, 1e-3), 1
        ),
        "measure_cancel_s": round(cancel_s, 3) if cancel_s is not None else None,
        "goal": "next Submit accepted within 10 s of the plots; measure cancel within 2 s",
        "_post2": round(t_post2 - t_plots1, 3),
    }


def mnist(base: str) -> dict:
    status, answer = call(f"{base}/api/experiments", {"dataset": "mnist", "model": "ae"})
    assert status == 202, answer
    exp_id = answer["id"]
    events = Follower(base, exp_id, answer["events_after"])
    events.wait(_projected(0))
    loops = []
    t_plots = 0.0
    for k in range(1, 4):
        t_post, _ = _submit(base, exp_id, k - 1, 10_000, seed=k)
        t_plots = events.wait(_projected(k))
        loops.append(round(t_plots - t_post, 2))  # the next Submit is possible now
    t_exact = events.wait(_exact(3), timeout=3600)
    return {
        "submit_until_next_possible_s": loops,
        "last_metrics_after_last_plots_s": round(t_exact - t_plots, 2),
        "goal": "each under 3 s",
    }


def main() -> None:
    args = parser(__doc__.splitlines()[0]).parse_args()
    data = os.pathsep.join([default_data_dir(), FASHION_DIR])
    result = {"machine": machine(1, args.device)}
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_server(
            data_dir=data, state_dir=Path(tmp) / "state", log_path=Path(tmp) / "server.log",
            threads=1, device=args.device,
        )  # fmt: skip
        try:
            result["mnist_10k"] = mnist(base)
            if not args.quick:
                result["fashion_mnist_70k"] = fashion(base)
        finally:
            stop_server(proc)
    emit("loop", result, args.json)


if __name__ == "__main__":
    main()
