"""The experiment store on its index and artifacts: SQLite + a folder, PostgreSQL + S3.

Real training on the real iris file (few epochs: the storage is under test here)."""

from __future__ import annotations

import dataclasses
import threading
import uuid

import numpy as np
import pytest
import torch

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.experiment import Experiment
from latent_explorer.core.training import TrainConfig
from latent_explorer.runtime.jobs import PRIORITY, Job
from latent_explorer.store.experiments import Store
from latent_explorer.store.restore import dataset_fingerprint


@pytest.fixture(scope="module")
def iris(data_dir):
    return load_dataset("iris", data_dir=data_dir)


@pytest.fixture
def store(tmp_path, store_urls):
    database, artifacts = store_urls
    s = Store(tmp_path / "state", database=database, artifacts=artifacts)
    yield s
    s.close()


@pytest.fixture(scope="module")
def trained(iris):
    """An iris AE with iteration 0 (measured) and iteration 1 (not yet measured)."""
    exp = Experiment(iris, "ae", config=TrainConfig(epochs=3, seed=1), device="cpu")
    exp.train()
    exp.retrain(np.arange(0, 150, 3), epochs=2, measure=False)
    return exp


def _reopen(store: Store, tmp_path) -> Store:
    """A second client on the same index and artifacts, as a worker or a restarted server."""
    return Store(tmp_path / "state", database=store.database_url, artifacts=store.artifacts.root)


def test_an_experiment_round_trips_through_a_second_client(store, trained, iris, tmp_path):
    eid = uuid.uuid4().hex
    store.create_experiment(eid, trained, created_at="2026-01-01T00:00:00+00:00")
    for it in trained.iterations:
        store.save_iteration(eid, it)

    other = _reopen(store, tmp_path)
    exp, row = other.load(eid, load_dataset=lambda name: iris, device="cpu")
    other.close()
    assert row["dataset"] == "iris" and row["dataset_fingerprint"] == dataset_fingerprint(iris)
    assert len(exp.iterations) == 2
    for a, b in zip(trained.iterations, exp.iterations, strict=True):
        assert np.array_equal(a.coords, b.coords) and a.coords.dtype == b.coords.dtype
        assert a.metrics == b.metrics and a.losses == b.losses
        assert (a.parent, a.mode, a.epochs, a.created_at) == (
            b.parent,
            b.mode,
            b.epochs,
            b.created_at,
        )
        assert set(a.per_point) == set(b.per_point)
        for key in a.per_point:
            assert np.array_equal(a.per_point[key], b.per_point[key])
        x = torch.as_tensor(iris.X[:10])
        with torch.no_grad():
            assert torch.equal(a.model.embed(x), b.model.embed(x))
    assert exp.iterations[1].selection is not None
    assert np.array_equal(exp.iterations[1].selection.ids, np.arange(0, 150, 3))
    assert exp.iterations[1].metrics is None


def test_sync_takes_in_metrics_and_new_iterations(store, trained, iris, tmp_path):
    eid = uuid.uuid4().hex
    store.create_experiment(eid, trained, created_at="c")
    store.save_iteration(eid, trained.iterations[0])
    reader = _reopen(store, tmp_path)
    exp, _ = reader.load(eid, load_dataset=lambda name: iris, device="cpu")
    assert len(exp.iterations) == 1
    version = reader.version(eid)

    store.save_iteration(eid, trained.iterations[1])  # a worker stores iteration 1...
    assert reader.version(eid) != version
    assert reader.sync(eid, exp) is True
    assert len(exp.iterations) == 2 and exp.iterations[1].metrics is None

    it1 = dataclasses.replace(trained.iterations[1])  # the module's copy stays unmeasured
    trained.measure(it1)  # ... and then its metrics
    store.save_metrics(eid, it1)
    assert reader.sync(eid, exp) is True
    assert it1.metrics is not None and exp.iterations[1].metrics == it1.metrics
    measured = it1.per_point
    assert measured and set(exp.iterations[1].per_point) == set(measured)
    for key, values in measured.items():
        assert np.array_equal(exp.iterations[1].per_point[key], values)
    assert reader.sync(eid, exp) is False
    reader.close()


