"""The local pool's own scheduling (the in-process backend only): what the contract suite
cannot see through the API because it is about when workers start, not what jobs do."""

from __future__ import annotations

import pytest

from .conftest import registry, wait_until

LONG = {"dataset": "iris", "model": "ae", "config": {"epochs": 20_000}}


@pytest.fixture(scope="module")
def backend_name() -> str:
    return "inprocess"


def test_a_spare_worker_starts_while_the_only_one_is_busy(app, client):
    # Before: the second worker started only after a job had waited 0.5 s for it, so the
    # first Submit after a Train (its measure job on the only worker) waited for a start.
    backend = registry(app).backend
    answer = client.post("/api/experiments", json=LONG).get_json()
    job_id = answer["job"]["id"]
    wait_until(lambda: job_id in backend.worker_pids())
    wait_until(lambda: backend.ready_workers() == 2)
    # Nothing else was queued: the spare waits for the next job.
    assert list(backend.worker_pids()) == [job_id]
    assert client.delete(f"/api/jobs/{job_id}").status_code == 200
    assert registry(app).wait(answer["id"], timeout=300).state == "cancelled"
