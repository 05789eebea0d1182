"""The team backend: jobs run on Celery 5 workers, with Redis as the broker.

The web process writes the job row (``queued``) in the shared index (PostgreSQL) and sends a
message naming the job id; a worker anywhere runs :func:`~.execute.run_job`, which claims the
row (``queued -> running`` for exactly one caller), reads the experiment from the store
(index + S3 artifacts), publishes progress to a Redis Stream that the web server's SSE
endpoint reads, and ends the row. The row, not the message, is the truth, as Celery's task
guide asks of ``acks_late`` tasks: a message delivered twice (a redelivery after a lost
worker, a visibility timeout) finds the row taken and does nothing.

Settings, and why:

- ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged only when
  its job ended; a worker process that dies mid-job (SIGKILL, out of memory, the measure
  cancel's ``os._exit``) puts the message back instead of losing it.
- ``worker_prefetch_multiplier = 1``: a worker holds only the message it runs, so a long
  training never sits on a queue of others that idle workers could take.
- ``--concurrency``: one pool process per GPU (default: the number of CUDA devices, else 1);
  pool process ``i`` uses ``cuda:i``.
- Results live in the jobs table, never in a Celery result backend (``task_ignore_result``).

A worker whose whole machine dies leaves its row ``running`` and its message unacknowledged
(Redis hands it out again only after the visibility timeout). So the web process sweeps: a
``running`` row whose heartbeat is older than ``stale_s`` goes back to ``queued`` once (and is
sent again) or ends ``interrupted`` (:meth:`Store.requeue_or_interrupt`), never both and never
twice: the same conditional updates decide. Iteration numbers are fixed in the row, so a
re-run overwrites its own iteration instead of adding one.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..store.index import default_url
from .estimates import MeasureTuning
from .events import EventLog

if TYPE_CHECKING:
    from celery import Celery

    from ..store import Store

log = logging.getLogger(__name__)

TASK_NAME = "latent_explorer.run_job"
QUEUE = "latent-explorer"
# Redis priorities: 0 is served first. Training before measuring, as in the in-process pool.
MESSAGE_PRIORITY = {"train": 0, "measure": 6, "seed": 9}  # 0 runs first
# A train job waits (the message is retried after this) while an older train job of the same
# experiment is queued or running: iterations are numbered in order.
TRAIN_ORDER_RETRY_S = 1.0


@dataclass(frozen=True)
class TeamConfig:
    """Where the team's shared state lives; the same for the web server and every worker."""

    broker: str  # redis://host:6379/0
    database: str  # postgresql+psycopg://user@host/db (or sqlite:/// for one machine)
    artifacts: str | None  # s3://bucket/prefix, or None: <state_dir>
    state_dir: str  # uploaded datasets, and the default artifacts folder
    data_dir: str | None = None
    events: str | None = None  # a Redis URL for the progress streams; default: the broker
    device: str = "auto"
    threads: int | None = 1  # torch threads per job
    wall_seconds: float = 3_600
    measure: MeasureTuning = MeasureTuning()  # how a measure job reports its estimates

    @property
    def events_url(self) -> str:
        return self.events or self.broker


