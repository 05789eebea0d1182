"""The distortion map while it fills in: a measure job stores the finished rows' exact local
T and C (NaN elsewhere) as it goes, on SQLite + a folder and on PostgreSQL + S3.

A real measure job (runtime/execute.run_job) on real iris, in blocks of 40 rows with every
block announced, so there are several partial stages whatever the machine's speed."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import numpy as np
import pytest

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.experiment import Experiment
from latent_explorer.core.training import TrainConfig
from latent_explorer.runtime.events import MemoryEventLog
from latent_explorer.runtime.jobs import PRIORITY, Job
from latent_explorer.store.experiments import Store
from latent_explorer.store.partial_values import PartialValues
from tests.measure_jobs import run_measure_job


@pytest.fixture(scope="module")
def iris(data_dir):
    return load_dataset("iris", data_dir=data_dir)


@pytest.fixture(scope="module")
def trained(iris):
    """Iteration 0 measured, iteration 1 (a fine-tune) stored without metrics."""
    exp = Experiment(iris, "ae", config=TrainConfig(epochs=3, seed=2), device="cpu")
    exp.train()
    exp.retrain(np.arange(0, 150, 2), epochs=2, measure=False)
    return exp


@pytest.fixture
def store(tmp_path, store_urls):
    database, artifacts = store_urls
    s = Store(tmp_path / "state", database=database, artifacts=artifacts)
    yield s
    s.close()


def _stored(store: Store, exp: Experiment) -> str:
    eid = uuid.uuid4().hex
    store.create_experiment(eid, exp, created_at="c")
    for it in exp.iterations:
        store.save_iteration(eid, it)
    return eid


class _ReadingEvents(MemoryEventLog):
    """The real event log; on each "estimates" event it reads back what the store holds (a
    page that fetches the partial values when the event arrives)."""

    def __init__(self, store: Store, eid: str, k: int) -> None:
        super().__init__()
        self.store, self.eid, self.k = store, eid, k
        self.seen: list[tuple[dict[str, Any], PartialValues | None]] = []

    def append(self, stream: str, name: str, data: dict[str, Any]) -> int:
        if name == "estimates":
            self.seen.append((data, self.store.partial_values(self.eid, self.k)))
        return super().append(stream, name, data)


def test_partial_values_are_the_exact_values_of_the_rows_done(store, trained, iris):
    eid = _stored(store, trained)
    assert store.partial_values(eid, 1) is None  # not begun: nothing stored
    job = store.create_job(
        Job(experiment_id=eid, kind="measure", iteration=1, priority=PRIORITY["measure"])
    )
    events = _ReadingEvents(store, eid, 1)
    state = run_measure_job(store, job.id, events, iris, block_rows=40)
    assert state == "done"
    exp, _ = store.load(eid, load_dataset=lambda _name: iris, device="cpu")
    final = exp.iterations[1].per_point
    assert exp.iterations[1].metrics is not None and not exp.iterations[1].metrics_sampled

    # Every event found its values stored (stored before announced), one stage per block.
    assert [data["rows_done"] for data, _ in events.seen] == [40, 80, 120, 150]
    done_before = np.zeros(150, dtype=bool)
    for data, partial in events.seen:
        assert partial is not None and partial.rows_total == 150
        assert partial.rows_done == data["rows_done"]
        for key in ("trustworthiness", "continuity"):
            values = partial.values(key)
            assert values.dtype == np.float32 and values.shape == (150,)
            done = np.isfinite(values)
            assert done.sum() == partial.rows_done  # NaN exactly where the row is not done
            assert np.array_equal(values[done], final[key][done].astype(np.float32))
        assert (done_before <= done).all()  # rows once done stay done
        done_before = done
    # In the pass's seeded random order, not a prefix of the point ids.
    first = np.isfinite(events.seen[0][1].trustworthiness)
    assert not first[:40].all()

    # The exact values are stored: the partial ones are gone.
    assert store.partial_values(eid, 1) is None


def test_partial_values_round_trip_and_go_with_the_exact_values(store, trained):
    eid = _stored(store, trained)
    t = np.full(150, np.nan, dtype=np.float32)
    c = t.copy()
    t[[3, 5]], c[[3, 5]] = (0.5, 0.25), (1.0, 0.75)
    store.write_partial_values(eid, 1, PartialValues(t, c, 2, 150))
    got = store.partial_values(eid, 1)
    assert got is not None and (got.rows_done, got.rows_total) == (2, 150)
    assert np.array_equal(got.trustworthiness, t, equal_nan=True)
    assert np.array_equal(got.values("continuity"), c, equal_nan=True)
    with pytest.raises(KeyError, match="not filled in while measuring"):
        got.values("kl")
    assert store.partial_values(eid, 0) is None  # per iteration

    # A sampled preview leaves them (the per-point values come with the exact tables) ...
    it = trained.iterations[1]
    sampled = dataclasses.replace(it, metrics={"all": {}}, metrics_sampled=True)
    store.save_metrics(eid, sampled)
    assert store.partial_values(eid, 1) is not None
    # ... the iteration stored again (a re-run of its train job) drops them ...
    store.save_iteration(eid, it)
    assert store.partial_values(eid, 1) is None
    store.write_partial_values(eid, 1, PartialValues(t, c, 2, 150))
    # ... and so does the experiment's deletion.
    store.delete_experiment(eid)
    assert store.partial_values(eid, 1) is None
