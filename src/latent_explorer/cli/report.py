"""``latent-explorer report EXPERIMENT -o FILE.html``: an experiment as one self-contained HTML
file (see :mod:`latent_explorer.core.report`).

EXPERIMENT is a folder written by ``train --out`` / ``retrain --out``, or the id of an
experiment stored by the server (its state folder, or the ``--database`` / ``--artifacts`` of
a team server), or ``latest`` for the one changed last there.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .options import add_data_dir, add_state_dir


def add_parser(sub: Any) -> None:
    report = sub.add_parser(
        "report",
        help="write an experiment as one self-contained HTML file",
        description="Write one HTML file with every iteration's plots (hover, zoom), metrics, "
        "losses, configuration, seed, versions and the dataset's fingerprint. It opens in any "
        "browser, offline, and loads nothing.",
    )
    report.add_argument(
        "experiment",
        help="a folder written by 'train --out' or 'retrain --out', an experiment id stored "
        "by the server (the id in the page's URL), or 'latest'",
    )
    report.add_argument("-o", "--out", required=True, type=Path, help="the HTML file to write")
    add_state_dir(report, "the server's state folder (also LATENT_EXPLORER_STATE)")
    report.add_argument(
        "--database", default=None, help="a team server's index URL (also LATENT_EXPLORER_DATABASE)"
    )
    report.add_argument(
        "--artifacts",
        default=None,
        help="a team server's artifacts (also LATENT_EXPLORER_ARTIFACTS)",
    )
    add_data_dir(report)


def run(args: argparse.Namespace) -> int:
    from ..core.report import write_report

    folder = Path(args.experiment)
    if (folder / "experiment.json").is_file():
        from .outputs import load_run_folder

        exp = load_run_folder(folder, data_dir=args.data_dir, device="cpu")
        experiment_id = None
    else:
        exp, experiment_id = _stored(args)
    if not exp.iterations:
        raise ValueError(f"experiment {args.experiment} has no trained iteration yet")
    path = write_report(exp, args.out, experiment_id=experiment_id)
    size = path.stat().st_size
    print(f"{path}: {len(exp.iterations)} iterations, {size / 1e6:.1f} MB")
    return 0


def _stored(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The experiment ``args.experiment`` (an id or ``latest``) from the server's store."""
    from ..runtime.celery_backend import store_urls
    from ..runtime.execute import DatasetSource
    from ..store import Store
    from ..web import resolve_state_dir

    state_dir = resolve_state_dir(args.state_dir)
    database, artifacts = store_urls({"DATABASE": args.database, "ARTIFACTS": args.artifacts})
    if database is None and not (state_dir / "store.sqlite").is_file():
        raise FileNotFoundError(
            f"{args.experiment} is neither a folder written by 'train --out' nor an experiment "
            f"of a server: {state_dir} holds no stored experiments (pass --state-dir)"
        )
    store = Store(state_dir, database=database, artifacts=artifacts)
    try:
        wanted = args.experiment
        if wanted == "latest":
            rows = store.list_experiments(limit=1)
            if not rows:
                raise ValueError(f"no experiments are stored in {state_dir}")
            wanted = rows[0]["id"]
        if store.experiment(wanted) is None:
            recent = ", ".join(r["id"] for r in store.list_experiments(limit=5)) or "none"
            raise ValueError(
                f"no experiment {wanted!r} is stored in {state_dir} and no such folder exists; "
                f"the most recent ids are: {recent}"
            )
        source = DatasetSource(args.data_dir, str(state_dir))
        exp, _ = store.load(wanted, load_dataset=source, device="cpu")
        return exp, wanted
    finally:
        store.close()
