"""The registry of an app, built from its configuration: the store (a state folder or the
DATABASE and ARTIFACTS URLs), the event log and the job backend (Celery workers when BROKER
names one, else the in-process worker pool).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..runtime.backend import Backend
from ..runtime.estimates import MeasureTuning
from ..runtime.events import EventLog, MemoryEventLog
from ..runtime.limits import Limits
from ..store import Store
from .sessions import SessionRegistry


def registry_for_app(config: Any) -> SessionRegistry:
    """The registry of an app: a store in ``config["STATE_DIR"]`` (or at the ``DATABASE`` and
    ``ARTIFACTS`` URLs), datasets from ``config["DATA_DIR"]``, experiments on
    ``config["DEVICE"]``, and the backend: Celery workers when ``BROKER`` names one (see
    :mod:`..runtime.celery_backend`), else the in-process pool (``config["WORKERS"]``
    processes; 0: sized for the machine)."""
    from ..runtime.celery_backend import store_urls, team_config
    from ..runtime.execute import DatasetSource

    limits = Limits.from_config(config)
    database, artifacts = store_urls(config)
    store = Store(config["STATE_DIR"], database=database, artifacts=artifacts)
    store.remove_orphans()
    team = team_config(config)
    events: EventLog
    backend: Backend
    if team is not None:
        from ..runtime.celery_backend import CeleryBackend
        from ..runtime.redis_events import RedisEventLog

        events = RedisEventLog(team.events_url)
        team = replace(team, wall_seconds=limits.wall_seconds)
        backend = CeleryBackend(
            store, events, team, stale_s=float(config.get("STALE_SECONDS") or 60.0)
        )
    else:
        from ..runtime.inprocess import InProcessBackend, WorkerConfig

        events = MemoryEventLog()
        worker_config = WorkerConfig(
            state_dir=str(config["STATE_DIR"]),
            data_dir=config.get("DATA_DIR"),
            device=config.get("DEVICE", "auto"),
            threads=config.get("TORCH_THREADS"),
            wall_seconds=limits.wall_seconds,
            database=database,
            artifacts=artifacts,
            measure=MeasureTuning.from_config(config),
        )
        backend = InProcessBackend(store, events, worker_config, size=limits.running)
    source = DatasetSource(config.get("DATA_DIR"), str(config["STATE_DIR"]))
    return SessionRegistry(
        store,
        backend,
        events,
        load_dataset=source,
        device=config.get("DEVICE", "auto"),
        limits=limits,
    )
