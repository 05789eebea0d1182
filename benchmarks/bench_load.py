"""Page traffic against training (issue 16), through the real server (waitress + workers).

MNIST 10k VAE: the train job's wall time (its row's started_at -> finished_at) with nobody
watching, then the same training with 40 clients polling GET /api/experiments/<id> and 10
following its event stream for its whole duration. Reports the ratio (goal: 1.2 or less),
the polls' p50/p95 latency (goal: p95 under 100 ms) and errors (goal: 0).

Two kinds of poller, each run against its own training:
- "paced": each poller asks every ``--interval`` seconds (default 1 s, a status page or a
  script watching a job; the page itself follows the event stream and does not poll), from a
  random phase. The goals apply here.
- "closed_loop": each poller asks again the moment it has its answer (a stress test). With
  40 client threads sharing the machine's cores with the server and the training, a poll's
  latency is mostly time spent queued, in the server or in the clients' own interpreter.

    python benchmarks/bench_load.py [--pollers 40] [--streams 10] [--interval 1.0] [--json out.json]
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from common import default_data_dir, emit, machine, parser
from http_jobs import call

from tests.local_server import start_server, stop_server

BODY = {"dataset": "mnist", "model": "vae"}


def _train_seconds(base: str, exp_id: str) -> float:
    """Wait for the train job; its duration from its row."""
    while True:
        body = call(f"{base}/api/experiments/{exp_id}")[1]
        train = [j for j in body["jobs"] if j["kind"] == "train"]
        if not train and body["iterations"]:
            break
        time.sleep(0.1)
    job_id = body["last_job"]["params"].get("after") or body["last_job"]["id"]
    job = call(f"{base}/api/jobs/{job_id}")[1]
    return (
        datetime.fromisoformat(job["finished_at"]) - datetime.fromisoformat(job["started_at"])
    ).total_seconds()


def _wait_idle(base: str, exp_id: str) -> None:
    while call(f"{base}/api/experiments/{exp_id}")[1]["jobs"]:
        time.sleep(0.2)


def run(base: str, pollers: int, streams: int, interval: float) -> dict:
    # Alone: nobody polls or watches.
    status, answer = call(f"{base}/api/experiments", BODY)
    assert status == 202, answer
    alone = _train_seconds(base, answer["id"])
    _wait_idle(base, answer["id"])
    out: dict = {"train_alone_s": round(alone, 2)}
    for name, every in (("paced", interval), ("closed_loop", 0.0)):
        out[name] = _loaded(base, pollers, streams, every, alone)
    out["goals"] = "paced: ratio <= 1.2, p95 < 100 ms, 0 errors"
    return out


def _loaded(base: str, pollers: int, streams: int, interval: float, alone: float) -> dict:
    """The same training with the clients running from before it starts to its end."""
    stop = threading.Event()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    status, answer = call(f"{base}/api/experiments", BODY)
    assert status == 202, answer
    exp_id = answer["id"]
    url = f"{base}/api/experiments/{exp_id}"

    def poll(phase: float) -> None:
        stop.wait(phase)
        while not stop.is_set():
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=30) as r:
                    r.read()
                    ok, why = r.status == 200, f"HTTP {r.status}"
            except Exception as exc:  # noqa: BLE001 - every failure is counted
                ok, why = False, repr(exc)
            took = time.perf_counter() - start
            with lock:
                latencies.append(took)
                if not ok:
                    errors.append(why)
            if interval > 0:
                stop.wait(max(0.0, interval - took))

    def watch() -> None:
        while not stop.is_set():
            try:
                with urllib.request.urlopen(url + "/events", timeout=60) as r:
                    for _ in r:
                        if stop.is_set():
                            return
            except Exception as exc:  # noqa: BLE001
                with lock:
                    errors.append(f"stream: {exc!r}")
                time.sleep(0.5)

    phases = random.Random(0)
    threads = [
        threading.Thread(target=poll, args=(phases.uniform(0, interval),), daemon=True)
        for _ in range(pollers)
    ]
    threads += [threading.Thread(target=watch, daemon=True) for _ in range(streams)]
    for t in threads:
        t.start()
    loaded = _train_seconds(base, exp_id)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    _wait_idle(base, exp_id)
    lat = sorted(latencies)

    def pct(p: float) -> float:
        return round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else float("nan")

    return {
        "poll_interval_s": interval,
        "train_loaded_s": round(loaded, 2),
        "ratio_loaded_over_alone": round(loaded / alone, 3),
        "polls": len(lat),
        "polls_per_s": round(len(lat) / loaded, 1),
        "poll_p50_ms": pct(0.50),
        "poll_p95_ms": pct(0.95),
        "errors": len(errors),
        "first_errors": errors[:3],
        "pollers": pollers,
        "streams": streams,
    }


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--pollers", type=int, default=40)
    p.add_argument("--streams", type=int, default=10)
    p.add_argument("--interval", type=float, default=1.0, help="seconds between a paced poll")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_server(
            data_dir=default_data_dir(), state_dir=Path(tmp) / "state",
            log_path=Path(tmp) / "server.log", threads=1, device=args.device,
        )  # fmt: skip
        try:
            result = {
                "machine": machine(1, args.device),
                **run(base, args.pollers, args.streams, args.interval),
            }
        finally:
            stop_server(proc)
    emit("load", result, args.json)


if __name__ == "__main__":
    main()
