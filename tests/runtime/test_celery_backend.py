"""The team backend end to end: a real ``latent-explorer worker`` (Celery, prefork) on a real
redis-server, the index on a real PostgreSQL server, artifacts on S3 (moto_server)."""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.experiment import Experiment
from latent_explorer.core.training import TrainConfig
from latent_explorer.runtime.celery_backend import CeleryBackend, TeamConfig, make_celery, send_job
from latent_explorer.runtime.jobs import PRIORITY, Job
from latent_explorer.runtime.redis_events import RedisEventLog
from latent_explorer.store import Store
from tests.runtime.celery_worker import start_worker, stop_worker


@pytest.fixture(scope="module")
def team(redis_service, postgres_service, s3_service, tmp_path_factory, data_dir):
    """(config, store, events, backend, worker process) on fresh databases and a bucket."""
    folder = tmp_path_factory.mktemp("team")
    env = s3_service.environment()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    database = postgres_service.create_database()
    config = TeamConfig(
        broker=redis_service.url.rsplit("/", 1)[0] + "/3",
        database=database,
        artifacts=f"s3://{s3_service.create_bucket()}/team",
        state_dir=str(folder / "state"),
        data_dir=str(data_dir),
        device="cpu",
    )
    import redis

    redis.Redis.from_url(config.broker).flushdb()
    store = Store(config.state_dir, database=config.database, artifacts=config.artifacts)
    events = RedisEventLog(config.events_url)
    backend = CeleryBackend(store, events, config, stale_s=4.0, sweep_s=0.5)
    worker = start_worker(config, log_path=folder / "worker.log", env=env, concurrency=2)
    yield config, store, events, backend, worker
    stop_worker(worker)
    backend.close()
    events.close()
    store.close()
    postgres_service.drop_database(database)
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _experiment(store: Store, data_dir, epochs: int) -> str:
    iris = load_dataset("iris", data_dir=data_dir)
    exp = Experiment(iris, "ae", config=TrainConfig(epochs=epochs, seed=0), device="cpu")
    eid = uuid.uuid4().hex
    store.create_experiment(
        eid, exp, created_at=Job(experiment_id=eid, kind="train", iteration=0).created_at
    )
    return eid


def _train(store, backend, eid) -> Job:
    job = store.create_job(
        Job(experiment_id=eid, kind="train", iteration=0, priority=PRIORITY["train"])
    )
    backend.submit(job.id)
    return job


def _wait(predicate, timeout=180.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s")


def _idle(store, eid):
    return not any(j.active for j in store.jobs_for(eid, limit=50))


def test_a_job_runs_on_the_worker_and_its_events_reach_redis(team, data_dir):
    config, store, events, backend, _ = team
    eid = _experiment(store, data_dir, epochs=15)
    job = _train(store, backend, eid)
    _wait(lambda: _idle(store, eid))
    jobs = store.jobs_for(eid)
    assert [(j.kind, j.state, j.error) for j in jobs] == [
        ("measure", "done", None),
        ("train", "done", None),
    ]
    assert [(j.kind, j.state) for j in jobs] == [("measure", "done"), ("train", "done")]
    assert jobs[1].id == job.id and jobs[1].attempts == 1
    assert jobs[1].worker.startswith("test-worker@")
    got = events.read(eid, 0)
    names = [n for _, n, _ in got]
    assert [d["epoch"] for _, n, d in got if n == "progress" and d["kind"] == "train"] == list(
        range(1, 16)
    )
    assert names[0] == "started" and names.index("projected") < names.index("trained")
    assert names.index("trained") < names.index("measured") < names.index("done")
    assert [e[0] for e in got] == list(range(1, len(got) + 1))
    # The iteration is in the shared store: rows in PostgreSQL, arrays and weights on S3.
    assert [r["idx"] for r in store.iteration_rows(eid)] == [0]
    assert store.artifacts.keys(f"experiments/{eid}/iter_0") == [
        f"experiments/{eid}/iter_0/coords.npy",
        f"experiments/{eid}/iter_0/model.pt",
        f"experiments/{eid}/iter_0/per_point.npz",
    ]
    assert store.iteration_rows(eid)[0]["metrics"] is not None


def test_a_message_delivered_twice_runs_the_job_once(team, data_dir):
    config, store, events, backend, _ = team
    eid = _experiment(store, data_dir, epochs=5)
    job = _train(store, backend, eid)
    send_job(make_celery(config), job.id, "train")  # a redelivery
    send_job(make_celery(config), job.id, "train")
    _wait(lambda: _idle(store, eid))
    time.sleep(1.0)  # the extra messages have been taken by now
    assert store.job(job.id).attempts == 1
    assert [n for _, n, d in events.read(eid, 0) if n == "started" and d["job_id"] == job.id] == [
        "started"
    ]
    assert [r["idx"] for r in store.iteration_rows(eid)] == [0]


def test_a_cancel_reaches_the_worker(team, data_dir):
    config, store, events, backend, _ = team
    eid = _experiment(store, data_dir, epochs=20_000)
    job = _train(store, backend, eid)
    _wait(lambda: (store.job(job.id).progress or {}).get("epoch", 0) >= 2)
    store.request_cancel(job.id)
    _wait(lambda: store.job(job.id).state == "cancelled", timeout=30)
    assert store.iteration_rows(eid) == []


def test_a_worker_killed_mid_job_gives_one_clean_rerun(team, data_dir):
    config, store, events, backend, _ = team
    eid = _experiment(store, data_dir, epochs=600)
    job = _train(store, backend, eid)
    _wait(lambda: (store.job(job.id).progress or {}).get("epoch", 0) >= 2)
    pid = backend.worker_pids()[job.id]
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    # The heartbeat goes stale, the sweep sends the job again, a fresh process runs it.
    _wait(lambda: _idle(store, eid) and store.job(job.id).state == "done", timeout=300)
    final = store.job(job.id)
    assert final.attempts == 2 and final.worker != f"x/{pid}"
    assert [r["idx"] for r in store.iteration_rows(eid)] == [0]  # never a duplicate iteration
    names = [n for _, n, d in events.read(eid, 0) if d.get("job_id") == job.id]
    assert names.count("requeued") == 1 and names.count("started") == 2
    assert names[-1] == "trained"


def test_train_jobs_of_one_experiment_run_in_order(team, data_dir):
    """Two Submits queued at once on two worker processes: iteration 1 before iteration 2."""
    import numpy as np

    config, store, events, backend, _ = team
    eid = _experiment(store, data_dir, epochs=5)
    _train(store, backend, eid)
    _wait(lambda: _idle(store, eid))
    subs = []
    for k, ids in ((1, list(range(0, 150, 2))), (2, list(range(1, 150, 2)))):
        params = {
            "parent": 0,
            "selection": {"ids": ids, "method": "ids", "params": {}},
            "mode": "finetune",
            "epochs": 30,
        }
        subs.append(
            store.create_job(
                Job(
                    experiment_id=eid,
                    kind="train",
                    iteration=k,
                    params=params,
                    priority=PRIORITY["train"],
                )
            )
        )
    for job in reversed(subs):  # the later one is sent first
        backend.submit(job.id)
    _wait(lambda: _idle(store, eid))
    rows = store.iteration_rows(eid)
    assert [r["idx"] for r in rows] == [0, 1, 2]
    sel = [np.asarray(__import__("json").loads(r["selection"])["ids"]) for r in rows[1:]]
    assert sel[0][0] == 0 and sel[1][0] == 1
    assert all(store.job(j.id).state == "done" for j in subs)