def test_delete_removes_rows_and_artifacts(store, trained):
    eid = uuid.uuid4().hex
    store.create_experiment(eid, trained, created_at="c")
    store.save_iteration(eid, trained.iterations[0])
    store.create_job(Job(experiment_id=eid, kind="train", iteration=0))
    assert store.artifacts.keys(f"experiments/{eid}")
    assert store.delete_experiment(eid) is True
    assert store.experiment(eid) is None and store.iteration_rows(eid) == []
    assert store.jobs_for(eid) == []
    assert store.artifacts.keys(f"experiments/{eid}") == []
    assert store.delete_experiment(eid) is False


def test_orphaned_artifacts_are_removed(store, trained):
    kept, orphan = uuid.uuid4().hex, uuid.uuid4().hex
    store.create_experiment(kept, trained, created_at="c")
    store.save_iteration(kept, trained.iterations[0])
    store.artifacts.write_bytes(f"experiments/{orphan}/iter_0/coords.npy", b"left by a crash")
    store.remove_orphans()
    assert store.artifacts.keys(f"experiments/{orphan}") == []
    assert store.artifacts.keys(f"experiments/{kept}")


def test_list_shows_iterations_active_jobs_and_the_last_training(store, trained):
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    store.create_experiment(first, trained, created_at="2026-01-01")
    store.create_experiment(second, trained, created_at="2026-01-02")
    store.save_iteration(first, trained.iterations[0])
    train = store.create_job(Job(experiment_id=first, kind="train", iteration=0))
    store.claim_job(train.id, worker="w1")
    store.finish_job(train.id, state="failed", error="boom")
    store.create_job(Job(experiment_id=first, kind="measure", iteration=0))
    rows = {r["id"]: r for r in store.list_experiments()}
    assert rows[first]["n_iterations"] == 1 and rows[second]["n_iterations"] == 0
    assert rows[first]["active"] == "measure:queued" and rows[second]["active"] is None
    assert rows[first]["last_train"] == "failed:boom" and rows[second]["last_train"] is None
    assert [r["id"] for r in store.list_experiments(limit=1)] == [first]  # updated last


def test_a_job_is_claimed_exactly_once(store, trained, tmp_path):
    eid = uuid.uuid4().hex
    store.create_experiment(eid, trained, created_at="c")
    job = store.create_job(Job(experiment_id=eid, kind="train", iteration=0, priority=10))
    clients = [_reopen(store, tmp_path) for _ in range(4)]
    won: list[str] = []
    barrier = threading.Barrier(len(clients))

    def claim(i: int) -> None:
        barrier.wait()
        if clients[i].claim_job(job.id, worker=f"w{i}") is not None:
            won.append(f"w{i}")

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    assert len(won) == 1
    row = store.job(job.id)
    assert row is not None and (row.state, row.worker, row.attempts) == ("running", won[0], 1)
    assert store.claim_job(job.id, worker="late") is None  # a redelivery does nothing


