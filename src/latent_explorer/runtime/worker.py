"""The worker process of the local pool (:mod:`.inprocess`): how it is started, what it is
given, and its side of the two pipes it shares with the server.

Workers are forked from a ``forkserver`` that imported torch and the job code once (``spawn``
where the platform has none), each with its own pipes: see :mod:`.inprocess` for why no queue
is shared between processes.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .estimates import MeasureTuning

log = logging.getLogger(__name__)

# What the forkserver imports once, so that every worker forked from it starts warm.
PRELOAD = (
    "torch",
    # torch.optim's first Adam imports dynamo (about 2 s quiet, 4 s loaded): without this
    # every fresh worker's first training job, a server's first Submit, paid it.
    "torch._dynamo",
    "numpy",
    "latent_explorer.store",
    "latent_explorer.runtime.execute",
    "latent_explorer.runtime.worker",
)


def context() -> Any:
    """The forkserver context (with the preload above) where the platform has one, else
    spawn. The forkserver is started with the first worker and serves every pool of this
    process, so a restarted or added worker costs a fork, not an interpreter."""
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(list(PRELOAD))
    return ctx


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a worker process needs, passed once at start (picklable)."""

    state_dir: str
    data_dir: str | None = None
    device: str = "auto"
    threads: int | None = 1  # torch threads per worker
    wall_seconds: float = 3_600
    database: str | None = None  # the index URL; None: SQLite in state_dir
    artifacts: str | None = None  # the artifacts root; None: state_dir
    measure: MeasureTuning = MeasureTuning()  # how a measure job reports its estimates


class _PipeEvents:
    """The worker's EventLog: events travel to the web process, which numbers them.

    One lock per worker: the job's thread and its watch thread both send, and a message
    must not interleave with another. The watch thread exits the process while holding it
    (see :meth:`hold`), so no message is ever cut off mid-write."""

    def __init__(self, results: Any) -> None:
        self.results = results
        self._lock = threading.Lock()

    def send(self, message: tuple[Any, ...]) -> None:
        with self._lock:
            self.results.send(message)

    def append(self, stream: str, name: str, data: dict[str, Any]) -> int:
        self.send(("event", stream, name, data))
        return 0

    def flush(self) -> None:
        """Before the worker exits on purpose: take the lock and keep it, so no other thread
        is mid-message when the process ends (a sent message is in the pipe already)."""
        self._lock.acquire()

    def read(self, stream: str, after: int, timeout: float) -> list[Any]:  # pragma: no cover
        raise NotImplementedError("workers only write events")


@contextlib.contextmanager
def without_main_path() -> Iterator[None]:
    """Start a worker without re-running the caller's script: ``spawn`` (and a forkserver's
    child) executes a ``__main__`` given by path in the child, so a script without an
    ``if __name__ == "__main__":`` guard (one that builds an app and trains) would run again
    in every worker. Workers need nothing from it."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def _exit_with_parent() -> None:
    """End this worker when the server process dies (even by SIGKILL): an orphan would go on
    writing to a store that a restarted server has already marked ``interrupted``."""
    parent = mp.parent_process()
    if parent is None:
        return

    def watch() -> None:
        from multiprocessing.connection import wait

        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def worker_main(
    name: str, config: WorkerConfig, tasks: Any, results: Any, environ: dict[str, str]
) -> None:
    """A worker process: take job ids from ``tasks`` until told to stop (None) or the
    server closes the pipe; send events and "idle" on ``results``.

    ``environ`` is the server's environment when the worker was asked for: a forked worker
    would otherwise see the forkserver's, as it was when the first worker started (the S3
    credentials of the artifacts store, for one, may have been set since)."""
    os.environ.clear()
    os.environ.update(environ)
    from ..core.training import set_threads
    from ..store import Store
    from .execute import DatasetSource, ExperimentCache, run_job

    set_threads(config.threads)
    _exit_with_parent()
    store = Store(config.state_dir, database=config.database, artifacts=config.artifacts)
    cache = ExperimentCache(
        store, DatasetSource(config.data_dir, config.state_dir), device=config.device
    )
    events = _PipeEvents(results)
    events.send(("ready", name, None))
    while True:
        try:
            job_id = tasks.recv()
        except (EOFError, OSError):
            break
        if job_id is None:
            break
        try:
            run_job(
                job_id,
                store=store,
                events=events,
                submit=lambda jid: events.send(("submit", name, jid)),
                experiments=cache,
                worker=name,
                wall_seconds=config.wall_seconds,
                may_exit=True,
                measure=config.measure,
            )
        except Exception:  # noqa: BLE001 - keep the worker for the next job
            log.exception("job %s", job_id)
        events.send(("idle", name, job_id))
    store.close()


__all__ = ["WorkerConfig", "context", "worker_main", "without_main_path"]
