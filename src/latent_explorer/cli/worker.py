"""``latent-explorer worker``: a Celery worker that runs a team server's jobs."""

from __future__ import annotations

import argparse
import os
from typing import Any

from .options import (
    add_data_dir,
    add_device,
    add_state_dir,
    add_team_urls,
    add_torch_threads,
    job_torch_threads,
)


def add_parser(sub: Any) -> None:
    worker = sub.add_parser(
        "worker", help="run jobs for a team server (a Celery worker on Redis; see README)"
    )
    add_team_urls(worker)
    add_state_dir(worker, "uploaded datasets, shared with the server (also LATENT_EXPLORER_STATE)")
    add_data_dir(worker)
    add_device(worker)
    worker.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="jobs at once, one process each (default: one per GPU, else 1)",
    )
    add_torch_threads(worker, "per job")
    worker.add_argument("--name", default=None, help="the worker's Celery node name")
    worker.add_argument("--loglevel", default="INFO")


def run(args: argparse.Namespace) -> int:
    """A team worker: takes job ids from the broker and runs them against the shared store."""
    from ..runtime.celery_backend import TeamConfig, run_worker
    from ..runtime.estimates import MeasureTuning
    from ..web import resolve_state_dir

    for flag in ("broker", "database"):
        if not getattr(args, flag) and not os.environ.get(f"LATENT_EXPLORER_{flag.upper()}"):
            raise ValueError(
                f"--{flag} is required: a worker takes jobs from the team's Redis and shares "
                "its index (e.g. --broker redis://HOST:6379/0 --database "
                "postgresql+psycopg://USER@HOST/DB); see README, Team server"
            )
    if args.concurrency is not None and args.concurrency < 1:
        raise ValueError(f"--concurrency ({args.concurrency}) must be at least 1")
    env = os.environ.get
    config = TeamConfig(
        broker=args.broker or env("LATENT_EXPLORER_BROKER", ""),
        database=args.database or env("LATENT_EXPLORER_DATABASE", ""),
        artifacts=args.artifacts or env("LATENT_EXPLORER_ARTIFACTS") or None,
        events=args.events or env("LATENT_EXPLORER_EVENTS") or None,
        state_dir=str(resolve_state_dir(args.state_dir)),
        data_dir=args.data_dir or os.environ.get("LATENT_EXPLORER_DATA"),
        device=args.device,
        threads=job_torch_threads(args),
        measure=MeasureTuning.from_config({}),  # LATENT_EXPLORER_MEASURE_<NAME>, as `serve`
    )
    run_worker(config, concurrency=args.concurrency, name=args.name, loglevel=args.loglevel)
    return 0
