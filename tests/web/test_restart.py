"""A real server process: stop it, or SIGKILL it mid-training, start it again; nothing is lost."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.local_server import ServerDidNotStart, start_server

START_TIMEOUT = 90.0
JOB_TIMEOUT = 120.0


class Server:
    """``latent-explorer serve`` in a subprocess on a free port."""

    def __init__(self, state_dir: Path, data_dir: Path, log: Path) -> None:
        try:
            self.proc, url = start_server(
                data_dir=data_dir, state_dir=state_dir, log_path=log, timeout=START_TIMEOUT
            )
        except ServerDidNotStart as exc:
            raise AssertionError(str(exc)) from None
        self.port = int(url.rsplit(":", 1)[1])

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw, status, ctype = r.read(), r.status, r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            raw, status, ctype = e.read(), e.code, e.headers.get("Content-Type", "")
        return status, (json.loads(raw) if "json" in ctype else None), raw

    def get(self, path: str) -> Any:
        status, body, _ = self.request("GET", path)
        assert status == 200, (path, status, body)
        return body

    def post(self, path: str, body: Any) -> Any:
        status, out, _ = self.request("POST", path, body)
        assert status == 202, (path, status, out)
        return out

    def wait_ready(self, exp_id: str, n_iterations: int) -> dict[str, Any]:
        """Poll until the experiment's job is over and it has ``n_iterations``, all measured."""
        deadline = time.monotonic() + JOB_TIMEOUT
        while time.monotonic() < deadline:
            body = self.get(f"/api/experiments/{exp_id}")
            its = body["iterations"]
            if body["status"] == "ready" and len(its) == n_iterations:
                assert all(it["measured"] for it in its)
                return body
            assert body["status"] in ("training", "measuring"), body
            time.sleep(0.2)
        raise AssertionError(f"experiment {exp_id} not ready in {JOB_TIMEOUT} s")

    def wait_progress(self, exp_id: str) -> None:
        deadline = time.monotonic() + JOB_TIMEOUT
        while time.monotonic() < deadline:
            job = self.get(f"/api/experiments/{exp_id}")["job"]
            if job is not None and job["state"] == "running" and job["epoch"] >= 1:
                return
            time.sleep(0.1)
        raise AssertionError(f"no progress for {exp_id}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=20)


@pytest.fixture
def servers(tmp_path, data_dir):
    """Start servers on one state folder; every one is killed at the end."""
    started: list[Server] = []

    def start() -> Server:
        server = Server(tmp_path / "state", data_dir, tmp_path / "server.log")
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()


def snapshot(server: Server, exp_id: str) -> dict[str, Any]:
    """Everything the page and the downloads show about an experiment."""
    body = server.get(f"/api/experiments/{exp_id}")
    n = len(body["iterations"])
    base = f"/api/experiments/{exp_id}/iterations"
    out: dict[str, Any] = {
        "experiment": {k: body[k] for k in ("id", "created_at", "model", "config", "iterations")},
        "embeddings": [server.get(f"{base}/{k}/embedding") for k in range(n)],
        "metrics": [server.get(f"{base}/{k}/metrics") for k in range(n)],
        "metrics_json": [server.get(f"{base}/{k}/metrics.json") for k in range(n)],
        "selections": [server.get(f"{base}/{k}/selection.json") for k in range(1, n)],
        "checkpoints": [server.request("GET", f"{base}/{k}/checkpoint.pt")[2] for k in range(n)],
    }
    return out


def test_restart_keeps_every_iteration(servers):
    server = servers()
    exp_id = server.post(
        "/api/experiments", {"dataset": "iris", "model": "vae", "config": {"epochs": 20}}
    )["id"]
    server.wait_ready(exp_id, 1)
    server.post(
        f"/api/experiments/{exp_id}/iterations",
        {
            "parent": 0,
            "selected_ids": list(range(50, 100)),
            "selection": {"method": "class", "params": {"classes": [1]}},
            "epochs": 5,
        },
    )
    server.wait_ready(exp_id, 2)
    before = snapshot(server, exp_id)
    server.stop()

    server = servers()
    listed = server.get("/api/experiments")["experiments"]
    assert [(e["id"], e["n_iterations"], e["status"]) for e in listed] == [(exp_id, 2, "ready")]
    after = snapshot(server, exp_id)
    assert after == before
    assert after["selections"][0]["ids"] == list(range(50, 100))
    assert len(after["checkpoints"][1]) > 1000


def test_crash_mid_training_keeps_earlier_iterations(servers):
    server = servers()
    kept = server.post(
        "/api/experiments", {"dataset": "digits", "model": "ae", "config": {"epochs": 2}}
    )["id"]
    server.wait_ready(kept, 1)
    before = snapshot(server, kept)
    # Killed during a long retrain of `kept` and during the first training of `lost`.
    server.post(
        f"/api/experiments/{kept}/iterations",
        {"parent": 0, "selected_ids": list(range(1797)), "epochs": 3000},
    )
    lost = server.post(
        "/api/experiments", {"dataset": "digits", "model": "ae", "config": {"epochs": 3000}}
    )["id"]
    server.wait_progress(kept)
    server.wait_progress(lost)
    server.kill()

    server = servers()
    statuses = {e["id"]: e["status"] for e in server.get("/api/experiments")["experiments"]}
    assert statuses == {kept: "ready", lost: "interrupted"}
    body = server.get(f"/api/experiments/{kept}")
    assert body["status"] == "ready" and body["job"] is None
    assert {k: body["last_job"][k] for k in ("kind", "iteration", "state")} == {
        "kind": "train",
        "iteration": 1,
        "state": "interrupted",
    }
    assert snapshot(server, kept) == before
    body = server.get(f"/api/experiments/{lost}")
    assert body["status"] == "interrupted" and body["iterations"] == []
    assert body["last_job"]["kind"] == "train" and body["last_job"]["state"] == "interrupted"

    # The earlier iteration is usable: Submit again from it.
    server.post(
        f"/api/experiments/{kept}/iterations",
        {"parent": 0, "selected_ids": list(range(100)), "epochs": 2},
    )
    body = server.wait_ready(kept, 2)
    assert body["iterations"][1]["parent"] == 0 and body["last_job"]["state"] == "done"
    assert (
        snapshot(server, kept)["experiment"]["iterations"][0]
        == (before["experiment"]["iterations"][0])
    )
