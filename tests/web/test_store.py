"""Persistence: experiments survive a new app on the same state folder; list and delete."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
import torch

from latent_explorer.core.datasets import load_dataset
from latent_explorer.runtime.jobs import Job
from latent_explorer.store import Store, StoreError
from latent_explorer.store.migrations import LATEST as SCHEMA_VERSION
from latent_explorer.web import create_app
from tests.web.conftest import wait_for_job


def error_of(response):
    body = response.get_json()
    assert set(body) == {"error"}, body
    return body["error"]


def new_app(app):
    """A second app on the same folders: what a server restart sees."""
    keys = ("DATA_DIR", "DEVICE", "STATE_DIR")
    return create_app({k: app.config[k] for k in keys})


def registry(app):
    return app.extensions["latent_explorer.sessions"]


def train(app, client, *, dataset="iris", epochs=20):
    r = client.post(
        "/api/experiments", json={"dataset": dataset, "model": "ae", "config": {"epochs": epochs}}
    )
    assert r.status_code == 202, r.get_json()
    exp_id = r.get_json()["id"]
    assert wait_for_job(app, exp_id).state == "done"
    return exp_id


def submit(app, client, exp_id, *, parent, ids, epochs=5, method="class", params=None):
    r = client.post(
        f"/api/experiments/{exp_id}/iterations",
        json={
            "parent": parent,
            "selected_ids": ids,
            "selection": {"method": method, "params": params or {"classes": [0]}},
            "mode": "finetune",
            "epochs": epochs,
        },
    )
    assert r.status_code == 202, r.get_json()
    assert wait_for_job(app, exp_id).state == "done"
    return r.get_json()["iteration"]


def snapshot(client, exp_id):
    body = client.get(f"/api/experiments/{exp_id}").get_json()
    n = len(body["iterations"])
    return {
        "experiment": {k: body[k] for k in ("id", "created_at", "model", "config", "iterations")},
        "status": body["status"],
        "embeddings": [
            client.get(f"/api/experiments/{exp_id}/iterations/{k}/embedding").get_json()
            for k in range(n)
        ],
        "metrics": [
            client.get(f"/api/experiments/{exp_id}/iterations/{k}/metrics").get_json()
            for k in range(n)
        ],
    }


def test_round_trip_through_a_new_app(app, client):
    exp_id = train(app, client)
    assert submit(app, client, exp_id, parent=0, ids=list(range(50))) == 1
    before = snapshot(client, exp_id)
    old = registry(app).get(exp_id).experiment

    app2 = new_app(app)
    client2 = app2.test_client()
    after = snapshot(client2, exp_id)
    assert after == before
    assert after["status"] == "ready" and len(after["experiment"]["iterations"]) == 2
    assert after["embeddings"][1]["selected"] == list(range(50))
    assert after["experiment"]["iterations"][1]["selection"] == {
        "method": "class",
        "params": {"classes": [0]},
    }

    restored = registry(app2).get(exp_id).experiment
    assert restored is not old
    for a, b in zip(old.iterations, restored.iterations, strict=True):
        assert a.coords.dtype == b.coords.dtype and np.array_equal(a.coords, b.coords)
        assert a.per_point.keys() == b.per_point.keys()
        for key in a.per_point:
            assert np.array_equal(a.per_point[key], b.per_point[key]), key
        sa, sb = a.model.state_dict(), b.model.state_dict()
        assert sa.keys() == sb.keys()
        assert all(torch.equal(sa[k].cpu(), sb[k].cpu()) for k in sa)
        assert a.losses == b.losses and a.created_at == b.created_at
    assert np.array_equal(old.metric_sample, restored.metric_sample)

    # Submit again from iteration 0 of the restored experiment.
    assert submit(app2, client2, exp_id, parent=0, ids=list(range(50, 100)), epochs=3) == 2
    body = client2.get(f"/api/experiments/{exp_id}").get_json()
    assert [it["parent"] for it in body["iterations"]] == [None, 0, 0]
    assert body["iterations"][2]["measured"] is True
    # ... and that too is stored: a third app sees all three iterations.
    third = snapshot(new_app(app).test_client(), exp_id)
    assert third["experiment"]["iterations"] == body["iterations"]


def test_restore_uses_the_registry_dataset_loader(app, client):
    exp_id = train(app, client)
    app2 = new_app(app)
    asked = []

    def loader(name):
        asked.append(name)
        return load_dataset(name)

    registry(app2).load_dataset = loader
    assert app2.test_client().get(f"/api/experiments/{exp_id}").status_code == 200
    assert asked == ["iris"]

    app3 = new_app(app)

    def broken(name):
        raise FileNotFoundError(f"{name}.csv is gone")

    registry(app3).load_dataset = broken
    r = app3.test_client().get(f"/api/experiments/{exp_id}")
    assert r.status_code == 409 and error_of(r)["code"] == "dataset_unavailable"
    assert "iris.csv is gone" in error_of(r)["message"]
    # Listing and deleting need no dataset.
    listed = app3.test_client().get("/api/experiments").get_json()["experiments"]
    assert [e["id"] for e in listed] == [exp_id]
    assert app3.test_client().delete(f"/api/experiments/{exp_id}").get_json() == {"deleted": True}


def test_list_recent_first_and_limit(app, client):
    first = train(app, client, epochs=5)
    second = train(app, client, dataset="digits", epochs=1)
    body = client.get("/api/experiments").get_json()
    assert [e["id"] for e in body["experiments"]] == [second, first]
    latest = body["experiments"][0]
    assert latest == {
        "id": second,
        "dataset": "digits",
        "dataset_title": "Digits (8x8)",
        "model": "ae",
        "created_at": latest["created_at"],
        "updated_at": latest["updated_at"],
        "n_iterations": 1,
        "status": "ready",
    }
    assert latest["updated_at"] >= latest["created_at"]
    # Working on an older experiment moves it to the top.
    submit(app, client, first, parent=0, ids=[0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    body = client.get("/api/experiments?limit=1").get_json()
    assert [(e["id"], e["n_iterations"]) for e in body["experiments"]] == [(first, 2)]
    for bad in ("0", "201", "x", "-1", "1.5"):
        r = client.get(f"/api/experiments?limit={bad}")
        assert r.status_code == 400 and error_of(r)["code"] == "bad_limit"
    # A new app lists them too, before restoring anything.
    listed = new_app(app).test_client().get("/api/experiments").get_json()["experiments"]
    assert {e["id"] for e in listed} == {first, second}


def test_delete_removes_rows_and_folder(app, client):
    exp_id = train(app, client)
    submit(app, client, exp_id, parent=0, ids=list(range(10)))
    store = registry(app).store
    folder = store.folder(exp_id)
    assert (folder / "iter_1" / "model.pt").is_file()

    # Not while a job runs.
    r = client.post(
        f"/api/experiments/{exp_id}/iterations", json={"selected_ids": [1, 2], "epochs": 10_000}
    )
    assert r.status_code == 202
    r = client.delete(f"/api/experiments/{exp_id}")
    assert r.status_code == 409 and error_of(r)["code"] == "job_running"
    assert "cancel" in error_of(r)["message"]
    client.delete(f"/api/experiments/{exp_id}/job")
    assert wait_for_job(app, exp_id).state == "cancelled"

    assert client.delete(f"/api/experiments/{exp_id}").get_json() == {"deleted": True}
    assert not folder.exists()
    assert store.experiment(exp_id) is None and store.iteration_rows(exp_id) == []
    assert client.get("/api/experiments").get_json() == {"experiments": []}
    r = client.get(f"/api/experiments/{exp_id}")
    assert r.status_code == 404 and error_of(r)["code"] == "experiment_not_found"
    assert client.delete(f"/api/experiments/{exp_id}").status_code == 404
    r = client.delete("/api/experiments/not-an-id")
    assert r.status_code == 400 and error_of(r)["code"] == "bad_experiment_id"
    # Gone for a new app as well.
    assert new_app(app).test_client().get(f"/api/experiments/{exp_id}").status_code == 404


def test_interrupted_jobs_are_marked_on_startup(app, client):
    """What a crash leaves (running job rows) as seen by the next app; see test_restart for a
    real SIGKILL."""
    done = train(app, client)
    store = registry(app).store
    # A retrain of `done` and the first training of `fresh` were running when "the server died".
    job = store.create_job(Job(experiment_id=done, kind="train", iteration=1))
    assert store.claim_job(job.id, worker="gone") is not None
    fresh = train(app, client, epochs=5)
    with sqlite3.connect(store.path) as conn:
        conn.execute("DELETE FROM iterations WHERE experiment_id = ?", (fresh,))
        conn.execute("UPDATE jobs SET state = 'running' WHERE experiment_id = ?", (fresh,))

    app2 = new_app(app)
    client2 = app2.test_client()
    assert sorted(registry(app2).interrupted) == sorted([done, fresh])
    body = client2.get(f"/api/experiments/{done}").get_json()
    assert body["status"] == "ready" and len(body["iterations"]) == 1
    assert body["last_job"]["state"] == "interrupted"
    assert (body["last_job"]["kind"], body["last_job"]["iteration"]) == ("train", 1)
    body = client2.get(f"/api/experiments/{fresh}").get_json()
    assert body["status"] == "interrupted" and body["iterations"] == []
    assert "stopped" in body["error"]
    statuses = {
        e["id"]: e["status"] for e in client2.get("/api/experiments").get_json()["experiments"]
    }
    assert statuses == {done: "ready", fresh: "interrupted"}
    # The interrupted experiment's earlier iteration is usable.
    assert submit(app2, client2, done, parent=0, ids=list(range(20)), epochs=2) == 1
    body = client2.get(f"/api/experiments/{done}").get_json()
    assert body["last_job"]["state"] == "done" and len(body["iterations"]) == 2
    assert job  # the stale row stays as history


def test_projected_but_unmeasured_iteration_is_measured_on_restore(app, client):
    exp_id = train(app, client)
    submit(app, client, exp_id, parent=0, ids=list(range(50)))
    before = snapshot(client, exp_id)
    store = registry(app).store
    # As if the server died after saving iteration 1's coordinates, before its metrics. It is
    # gone: its workers must not take the new server's jobs with their stale experiments.
    registry(app).close()
    with sqlite3.connect(store.path) as conn:
        conn.execute(
            "UPDATE iterations SET metrics = NULL, parent_metrics = NULL "
            "WHERE experiment_id = ? AND idx = 1",
            (exp_id,),
        )

    app2 = new_app(app)
    client2 = app2.test_client()
    body = client2.get(f"/api/experiments/{exp_id}").get_json()
    if body["status"] == "measuring":  # still measuring in the background
        assert body["job"]["kind"] == "measure" and body["job"]["iteration"] == 1
    assert wait_for_job(app2, exp_id).state == "done"
    after = snapshot(client2, exp_id)
    assert after["embeddings"] == before["embeddings"]
    m_before, m_after = before["metrics"][1], after["metrics"][1]
    assert m_after["measured"] is True
    for group in ("all", "selected", "rest"):
        for key, value in m_before["metrics"][group].items():
            assert m_after["metrics"][group][key] == pytest.approx(value, rel=1e-9), (group, key)
    # The measurement was stored.
    rows = store.iteration_rows(exp_id)
    assert json.loads(rows[1]["metrics"]) == m_after["metrics"]


def test_newer_schema_is_refused(tmp_path):
    store = Store(tmp_path / "state")
    store.close()
    with sqlite3.connect(tmp_path / "state" / "store.sqlite") as conn:
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match="newer"):
        Store(tmp_path / "state")


def test_store_paths_come_from_validated_ids(tmp_path):
    store = Store(tmp_path / "state")
    assert store.folder("a" * 32) == tmp_path / "state" / "experiments" / ("a" * 32)
    for bad in ("../etc", "A" * 32, "a" * 31, "", "a" * 31 + "/"):
        with pytest.raises(ValueError):
            store.folder(bad)
    with pytest.raises(ValueError):
        store.checkpoint_path("a" * 32, -1)
    assert store.list_experiments() == []
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
