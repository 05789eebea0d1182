"""Command line: ``latent-explorer serve | worker | datasets | train | retrain | report``, and
``latent-explorer FILE`` (a .csv, .npy or .parquet file) to explore that file at once.

One module per command, each with ``add_parser(sub)`` and ``run(args)``; the options several
commands share are declared once in ``options.py``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .. import __version__
from . import datasets, report, retrain, serve, train, worker

#: Subcommands in the order ``--help`` lists them.
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "serve": serve.run,
    "worker": worker.run,
    "datasets": datasets.run,
    "train": train.run,
    "retrain": retrain.run,
    "report": report.run,
}
FILE_SUFFIXES = (".csv", ".npy", ".parquet")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="latent-explorer",
        description="See what an autoencoder's 2-D latent space has learned. "
        "`latent-explorer FILE.csv` (or .npy, .parquet) serves the explorer on that file.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (serve, worker, datasets, train, retrain, report):
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(_file_shortcut(sys.argv[1:] if argv is None else argv))
    from ..core.datasets import DatasetError, DatasetUnavailable

    try:
        return int(COMMANDS[args.command](args) or 0)
    except (DatasetUnavailable, DatasetError, ValueError, FileNotFoundError) as exc:
        # A user mistake or a missing file: the message says what to do; a traceback would not.
        print(f"latent-explorer: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _file_shortcut(argv: Sequence[str]) -> list[str]:
    """``latent-explorer FILE [serve options]`` is ``latent-explorer serve --file FILE ...``."""
    args = list(argv)
    first = Path(args[0]) if args else None
    if (
        first is not None
        and not args[0].startswith("-")
        and args[0] not in COMMANDS
        and (first.suffix.lower() in FILE_SUFFIXES or first.is_file())
    ):
        return ["serve", "--file", args[0], *args[1:]]
    return args
