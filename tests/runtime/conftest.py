"""The runtime contract suite runs against every job backend.

A backend is a name in :data:`BACKENDS` mapping to the app config that selects it; the team
backend adds ``"celery": {...broker, database, artifacts URLs...}`` (with its services
started by .ci/run) and every test here runs against it too.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from latent_explorer.web import close_app, create_app

BACKENDS: dict[str, dict[str, Any]] = {
    "inprocess": {},
}


@pytest.fixture(params=sorted(BACKENDS), scope="module")
def backend_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def make_app(backend_name, tmp_path_factory, data_dir):
    """``make_app(**config)``: an app on the backend under test, closed at the end."""
    apps = []

    def make(state_dir=None, **config):
        state = state_dir or tmp_path_factory.mktemp("state")
        app = create_app(
            {
                "DATA_DIR": str(data_dir),
                "DEVICE": "cpu",
                "STATE_DIR": str(state),
                **BACKENDS[backend_name],
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