def store_urls(config: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(database URL, artifacts root) from the app config, then ``LATENT_EXPLORER_DATABASE``
    and ``LATENT_EXPLORER_ARTIFACTS``; None means the state folder's default."""
    database = config.get("DATABASE") or os.environ.get("LATENT_EXPLORER_DATABASE") or None
    artifacts = config.get("ARTIFACTS") or os.environ.get("LATENT_EXPLORER_ARTIFACTS") or None
    return database, artifacts


def team_config(config: Mapping[str, Any]) -> TeamConfig | None:
    """The team backend's settings when the app config (or ``LATENT_EXPLORER_BROKER``) names a
    broker; None selects the in-process backend."""
    broker = config.get("BROKER") or os.environ.get("LATENT_EXPLORER_BROKER")
    if not broker:
        return None
    if not str(broker).startswith(("redis://", "rediss://")):
        raise ValueError(
            f"broker URL {broker!r} is not supported; use redis://HOST:6379/0 (Redis is both the "
            "queue and the progress streams)"
        )
    database, artifacts = store_urls(config)
    if database is None or database.startswith("sqlite"):
        log.warning(
            "the team backend with a SQLite index works on one machine only; give workers on "
            "other machines a shared --database postgresql+psycopg://..."
        )
    return TeamConfig(
        broker=str(broker),
        database=database or default_url(config["STATE_DIR"]),
        artifacts=artifacts,
        state_dir=str(config["STATE_DIR"]),
        data_dir=config.get("DATA_DIR"),
        events=config.get("EVENTS") or os.environ.get("LATENT_EXPLORER_EVENTS") or None,
        device=config.get("DEVICE", "auto"),
        threads=config.get("TORCH_THREADS"),
        wall_seconds=float(config.get("MAX_WALL_SECONDS") or 3_600),
        measure=MeasureTuning.from_config(config),
    )


def make_celery(config: TeamConfig) -> Celery:
    """The Celery app of the team backend (the web process only sends with it)."""
    from celery import Celery  # here: the in-process default never pays for the import

    app = Celery("latent_explorer", broker=config.broker, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],  # never pickle: a message is a job id, nothing more
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "queue_order_strategy": "priority",
            "priority_steps": sorted(set(MESSAGE_PRIORITY.values())),
            # How long a delivered, unacknowledged message waits before Redis hands it out
            # again; the row's idempotent claim makes an early redelivery harmless.
            "visibility_timeout": max(3_600, int(config.wall_seconds) + 600),
        },
        worker_hijack_root_logger=False,
    )
    app.task(name=TASK_NAME, bind=True, max_retries=None)(_run_job_task)
    app.conf.latent_explorer_team = config
    return app


def send_job(app: Celery, job_id: str, kind: str) -> None:
    app.send_task(TASK_NAME, args=[job_id], priority=MESSAGE_PRIORITY.get(kind, 6), queue=QUEUE)


# -- the worker side ---------------------------------------------------------------------------


class _WorkerContext:
    """What one worker process keeps between jobs: its store, event log and experiments."""

    def __init__(self, config: TeamConfig) -> None:
        from ..core.training import set_threads
        from ..store import Store
        from .execute import DatasetSource, ExperimentCache
        from .redis_events import RedisEventLog

        set_threads(config.threads)
        self.config = config
        self.device = _device_for_this_process(config.device)
        self.store = Store(config.state_dir, database=config.database, artifacts=config.artifacts)
        self.events = RedisEventLog(config.events_url)
        self.experiments = ExperimentCache(
            self.store,  # type: ignore[arg-type]
            DatasetSource(config.data_dir, config.state_dir),
            device=self.device,
        )


_context: _WorkerContext | None = None
_context_pid: int | None = None


def _worker_context(config: TeamConfig) -> _WorkerContext:
    # One per process, made after the fork: a connection pool must never cross a fork.
    global _context, _context_pid
    if _context is None or _context_pid != os.getpid():
        _context, _context_pid = _WorkerContext(config), os.getpid()
    return _context


def _device_for_this_process(device: str) -> str:
    if device not in ("auto", "cuda"):
        return device
    import torch

    if not torch.cuda.is_available():
        return "cpu" if device == "auto" else device
    from billiard.process import current_process

    index = getattr(current_process(), "index", 0) or 0
    return f"cuda:{index % torch.cuda.device_count()}"


def _run_job_task(task: Any, job_id: str) -> str | None:
    config: TeamConfig = task.app.conf.latent_explorer_team
    ctx = _worker_context(config)
    job = ctx.store.job(job_id)
    if job is None or job.state != "queued":
        return None  # a redelivery, or cancelled before it started: nothing to do
    if job.kind == "train":
        earlier = [
            j
            for j in ctx.store.jobs_for(job.experiment_id, active=True, limit=100)
            if j.kind == "train"
            and j.id != job.id
            and (j.state == "running" or j.created_at < job.created_at)
        ]
        if earlier:
            raise task.retry(countdown=TRAIN_ORDER_RETRY_S)
    from .execute import run_job

    return run_job(
        job_id,
        store=ctx.store,  # type: ignore[arg-type]
        events=ctx.events,
        submit=lambda follow_up: send_job(task.app, follow_up, _kind_of(ctx.store, follow_up)),
        experiments=ctx.experiments,
        worker=f"{task.request.hostname}/{os.getpid()}",
        wall_seconds=config.wall_seconds,
        may_exit=True,
        measure=config.measure,
    )


