"""Load: 50 clients poll a training experiment and fetch a finished one's embedding for 30 s.

The real server (``latent-explorer serve``) runs as a subprocess on a free 127.0.0.1 port with
its own state folder. A digits VAE trains throughout (far more epochs than the window lasts; it
is cancelled at the end) while each client alternates ``GET /api/experiments/<training id>``
and ``GET /api/experiments/<finished id>/iterations/0/embedding`` (1,797 points). Every answer
must be a 200 with the expected body. Requests done, p50 and p99 latency are printed.

``LOAD_SECONDS`` (default 30) and ``LOAD_CLIENTS`` (default 50) change the load.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.local_server import ServerDidNotStart, start_server, stop_server

LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS", "30"))
LOAD_CLIENTS = int(os.environ.get("LOAD_CLIENTS", "50"))
REQUEST_TIMEOUT_S = 30.0


def _call(url: str, method: str = "GET", body: dict | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT_S) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def server(data_dir, tmp_path):
    """``latent-explorer serve`` on 127.0.0.1:<free port>, state in ``tmp_path``."""
    log = tmp_path / "server.log"
    try:
        proc, url = start_server(data_dir=data_dir, state_dir=tmp_path / "state", log_path=log)
    except ServerDidNotStart as exc:
        pytest.fail(str(exc))
    yield url, log
    stop_server(proc)


def _start(url: str, body: dict) -> str:
    status, raw = _call(url + "/api/experiments", "POST", body)
    assert status == 202, raw
    return json.loads(raw)["id"]


def _wait_ready(url: str, exp_id: str, timeout: float = 120) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, raw = _call(f"{url}/api/experiments/{exp_id}")
        body = json.loads(raw)
        if status == 200 and body["status"] == "ready" and body["last_job"]["state"] == "done":
            return body
        assert body.get("status") not in ("failed", "cancelled"), body
        time.sleep(0.2)
    pytest.fail(f"experiment {exp_id} did not finish in {timeout} s")


def _percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * (len(sorted_values) - 1) + 0.5))]


@pytest.mark.slow
def test_fifty_clients_poll_while_training(server, capsys):
    url, log = server
    finished = _start(url, {"dataset": "digits", "model": "ae", "config": {"epochs": 2}})
    _wait_ready(url, finished)
    training = _start(url, {"dataset": "digits", "model": "vae", "config": {"epochs": 15_000}})

    poll_url = f"{url}/api/experiments/{training}"
    embedding_url = f"{url}/api/experiments/{finished}/iterations/0/embedding"
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + LOAD_SECONDS

    def client(index: int) -> None:
        mine: list[float] = []
        turn = index % 2
        while time.monotonic() < stop_at:
            target = embedding_url if turn else poll_url
            turn = 1 - turn
            started = time.perf_counter()
            try:
                status, raw = _call(target)
                body = json.loads(raw)
                ok = status == 200 and (
                    body["n"] == 1797 and len(body["x"]) == 1797
                    if target == embedding_url
                    else body["id"] == training and body["status"] in ("training", "measuring")
                )
                problem = None if ok else f"{target} -> {status} {raw[:200]!r}"
            except Exception as exc:  # noqa: BLE001 - every failure counts as an error
                problem = f"{target} -> {type(exc).__name__}: {exc}"
            mine.append(time.perf_counter() - started)
            if problem is not None:
                with lock:
                    errors.append(problem)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(LOAD_CLIENTS)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=LOAD_SECONDS + REQUEST_TIMEOUT_S + 10)
    elapsed = time.monotonic() - began

    status, raw = _call(poll_url)
    job = json.loads(raw)["job"]
    cancel_status, _ = _call(f"{poll_url}/job", "DELETE")

    latencies.sort()
    n = len(latencies)
    p50 = _percentile(latencies, 0.50) * 1000 if n else float("nan")
    p99 = _percentile(latencies, 0.99) * 1000 if n else float("nan")
    summary = (
        f"load: {LOAD_CLIENTS} clients for {elapsed:.1f} s: {n} requests "
        f"({n / elapsed:.0f}/s), {len(errors)} errors, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"max {latencies[-1] * 1000 if n else float('nan'):.1f} ms; training reached epoch "
        f"{job['epoch']} meanwhile"
    )
    with capsys.disabled():
        print("\n" + summary)

    assert not any(t.is_alive() for t in threads), "a client hung past its deadline"
    assert not errors, (
        f"{summary}\nfirst errors:\n"
        + "\n".join(errors[:10])
        + (f"\nserver log tail:\n{Path(log).read_text()[-3000:]}")
    )
    assert n >= LOAD_CLIENTS, summary
    assert job["state"] == "running" and job["epoch"] >= 1, (summary, job)
    assert cancel_status == 200