def test_job_lifecycle_cancel_heartbeat_requeue(store, trained):
    eid = uuid.uuid4().hex
    store.create_experiment(eid, trained, created_at="c")
    queued = store.create_job(Job(experiment_id=eid, kind="measure", iteration=0))
    cancelled = store.request_cancel(queued.id)
    assert cancelled is not None and cancelled.state == "cancelled"
    assert store.claim_job(queued.id, worker="w") is None

    job = store.create_job(Job(experiment_id=eid, kind="train", iteration=0, priority=10))
    assert store.claim_job(job.id, worker="w") is not None
    assert store.heartbeat(job.id, {"epoch": 2, "epochs": 3}) == (False, False)
    assert store.job(job.id).progress == {"epoch": 2, "epochs": 3}
    assert store.requeue_or_interrupt(job.id) == "queued"  # its worker died: once more
    assert store.claim_job(job.id, worker="w2").attempts == 2
    assert store.requeue_or_interrupt(job.id) == "interrupted"  # died again: it ends
    assert store.requeue_or_interrupt(job.id) is None
    assert store.finish_job(job.id, state="done") is False  # an ended job stays ended

    running = store.create_job(Job(experiment_id=eid, kind="train", iteration=1, priority=10))
    store.claim_job(running.id, worker="w")
    assert store.request_cancel(running.id).state == "running"
    assert store.heartbeat(running.id).cancel is True  # the worker reads the flag
    assert store.finish_job(running.id, state="cancelled") is True

    # "Stop now, keep this model": only a running train job takes it, and its worker reads it.
    kept = store.create_job(Job(experiment_id=eid, kind="train", iteration=1, priority=10))
    assert store.request_stop(kept.id) is False  # queued: nothing is training yet
    store.claim_job(kept.id, worker="w")
    assert store.heartbeat(kept.id) == (False, False)
    assert store.request_stop(kept.id) is True
    assert store.heartbeat(kept.id) == (False, True) and store.job(kept.id).stop_requested
    assert store.finish_job(kept.id, state="done") is True
    assert store.request_stop(kept.id) is False  # ended
    measuring = store.create_job(Job(experiment_id=eid, kind="measure", iteration=0))
    store.claim_job(measuring.id, worker="w")
    assert store.request_stop(measuring.id) is False  # measuring has no model to keep
    assert store.request_cancel("f" * 32) is None


def test_live_frames_round_trip_exactly_and_go_with_the_training(store, trained):
    eid = uuid.uuid4().hex
    store.create_experiment(eid, trained, created_at="c")
    assert store.live_frame(eid, 1) is None
    coords = np.random.default_rng(0).normal(size=(150, 2)).astype(np.float32)
    store.write_live_frame(eid, 1, coords, epoch=3, epochs=40)
    store.write_live_frame(eid, 1, coords * 2, epoch=4, epochs=40)  # the newest replaces it
    frame = store.live_frame(eid, 1)
    assert frame is not None and (frame.epoch, frame.epochs) == (4, 40)
    assert frame.coords.dtype == np.float32 and np.array_equal(frame.coords, coords * 2)
    store.drop_live_frames(eid)
    assert store.live_frame(eid, 1) is None
    store.write_live_frame(eid, 2, coords, epoch=1, epochs=2)
    store.delete_experiment(eid)  # an experiment's frames go with it
    assert store.live_frame(eid, 2) is None


def test_queue_order_counts_and_recovery(store, trained):
    eid = uuid.uuid4().hex
    store.create_experiment(eid, trained, created_at="c")
    m = store.create_job(
        Job(experiment_id=eid, kind="measure", iteration=0, priority=PRIORITY["measure"])
    )
    t = store.create_job(
        Job(experiment_id=eid, kind="train", iteration=1, priority=PRIORITY["train"])
    )
    r = store.create_job(
        Job(experiment_id=eid, kind="train", iteration=2, priority=PRIORITY["train"])
    )
    store.claim_job(r.id, worker="w")
    assert [j.id for j in store.queued_jobs()] == [t.id, m.id]  # training first
    assert store.job_counts() == {"queued": 2, "running": 1}
    assert [j.id for j in store.jobs_for(eid, active=True)] == [r.id, t.id, m.id]
    ended = store.interrupt_unfinished()
    assert {j.id for j in ended} == {m.id, t.id, r.id}
    assert {store.job(j).state for j in (m.id, t.id, r.id)} == {"interrupted"}
    assert store.job_counts() == {"queued": 0, "running": 0}


def test_artifact_keys_come_only_from_valid_ids(store, trained):
    with pytest.raises(ValueError, match="32 hexadecimal"):
        store.save_iteration("../../etc", trained.iterations[0])
    with pytest.raises(ValueError, match="32 hexadecimal"):
        store.checkpoint_bytes("X" * 32, 0)
