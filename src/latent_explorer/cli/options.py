"""Options that several commands share, declared once so their names and help read the same."""

from __future__ import annotations

import argparse
import os

THREADS_ENV = "LATENT_EXPLORER_THREADS"
DATA_DIR_HELP = "folder with dataset files (also LATENT_EXPLORER_DATA)"


def add_data_dir(p: argparse.ArgumentParser, help: str | None = DATA_DIR_HELP) -> None:
    p.add_argument("--data-dir", default=None, help=help)


def add_device(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (default: auto)")


def add_state_dir(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--state-dir", default=None, help=help)


def add_torch_threads(p: argparse.ArgumentParser, what: str) -> None:
    """``--torch-threads`` of a job process (the server's job workers, a team worker)."""
    p.add_argument(
        "--torch-threads",
        type=int,
        default=None,
        help=f"torch threads {what} (default: ${THREADS_ENV} or 1)",
    )


def job_torch_threads(args: argparse.Namespace) -> int:
    """``--torch-threads``, else ``$LATENT_EXPLORER_THREADS``, else 1: a job process shares
    the machine with the others, so it takes one core unless told otherwise."""
    if args.torch_threads is not None:
        return int(args.torch_threads)
    return int(os.environ.get(THREADS_ENV) or 1)


def add_local_run(p: argparse.ArgumentParser, *, threads_default: str) -> None:
    """Options of a command that trains in this process (train, retrain)."""
    add_data_dir(p, DATA_DIR_HELP + "; downloads go to the cache")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help=f"torch threads (default: ${THREADS_ENV} or {threads_default})",
    )
    add_device(p)


def set_local_threads(args: argparse.Namespace, default: int | None) -> None:
    """Torch threads of a command that trains in this process: ``--threads``, else
    ``$LATENT_EXPLORER_THREADS``, else ``default`` (None: torch's own, all cores)."""
    from ..core.training import set_threads

    value = args.threads
    if value is None and os.environ.get(THREADS_ENV):
        value = int(os.environ[THREADS_ENV])
    set_threads(value if value is not None else default)


def add_team_urls(p: argparse.ArgumentParser) -> None:
    """--broker, --database, --artifacts, --events: where a team server's state lives."""
    p.add_argument(
        "--broker",
        default=None,
        help="run jobs on Celery workers ('latent-explorer worker') through this Redis: "
        "redis://HOST:6379/0 (also LATENT_EXPLORER_BROKER; default: worker processes here)",
    )
    p.add_argument(
        "--database",
        default=None,
        help="the index: postgresql+psycopg://USER@HOST/DB (also LATENT_EXPLORER_DATABASE; "
        "default: sqlite:///<state-dir>/store.sqlite)",
    )
    p.add_argument(
        "--artifacts",
        default=None,
        help="arrays and weights: s3://BUCKET/PREFIX (S3 settings from AWS_* variables, e.g. "
        "AWS_ENDPOINT_URL; also LATENT_EXPLORER_ARTIFACTS; default: the state folder)",
    )
    p.add_argument(
        "--events",
        default=None,
        help="Redis URL of the progress streams (also LATENT_EXPLORER_EVENTS; default: --broker)",
    )
