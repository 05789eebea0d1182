"""The runtime's contract: what any job backend must do, checked through the HTTP API.

Jobs are real (PyTorch training, exact metrics) on real data files; workers are real
processes, killed with real signals.
"""

from __future__ import annotations

import os
import signal

import pytest

from .conftest import events, job_state, registry, wait_until

IRIS = {"dataset": "iris", "model": "ae", "config": {"epochs": 20}}
LONG = {"dataset": "iris", "model": "ae", "config": {"epochs": 20_000}}  # 100,000 steps


def _create(client, body=IRIS):
    r = client.post("/api/experiments", json=body)
    assert r.status_code == 202, r.get_json()
    return r.get_json()


def _wait(app, exp_id):
    job = registry(app).wait(exp_id, timeout=300)
    assert job is not None
    return job


def _progress_seen(client, exp_id, job_id):
    def seen():
        job = client.get(f"/api/jobs/{job_id}").get_json()
        return job["state"] == "running" and (job["progress"] or {}).get("epoch", 0) >= 1

    wait_until(seen)


def test_submit_runs_train_then_measure_in_order(app, client):
    answer = _create(client)
    exp_id, train_id = answer["id"], answer["job"]["id"]
    assert answer["job"]["kind"] == "train" and answer["job"]["state"] == "queued"
    assert _wait(app, exp_id).state == "done"
    got = events(client, exp_id, after=answer["events_after"])
    names = [n for _, n, _ in got]
    train = [d for _, n, d in got if d.get("job_id") == train_id]
    assert [d["epoch"] for _, n, d in got if n == "progress" and d["kind"] == "train"] == list(
        range(1, 21)
    )
    assert names[0] == "queued" and names[1] == "started" and names[-1] == "idle"
    assert names.index("projected") < names.index("trained") < names.index("measured")
    assert names[-2] == "done" and all(d["job_id"] == train_id for d in train)
    measure_id = next(d["job_id"] for _, n, d in got if n == "queued" and d["kind"] == "measure")
    assert job_state(client, train_id) == "done" and job_state(client, measure_id) == "done"
    body = client.get(f"/api/experiments/{exp_id}").get_json()
    assert body["status"] == "ready" and body["iterations"][0]["measured"]
    assert body["job"] is None and body["last_job"]["id"] == measure_id