def _kind_of(store: Any, job_id: str) -> str:
    """A follow-up's kind (measure, or seed), for its message priority."""
    job = store.job(job_id)
    return job.kind if job is not None else "measure"


def run_worker(
    config: TeamConfig,
    *,
    concurrency: int | None = None,
    name: str | None = None,
    loglevel: str = "INFO",
) -> None:
    """``latent-explorer worker``: consume jobs until stopped (SIGTERM: finish the current job)."""
    if concurrency is None:
        concurrency = _gpu_count() or 1
    app = make_celery(config)
    argv = ["worker", f"--loglevel={loglevel}", "--pool=prefork", f"--concurrency={concurrency}"]
    argv += ["--queues", QUEUE, "--without-gossip", "--without-mingle"]
    if name:
        argv += ["--hostname", name]
    app.worker_main(argv)


def _gpu_count() -> int:
    try:
        import torch

        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except Exception:  # noqa: BLE001 - no usable torch build: CPU only
        return 0


# -- the web side -------------------------------------------------------------------------------


class CeleryBackend:
    """Sends queued jobs to the workers and sweeps rows whose worker stopped heart-beating."""

    def __init__(
        self,
        store: Store,
        events: EventLog,
        config: TeamConfig,
        *,
        stale_s: float = 60.0,
        sweep_s: float = 2.0,
    ) -> None:
        self.store, self.events, self.config = store, events, config
        self.stale_s, self.sweep_s = stale_s, sweep_s
        self.app = make_celery(config)
        self._stop = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep_loop, name="jobs-sweep", daemon=True)
        self._sweeper.start()

    def submit(self, job_id: str) -> None:
        job = self.store.job(job_id)
        if job is None:
            raise KeyError(job_id)
        send_job(self.app, job_id, job.kind)

    def close(self) -> None:
        """Stop sweeping. Jobs on the workers go on: they belong to the team, not this process."""
        self._stop.set()
        self._sweeper.join(timeout=5)
        self.app.close()

    def worker_pids(self) -> dict[str, int | None]:
        """Job id -> pid of the worker process running it (from the row's ``host/pid``); on
        another machine the pid means nothing here, so tests run the worker beside them."""
        out: dict[str, int | None] = {}
        for job in self.store.running_jobs():
            tail = (job.worker or "").rsplit("/", 1)[-1]
            out[job.id] = int(tail) if tail.isdigit() else None
        return out

    def sweep(self) -> list[str]:
        """Requeue (and send again) or interrupt running jobs with a stale heartbeat; return
        the ids of the jobs acted on."""
        acted = []
        for job in self.store.running_jobs():
            if _age_s(job.heartbeat_at or job.started_at) <= self.stale_s:
                continue
            state = self.store.requeue_or_interrupt(job.id)
            if state is None:
                continue
            acted.append(job.id)
            log.warning("job %s lost its worker %s: %s", job.id, job.worker, state)
            data = {"job_id": job.id, "kind": job.kind, "iteration": job.iteration, "state": state}
            self.events.append(
                job.experiment_id, "requeued" if state == "queued" else "interrupted", data
            )
            if state == "queued":
                send_job(self.app, job.id, job.kind)
        return acted

    def _sweep_loop(self) -> None:
        while not self._stop.wait(self.sweep_s):
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - a database hiccup: try again next time
                log.exception("sweeping stale jobs")


def _age_s(stamp: str | None) -> float:
    if not stamp:
        return float("inf")
    return (datetime.now(timezone.utc) - datetime.fromisoformat(stamp)).total_seconds()
