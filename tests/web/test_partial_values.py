"""GET .../iterations/<k>/per_point/partial: the distortion map while it fills in.

A real measure job (runtime/execute.run_job) runs in the test's own thread on the app's
store, and the test asks the route on each of its "estimates" events, so the answers come
from the middle of the pass whatever the machine's speed (the job row is queued in the store,
never handed to the app's workers, so nothing else measures the iteration)."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pytest

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.experiment import Experiment
from latent_explorer.core.training import TrainConfig
from latent_explorer.runtime.events import MemoryEventLog
from latent_explorer.runtime.jobs import PRIORITY, Job
from tests.measure_jobs import run_measure_job


class _AskingEvents(MemoryEventLog):
    """The real event log; on each "estimates" event it asks the route, as the page does."""

    def __init__(self, client: Any, url: str) -> None:
        super().__init__()
        self.client, self.url = client, url
        self.answers: list[tuple[dict[str, Any], Any]] = []

    def append(self, stream: str, name: str, data: dict[str, Any]) -> int:
        if name == "estimates":
            self.answers.append((data, self.client.get(self.url)))
        return super().append(stream, name, data)


def _values(answer) -> np.ndarray:
    return np.frombuffer(answer.get_data(), dtype="<f4")


def _unmeasured(app, data_dir, *, sampled: bool = False):
    """An iris experiment whose iteration 0 is stored (``sampled``: with a sampled preview of
    its tables, as large data gets first) and its measure job queued."""
    iris = load_dataset("iris", data_dir=data_dir)
    exp = Experiment(
        iris, "ae", config=TrainConfig(epochs=3, seed=3), device="cpu", metric_sample_size=60
    )
    exp.train(measure=False)
    if sampled:
        exp.preview(exp.iterations[0])
        assert exp.iterations[0].metrics_sampled
    store = app.extensions["latent_explorer.sessions"].store
    eid = uuid.uuid4().hex
    store.create_experiment(eid, exp, created_at="2026-01-01T00:00:00+00:00")
    store.save_iteration(eid, exp.iterations[0])
    job = store.create_job(
        Job(experiment_id=eid, kind="measure", iteration=0, priority=PRIORITY["measure"])
    )
    return eid, job, store, iris


@pytest.fixture
def unmeasured(app, data_dir):
    return _unmeasured(app, data_dir)


def test_partial_values_while_measuring_then_204(app, client, unmeasured):
    eid, job, store, iris = unmeasured
    base = f"/api/experiments/{eid}/iterations/0"
    url = f"{base}/per_point/partial?key=continuity"

    # Before the pass begins: every point unmeasured.
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "application/octet-stream"
    assert first.headers["Cache-Control"] == "no-store"
    assert (first.headers["X-Rows-Done"], first.headers["X-Rows-Total"]) == ("0", "150")
    assert first.headers["X-Points"] == "150" and first.headers["X-Key"] == "continuity"
    assert np.isnan(_values(first)).all() and _values(first).shape == (150,)

    events = _AskingEvents(client, url)
    state = run_measure_job(store, job.id, events, iris, block_rows=50)
    assert state == "done"

    # Once the exact values are stored: 204, and per_point has them.
    after = client.get(url)
    assert after.status_code == 204 and after.get_data() == b""
    exact = client.get(f"{base}/per_point?key=continuity&format=f32")
    assert exact.status_code == 200
    final = _values(exact)

    assert [data["rows_done"] for data, _ in events.answers] == [50, 100, 150]
    for data, answer in events.answers:
        assert answer.status_code == 200, answer.get_data()
        assert int(answer.headers["X-Rows-Done"]) == data["rows_done"]
        values = _values(answer)
        done = np.isfinite(values)
        assert done.sum() == data["rows_done"]
        assert np.array_equal(values[done], final[done])  # exact, bit for bit
        assert float(answer.headers["X-Min"]) == values[done].min()
        assert float(answer.headers["X-Max"]) == values[done].max()


def test_partial_values_errors_name_the_fix(client, trained):
    exp_id = trained
    base = f"/api/experiments/{exp_id}/iterations"
    # A measured iteration: nothing partial, read per_point.
    assert client.get(f"{base}/0/per_point/partial?key=trustworthiness").status_code == 204

    missing = client.get(f"{base}/7/per_point/partial?key=trustworthiness")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"]
    assert "iteration" in missing.get_json()["error"]["message"]

    bad = client.get(f"{base}/0/per_point/partial?key=kl")
    assert bad.status_code == 400
    error = bad.get_json()["error"]
    assert error["code"] == "bad_key"
    assert "key" in error["message"] and "kl" in error["message"]
    assert "trustworthiness" in error["message"] and "continuity" in error["message"]

    no_key = client.get(f"{base}/0/per_point/partial")
    assert no_key.status_code == 400 and "key" in no_key.get_json()["error"]["message"]
    stray = client.get(f"{base}/0/per_point/partial?key=continuity&format=json")
    assert stray.status_code == 400 and "format" in stray.get_json()["error"]["message"]

    unknown = client.get(
        f"/api/experiments/{'f' * 32}/iterations/0/per_point/partial?key=continuity"
    )
    assert unknown.status_code == 404


def test_a_sampled_preview_is_not_the_exact_values(app, client, data_dir):
    # Large data gets sampled tables first: its per-point T and C are still being measured.
    eid, _job, _store, _iris = _unmeasured(app, data_dir, sampled=True)
    base = f"/api/experiments/{eid}/iterations/0"
    assert client.get(base + "/metrics").get_json()["measured"] is True  # the preview
    partial = client.get(f"{base}/per_point/partial?key=trustworthiness")
    assert partial.status_code == 200 and partial.headers["X-Rows-Done"] == "0"
    exact = client.get(f"{base}/per_point?key=trustworthiness")
    assert exact.status_code == 409 and exact.get_json()["error"]["code"] == "not_measured"
