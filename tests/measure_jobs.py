"""A real measure job run in the test's own thread (runtime/execute.run_job), as a worker runs
it, with every estimate reported (shared by the store's and the web's partial-values tests)."""

from __future__ import annotations

from typing import Any

from latent_explorer.runtime.estimates import MeasureTuning
from latent_explorer.runtime.execute import ExperimentCache, run_job


def run_measure_job(store: Any, job_id: str, events: Any, dataset: Any, block_rows: int) -> str:
    """Run measure job `job_id` on `dataset` in blocks of `block_rows`; return its state."""
    return run_job(
        job_id,
        store=store,
        events=events,
        submit=lambda _id: None,
        experiments=ExperimentCache(store, lambda _name: dataset, device="cpu"),
        worker="test",
        measure=MeasureTuning(block_rows=block_rows, every_s=0),
    )
