"""The runtime contract suite runs against every job backend.

``inprocess``: the zero-setup default (SQLite, a local folder, spawned worker processes).
``celery``: the team backend for real: a redis-server (broker and progress streams), the index
on a PostgreSQL server, artifacts on S3 (moto_server), and a real ``latent-explorer worker``
subprocess (Celery, one pool process) that every app of the module sends its jobs to.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from latent_explorer.web import close_app, create_app

BACKENDS = ("inprocess", "celery")
# How long a running job may go without a heartbeat before the team backend's sweep treats
# its worker as dead (production default: 60 s); short here so kill tests end quickly.
STALE_SECONDS = 4.0


@pytest.fixture(params=BACKENDS, scope="module")
def backend_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def backend_config(backend_name, request, tmp_path_factory, data_dir):
    """The app config that selects the backend (and, for celery, its services and worker)."""
    if backend_name == "inprocess":
        yield {}
        return
    from latent_explorer.runtime.celery_backend import TeamConfig
    from tests.runtime.celery_worker import start_worker, stop_worker

    redis_service = request.getfixturevalue("redis_service")
    postgres = request.getfixturevalue("postgres_service")
    s3 = request.getfixturevalue("s3_service")
    env = s3.environment()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the web process's S3 client; the worker gets them too
    folder = tmp_path_factory.mktemp("team")
    team = TeamConfig(
        broker=redis_service.url.rsplit("/", 1)[0] + "/4",
        database=postgres.create_database(),
        artifacts=f"s3://{s3.create_bucket()}/contract",
        state_dir=str(folder / "worker-state"),
        data_dir=str(data_dir),
        device="cpu",
    )
    import redis

    redis.Redis.from_url(team.broker).flushdb()
    worker = start_worker(team, log_path=folder / "worker.log", env=env, concurrency=1)
    try:
        yield {
            "BROKER": team.broker,
            "DATABASE": team.database,
            "ARTIFACTS": team.artifacts,
            "STALE_SECONDS": STALE_SECONDS,
        }
    finally:
        stop_worker(worker)
        postgres.drop_database(team.database)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def make_app(backend_config, tmp_path_factory, data_dir):
    """``make_app(**config)``: an app on the backend under test, closed at the end."""
    apps = []

    def make(state_dir=None, **config):
        state = state_dir or tmp_path_factory.mktemp("state")
        app = create_app(
            {
                "DATA_DIR": str(data_dir),
                "DEVICE": "cpu",
                "STATE_DIR": str(state),
                **backend_config,
                **config,
            }
        )
        apps.append(app)
        return app

    yield make
    for app in apps:
        close_app(app)


@pytest.fixture(scope="module")
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def registry(app):
    return app.extensions["latent_explorer.sessions"]


def events(client, exp_id, after=0):
    """(id, name, data) of every event of the experiment after ``after`` (waits for idle)."""
    text = client.get(
        f"/api/experiments/{exp_id}/events", headers={"Last-Event-ID": str(after)}
    ).get_data(as_text=True)
    out = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            out.append((int(fields.get("id", 0)), fields["event"], json.loads(fields["data"])))
    return out


def wait_until(predicate, timeout=120.0, every=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s")


def job_state(client, job_id):
    return client.get(f"/api/jobs/{job_id}").get_json()["state"]