def test_reconnect_replays_exactly_what_followed(app, client):
    answer = _create(client)
    _wait(app, answer["id"])
    everything = events(client, answer["id"])
    middle = everything[len(everything) // 2][0]
    assert events(client, answer["id"], after=middle) == [
        e for e in everything if e[0] > middle or e[1] == "idle"
    ]
    # A Last-Event-ID beyond the last id (a browser that saw an earlier server process) is
    # clamped to the end: nothing old is replayed as new.
    assert [n for _, n, _ in events(client, answer["id"], after=10**9)] == ["idle"]


def test_cancel_mid_train_stops_that_job_only(app, client):
    answer = _create(client, LONG)
    exp_id, job_id = answer["id"], answer["job"]["id"]
    _progress_seen(client, exp_id, job_id)
    r = client.delete(f"/api/jobs/{job_id}")
    assert r.status_code == 200 and r.get_json()["cancelled"] is True
    assert _wait(app, exp_id).state == "cancelled"
    body = client.get(f"/api/experiments/{exp_id}").get_json()
    assert body["status"] == "cancelled" and body["iterations"] == []
    # A stale cancel (the job ended) is refused and stops nothing.
    again = client.delete(f"/api/jobs/{job_id}")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "job_finished"
    assert client.delete(f"/api/jobs/{'0' * 32}").status_code == 404


def test_submit_while_measuring_and_cancel_mid_measure(app, client):
    # MNIST 10k: exact metrics take seconds, so the measure job is caught running.
    answer = _create(client, {"dataset": "mnist", "model": "ae", "config": {"epochs": 1}})
    exp_id = answer["id"]

    def measuring():
        jobs = client.get(f"/api/experiments/{exp_id}").get_json()["jobs"]
        return next((j for j in jobs if j["kind"] == "measure" and j["state"] == "running"), None)

    measure = wait_until(measuring, timeout=300, every=0.02)
    # Submit is accepted as soon as the parent's coordinates exist.
    sub = client.post(
        f"/api/experiments/{exp_id}/iterations",
        json={"parent": 0, "selected_ids": list(range(200)), "epochs": 1},
    )
    assert sub.status_code == 202, sub.get_json()
    submit_job = sub.get_json()["job"]
    # Cancelling the measure job leaves the new train job alone.
    assert client.delete(f"/api/jobs/{measure['id']}").status_code == 200
    wait_until(lambda: job_state(client, measure["id"]) == "cancelled", timeout=120)
    assert job_state(client, submit_job["id"]) in ("queued", "running", "done")
    _wait(app, exp_id)
    assert job_state(client, submit_job["id"]) == "done"
    body = client.get(f"/api/experiments/{exp_id}").get_json()
    assert [it["index"] for it in body["iterations"]] == [0, 1]
    # Iteration 1's measure job measured its parent too (whose own job was cancelled).
    assert body["status"] == "ready" and all(it["measured"] for it in body["iterations"])
    names = [n for _, n, d in events(client, exp_id) if d.get("job_id") == measure["id"]]
    assert names[-1] == "cancelled"


def test_limits_refuse_with_the_limit_and_value(app, client):
    cases = [
        # iris at batch 1 for 100,000 epochs: 15 million steps, about 16 hours.
        ({"epochs": 100_000, "batch_size": 1}, "optimiser steps", "(15,000,000)"),
        ({"batch_size": 151}, "batch_size", "(151)"),
        ({"hidden": [4096, 4096, 4096]}, "parameter count", "(67,"),
    ]
    for config, limit, value in cases:
        r = client.post("/api/experiments", json={"dataset": "iris", "config": config})
        assert r.status_code == 422, r.get_json()
        error = r.get_json()["error"]
        assert error["code"] == "limit_exceeded"
        assert limit in error["message"] and value in error["message"], error
    assert client.get("/api/experiments?limit=5").status_code == 200  # still serving


def test_queue_limit_answers_429(make_app):
    app = make_app(MAX_QUEUED=1, MAX_WORKERS=1)
    client = app.test_client()
    first = _create(client, LONG)
    wait_until(lambda: job_state(client, first["job"]["id"]) == "running")
    second = _create(client, LONG)  # waits: one worker
    assert second["job"]["state"] == "queued"
    third = client.post("/api/experiments", json=LONG)
    assert third.status_code == 429 and "queued jobs" in third.get_json()["error"]["message"]
    assert int(third.headers["Retry-After"]) > 0
    status = client.get(f"/api/experiments/{second['id']}").get_json()
    assert status["job"]["queue_position"] == 1
    for answer in (second, first):
        client.delete(f"/api/jobs/{answer['job']['id']}")
    _wait(app, first["id"])


def test_restart_marks_unfinished_jobs_interrupted(make_app, tmp_path, backend_name):
    if backend_name == "celery":
        pytest.skip("team jobs run on the workers: see test_restart_leaves_team_jobs_running")
    old = make_app(state_dir=tmp_path / "state")
    client = old.test_client()
    ready = _create(client)
    _wait(old, ready["id"])
    busy = _create(client, LONG)
    _progress_seen(client, busy["id"], busy["job"]["id"])
    # A new server on the same state folder: the old one's jobs belong to nobody now.
    new = make_app(state_dir=tmp_path / "state")
    registry(old).close()
    client2 = new.test_client()
    assert registry(new).interrupted == [busy["id"]]
    body = client2.get(f"/api/experiments/{busy['id']}").get_json()
    assert body["status"] == "interrupted" and body["last_job"]["state"] == "interrupted"
    assert client2.get(f"/api/experiments/{ready['id']}").get_json()["status"] == "ready"


def test_restart_leaves_team_jobs_running(make_app, tmp_path, backend_name):
    """With the team backend a web server restart interrupts nothing: the job goes on on its
    worker, and the new server follows and cancels it."""
    if backend_name != "celery":
        pytest.skip("in-process jobs die with their server: see the test above")
    old = make_app(state_dir=tmp_path / "state")
    client = old.test_client()
    busy = _create(client, LONG)
    job_id = busy["job"]["id"]
    _progress_seen(client, busy["id"], job_id)
    registry(old).close()
    new = make_app(state_dir=tmp_path / "state")
    client2 = new.test_client()
    assert registry(new).interrupted == []
    epoch = client2.get(f"/api/jobs/{job_id}").get_json()["progress"]["epoch"]
    wait_until(lambda: client2.get(f"/api/jobs/{job_id}").get_json()["progress"]["epoch"] > epoch)
    assert client2.get(f"/api/experiments/{busy['id']}").get_json()["status"] == "training"
    assert client2.delete(f"/api/jobs/{job_id}").status_code == 200
    assert _wait(new, busy["id"]).state == "cancelled"


def test_worker_killed_reruns_once_then_interrupted(app, client):
    answer = _create(client, {**IRIS, "config": {"epochs": 3_000}})
    exp_id, job_id = answer["id"], answer["job"]["id"]
    backend = registry(app).backend
    for attempt in (1, 2):
        # The first kill puts it back in the queue; the second ends it.
        wait_until(lambda n=attempt: client.get(f"/api/jobs/{job_id}").get_json()["attempts"] == n)
        _progress_seen(client, exp_id, job_id)
        os.kill(backend.worker_pids()[job_id], signal.SIGKILL)
    assert _wait(app, exp_id).state == "interrupted"
    assert client.get("/api/experiments?limit=1").status_code == 200  # the server answers
    names = [n for _, n, d in events(client, exp_id) if d.get("job_id") == job_id]
    assert names.count("requeued") == 1 and names[-1] == "interrupted"
    assert client.get(f"/api/experiments/{exp_id}").get_json()["iterations"] == []


def test_worker_killed_once_gives_one_clean_iteration(app, client):
    answer = _create(client, {**IRIS, "config": {"epochs": 400}})
    exp_id, job_id = answer["id"], answer["job"]["id"]
    _progress_seen(client, exp_id, job_id)
    os.kill(registry(app).backend.worker_pids()[job_id], signal.SIGKILL)
    assert _wait(app, exp_id).state == "done"
    job = client.get(f"/api/jobs/{job_id}").get_json()
    assert job["state"] == "done" and job["attempts"] == 2
    body = client.get(f"/api/experiments/{exp_id}").get_json()
    assert [it["index"] for it in body["iterations"]] == [0] and body["status"] == "ready"
    rows = registry(app).store.iteration_rows(exp_id)
    assert [r["idx"] for r in rows] == [0]


def test_a_repeat_submit_chains_iterations_in_one_job(app, client):
    import numpy as np

    from latent_explorer.core.selection import Selection

    answer = _create(client)
    exp_id = answer["id"]
    _wait(app, exp_id)
    reg = registry(app)
    job = reg.start_retrain(
        reg.get(exp_id), Selection(np.arange(50)), parent=0, mode="finetune", epochs=2, repeat=3
    )
    assert _wait(app, exp_id).state == "done" and job_state(client, job.id) == "done"
    body = client.get(f"/api/experiments/{exp_id}").get_json()
    assert [it["parent"] for it in body["iterations"]] == [None, 0, 1, 2]
    assert all(it["measured"] for it in body["iterations"])
    got = events(client, exp_id)
    reps = {d["repetition"] for _, n, d in got if n == "progress" and d.get("job_id") == job.id}
    assert reps == {1, 2, 3}
    assert [d["iteration"] for _, n, d in got if n == "projected"] == [0, 1, 2, 3]


def test_seeds_run_as_jobs_and_match_the_core(app, client, data_dir):
    """Other seeds are jobs of this backend too; their stored metrics equal the core's."""
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.repeats import Repeats
    from latent_explorer.core.training import TrainConfig

    body = {**IRIS, "config": {"epochs": 6, "patience": 0}, "seeds": 2}
    exp_id = _create(client, body)["id"]
    assert _wait(app, exp_id).state == "done"
    answer = client.get(f"/api/experiments/{exp_id}/iterations/0/seeds").get_json()
    assert (answer["status"], answer["done"], answer["total"]) == ("done", 2, 2)
    config = TrainConfig.from_dict(client.get(f"/api/experiments/{exp_id}").get_json()["config"])
    reps = Repeats(load_dataset("iris", data_dir=data_dir), "ae", seeds=2, config=config,
                   device="cpu").train()  # fmt: skip
    meta = registry(app).store.replica_meta(exp_id, 1, 0)
    assert meta is not None and meta["metrics"] == reps.experiments[1].iterations[0].metrics
