"""Live frames of a training, its held-out error, and "stop now, keep this model", through
the API with real jobs (issue 15: train to convergence, shown live)."""

from __future__ import annotations

import time

import numpy as np

from latent_explorer.core.datasets import load_dataset

from .conftest import replayed_events as _events
from .conftest import wait_for_job


def _wait_for(predicate, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("the condition did not come true in time")


def test_a_training_shows_live_frames_and_stops_keeping_its_model(app, client, data_dir):
    # 2,000 epochs without patience: far longer than the test waits, unless it is stopped.
    r = client.post(
        "/api/experiments",
        json={"dataset": "iris", "model": "ae", "config": {"epochs": 2000, "patience": 0}},
    )
    assert r.status_code == 202, r.get_json()
    exp_id = r.get_json()["id"]
    live = f"/api/experiments/{exp_id}/iterations/0/live"
    frame = _wait_for(lambda: (a := client.get(live)).status_code == 200 and a)
    assert frame.mimetype == "application/octet-stream"
    assert frame.headers["Cache-Control"] == "no-store"
    assert frame.headers["X-Points"] == "150" and frame.headers["X-Epochs"] == "2000"
    assert int(frame.headers["X-Epoch"]) >= 1
    xy = np.frombuffer(frame.get_data(), dtype="<f4")
    assert xy.shape == (300,) and np.isfinite(xy).all()
    # The classes to colour it with are there before any iteration is stored.
    labels = client.get(f"/api/experiments/{exp_id}/labels").get_json()["labels"]
    assert labels == load_dataset("iris", data_dir=data_dir).y.tolist()

    job_id = client.get(f"/api/experiments/{exp_id}").get_json()["job"]["id"]
    r = client.post(f"/api/jobs/{job_id}/stop")
    assert r.status_code == 202 and r.get_json()["stopping"] is True
    assert r.get_json()["job"]["stop_requested"] is True
    assert wait_for_job(app, exp_id).state == "done"  # its measure job: the model was kept
    exp = client.get(f"/api/experiments/{exp_id}").get_json()
    stopped_at = exp["iterations"][0]["epochs"]
    assert 1 <= stopped_at < 2000 and exp["status"] == "ready"
    # The frame is gone with the training; its coordinates are the iteration's now.
    gone = client.get(live)
    assert gone.status_code == 204 and gone.get_data() == b""
    events = _events(client, exp_id)
    names = [name for name, _ in events]
    assert "live" in names and names.index("live") < names.index("projected")
    epochs = [d.epoch for name, d in events if name == "live"]
    assert epochs == sorted(epochs) and epochs[-1] <= stopped_at
    assert all(d.iteration == 0 and d.job_id == job_id for n, d in events if n == "live")
    trained = [d for name, d in events if name == "trained"]
    assert trained and trained[0].state == "done"

    # Stopping a job that ended (or any measure job) is refused by name; nothing changes.
    again = client.post(f"/api/jobs/{job_id}/stop")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_training"
    assert "only a running train job" in again.get_json()["error"]["message"]
    assert client.post(f"/api/jobs/{'f' * 32}/stop").status_code == 404
    assert client.post("/api/jobs/nothex/stop").status_code == 400
    assert client.get(f"/api/experiments/{exp_id}").get_json()["iterations"][0]["epochs"] == (
        stopped_at
    )


def test_training_to_convergence_reports_its_held_out_error(app, client):
    # The defaults train to convergence: progress carries the held-out error and best epoch.
    # 200 epochs of 5 steps: room for a plateau of 600 steps, so 10% of rows are held out.
    r = client.post(
        "/api/experiments", json={"dataset": "iris", "model": "ae", "config": {"epochs": 200}}
    )
    exp_id = r.get_json()["id"]
    assert wait_for_job(app, exp_id).state == "done"
    progress = [d for name, d in _events(client, exp_id) if name == "progress"]
    train = [d for d in progress if d.kind == "train"]
    epochs = client.get(f"/api/experiments/{exp_id}").get_json()["iterations"][0]["epochs"]
    assert [d.epoch for d in train] == list(range(1, epochs + 1))
    assert all(d.held_out > 0 and 1 <= d.best_epoch <= d.epoch for d in train)
    exp = client.get(f"/api/experiments/{exp_id}").get_json()
    assert exp["config"]["patience"] == 10
    missing = client.get(f"/api/experiments/{'0' * 32}/iterations/0/live")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "experiment_not_found"
