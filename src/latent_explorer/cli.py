"""Command line: ``latent-explorer serve | worker | datasets | train | retrain``, and
``latent-explorer FILE`` (a .csv, .npy or .parquet file) to explore that file at once."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__

THREADS_ENV = "LATENT_EXPLORER_THREADS"


def _add_common(p: argparse.ArgumentParser, *, threads_default: str) -> None:
    p.add_argument(
        "--data-dir",
        default=None,
        help="folder with dataset files (also LATENT_EXPLORER_DATA); downloads go to the cache",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help=f"torch threads (default: ${THREADS_ENV} or {threads_default})",
    )
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (default: auto)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="latent-explorer",
        description="See what an autoencoder's 2-D latent space has learned. "
        "`latent-explorer FILE.csv` (or .npy, .parquet) serves the explorer on that file.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the web explorer")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    serve.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"port (default {DEFAULT_PORT}, or a free one when it is taken)",
    )
    serve.add_argument("--open", action="store_true", help="open the page in a web browser")
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer to this host name (e.g. a proxy's); loopback names always work",
    )
    serve.add_argument(
        "--file",
        type=Path,
        default=None,
        help="a .csv, .npy or .parquet file to explore (as `latent-explorer FILE`)",
    )
    serve.add_argument(
        "--state-dir",
        default=None,
        help="where experiments and uploads are kept (also LATENT_EXPLORER_STATE)",
    )

    serve.add_argument(
        "--data-dir", default=None, help="folder with dataset files (also LATENT_EXPLORER_DATA)"
    )
    serve.add_argument(
        "--threads",
        type=int,
        default=48,
        help="request threads of the WSGI server (waitress); each open event stream holds "
        "one, so event streams are capped at this minus 16 (default: 48)",
    )
    serve.add_argument(
        "--torch-threads",
        type=int,
        default=None,
        help=f"torch threads of each job worker (default: ${THREADS_ENV} or 1)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="job worker processes, i.e. jobs running at once; the rest queue "
        "(default: LATENT_EXPLORER_MAX_WORKERS, else 2 to 4 by the cores)",
    )
    serve.add_argument("--device", default="auto", help="auto, cpu or cuda (default: auto)")
    _add_team_urls(serve)

    _add_worker(sub)

    ds = sub.add_parser("datasets", help="list datasets with size and availability")
    ds.add_argument("--data-dir", default=None)
    ds.add_argument("--json", action="store_true", help="print JSON instead of a table")

    train = sub.add_parser("train", help="train a model and write coordinates and metrics")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset")
    # -- your own data (core/datasets/) ---------------------------------------------------
    source.add_argument("--csv", type=Path, help="train on a CSV file (UTF-8, header line)")
    train.add_argument("--features", help="CSV feature columns, a,b,c (default: numeric ones)")
    train.add_argument("--label", help="CSV label column (default: suggested; '' for none)")
    train.add_argument("--scaling", choices=["standard", "minmax", "none"], default="standard")
    train.add_argument("--delimiter", default=None, help="CSV delimiter (default: detected)")
    train.add_argument("--drop-bad-rows", action="store_true", help="drop rows with bad cells")
    # -- end of your own data -------------------------------------------------------------------
    train.add_argument("--model", choices=["ae", "vae"], default="ae")
    train.add_argument("--epochs", type=int, default=None)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--lr", type=float, default=None)
    train.add_argument("--batch-size", type=int, default=None)
    train.add_argument("--beta", type=float, default=None, help="KL weight (VAE)")
    train.add_argument("--download", action="store_true", help="download a missing dataset")
    train.add_argument("--out", required=True, type=Path)
    _add_common(train, threads_default="all cores")

    retrain = sub.add_parser("retrain", help="train further on a selection of points")
    retrain.add_argument("--from", dest="source", required=True, type=Path)
    retrain.add_argument(
        "--select",
        required=True,
        help="class=LABEL[,LABEL] | random=N | random=P%% | ids=FILE (one id per line or JSON list)",
    )
    retrain.add_argument("--mode", choices=["finetune", "scratch"], default="finetune")
    retrain.add_argument("--epochs", type=int, default=None)
    retrain.add_argument("--seed", type=int, default=0, help="seed of a random selection")
    retrain.add_argument("--parent", type=int, default=None, help="iteration to start from")
    retrain.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="chain N fine-tunes on the same selection, each stored as an iteration "
        "(1-20, default 1); forgetting.json reports the change per class",
    )
    retrain.add_argument("--out", required=True, type=Path)
    _add_common(retrain, threads_default="all cores")
    return parser


def _add_team_urls(p: argparse.ArgumentParser) -> None:
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


def _add_worker(sub: Any) -> None:
    worker = sub.add_parser(
        "worker", help="run jobs for a team server (a Celery worker on Redis; see README)"
    )
    _add_team_urls(worker)
    worker.add_argument(
        "--state-dir",
        default=None,
        help="uploaded datasets, shared with the server (also LATENT_EXPLORER_STATE)",
    )
    worker.add_argument(
        "--data-dir", default=None, help="folder with dataset files (also LATENT_EXPLORER_DATA)"
    )
    worker.add_argument("--device", default="auto", help="auto, cpu or cuda (default: auto)")
    worker.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="jobs at once, one process each (default: one per GPU, else 1)",
    )
    worker.add_argument(
        "--torch-threads",
        type=int,
        default=None,
        help=f"torch threads per job (default: ${THREADS_ENV} or 1)",
    )
    worker.add_argument("--name", default=None, help="the worker's Celery node name")
    worker.add_argument("--loglevel", default="INFO")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(_file_shortcut(sys.argv[1:] if argv is None else argv))
    from .core.datasets import DatasetError, DatasetUnavailable

    try:
        return int(COMMANDS[args.command](args) or 0)
    except (DatasetUnavailable, DatasetError, ValueError, FileNotFoundError) as exc:
        # A user mistake or a missing file: the message says what to do; a traceback would not.
        print(f"latent-explorer: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _threads(args: argparse.Namespace, default: int | None) -> None:
    from .core.training import set_threads

    value = args.threads
    if value is None and os.environ.get(THREADS_ENV):
        value = int(os.environ[THREADS_ENV])
    set_threads(value if value is not None else default)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve through waitress (a production WSGI server, pure Python); jobs run in worker
    processes (runtime/inprocess.py), so requests never wait behind the model."""
    import waitress

    from .web import close_app, create_app

    if args.threads < 4:
        raise ValueError(f"--threads ({args.threads}) must be at least 4")
    torch_threads = args.torch_threads
    if torch_threads is None:
        torch_threads = int(os.environ.get(THREADS_ENV) or 1)
    port = _port(args.host, args.port)
    config: dict[str, Any] = {
        "DATA_DIR": args.data_dir,
        "DEVICE": args.device,
        "STATE_DIR": args.state_dir,
        "HOST": args.host,
        "ALLOWED_HOSTS": tuple(args.allow_host),
        "ACCESS_TOKEN": access_token(args.host),
        "TORCH_THREADS": torch_threads,
        "MAX_WORKERS": args.workers,
        "MAX_STREAMS": max(1, args.threads - 16),
        "BROKER": args.broker,
        "DATABASE": args.database,
        "ARTIFACTS": args.artifacts,
        "EVENTS": args.events,
    }
    app = create_app(config)
    if args.file is not None:
        app.config["DEFAULT_DATASET"] = _import_file(args.file, app.config["STATE_DIR"])
    url = page_url(args.host, port, app.config["ACCESS_TOKEN"])
    if app.config["ACCESS_TOKEN"]:
        print(
            f"latent-explorer: listening on {args.host}, reachable from your network: every "
            "request needs the token in this URL (keep it private)",
            file=sys.stderr,
        )
    print(f"latent-explorer: open {url}", flush=True)
    if args.open:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    try:
        waitress.serve(
            app,
            host=args.host,
            port=port,
            threads=args.threads,
            # Read ahead on each connection so a closed tab is noticed while its event
            # stream waits (waitress.client_disconnected), freeing the thread at once.
            channel_request_lookahead=1,
            ident="latent-explorer",
        )
    finally:
        close_app(app)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """A team worker: takes job ids from the broker and runs them against the shared store."""
    from .runtime.celery_backend import TeamConfig, run_worker
    from .web import resolve_state_dir

    for flag in ("broker", "database"):
        if not getattr(args, flag) and not os.environ.get(f"LATENT_EXPLORER_{flag.upper()}"):
            raise ValueError(
                f"--{flag} is required: a worker takes jobs from the team's Redis and shares "
                "its index (e.g. --broker redis://HOST:6379/0 --database "
                "postgresql+psycopg://USER@HOST/DB); see README, Team server"
            )
    if args.concurrency is not None and args.concurrency < 1:
        raise ValueError(f"--concurrency ({args.concurrency}) must be at least 1")
    threads = args.torch_threads
    if threads is None:
        threads = int(os.environ.get(THREADS_ENV) or 1)
    env = os.environ.get
    config = TeamConfig(
        broker=args.broker or env("LATENT_EXPLORER_BROKER", ""),
        database=args.database or env("LATENT_EXPLORER_DATABASE", ""),
        artifacts=args.artifacts or env("LATENT_EXPLORER_ARTIFACTS") or None,
        events=args.events or env("LATENT_EXPLORER_EVENTS") or None,
        state_dir=str(resolve_state_dir(args.state_dir)),
        data_dir=args.data_dir or os.environ.get("LATENT_EXPLORER_DATA"),
        device=args.device,
        threads=threads,
    )
    run_worker(config, concurrency=args.concurrency, name=args.name, loglevel=args.loglevel)
    return 0


DEFAULT_PORT = 5000
FILE_SUFFIXES = (".csv", ".npy", ".parquet")


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


def access_token(host: str) -> str | None:
    """A random token when ``host`` is reachable from other machines (None on loopback);
    ``LATENT_EXPLORER_TOKEN`` fixes it (e.g. behind a proxy that restarts the server)."""
    from .web.security import is_loopback, new_token

    if is_loopback(host):
        return None
    return os.environ.get("LATENT_EXPLORER_TOKEN") or new_token()


def page_url(host: str, port: int, token: str | None) -> str:
    """The URL to open: a wildcard bind shows this machine's name; the token rides along."""
    import socket

    shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def _port(host: str, wanted: int | None) -> int:
    """``wanted``, or 5000 when it is free, else a free port the system picks."""
    import socket

    if wanted is not None:
        return wanted
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, DEFAULT_PORT))
            return DEFAULT_PORT
        except OSError:
            pass
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port = int(probe.getsockname()[1])
    print(f"latent-explorer: port {DEFAULT_PORT} is taken; using {port}", file=sys.stderr)
    return port


def _import_file(path: Path, state_dir: str) -> str:
    """Keep ``path`` as an uploaded dataset (replacing an earlier import of the same file
    name) and return its name, so the page opens on it."""
    from .core.datasets import UserDatasetStore

    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; give a .csv, .npy or .parquet file")
    dataset = _file_dataset(path)
    info = UserDatasetStore(Path(state_dir) / "datasets").save(dataset, path.name, overwrite=True)
    return info.name


def _file_dataset(path: Path):  # type: ignore[no-untyped-def]
    """A .csv (features and label as an upload suggests them), a numeric .npy array (one
    class), or a .parquet table (numeric columns are features, a text column the label)."""
    from .core.datasets import (
        CsvError,
        build_dataset,
        from_arrays,
        from_npy,
        inspect_csv,
        user_dataset_name,
    )

    try:
        name = path.stem
        user_dataset_name(name)
    except CsvError:  # a file name without a letter or digit still makes a dataset
        name = "file"
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return from_npy(path.read_bytes(), name=name, title=path.name)
    if suffix == ".parquet":
        try:
            import pandas as pd

            frame = pd.read_parquet(path)
        except ImportError as exc:
            raise ValueError(
                f"{path.name}: reading Parquet needs pandas and pyarrow; install them with "
                "pip install pandas pyarrow"
            ) from exc
        text = [c for c in frame.columns if frame[c].dtype.kind not in "biuf"]
        if len(text) > 1:
            raise ValueError(
                f"{path.name}: columns {text[:5]} are not numbers; keep one (the label) and "
                "drop the others"
            )
        return from_arrays(frame, text[0] if text else None, name=name, title=path.name)
    data = path.read_bytes()
    preview = inspect_csv(data, filename=path.name)
    label = preview.suggested_label
    features = [f for f in preview.suggested_features if f != label]
    return build_dataset(
        data,
        name=name,
        features=features,
        label=label,
        scaling="standard",
        delimiter=preview.delimiter,
        source_name=path.name,
    )


def cmd_datasets(args: argparse.Namespace) -> int:
    from .core.datasets import list_datasets

    infos = list_datasets(data_dir=args.data_dir)
    if args.json:
        print(json.dumps([_info_dict(i) for i in infos], indent=2))
        return 0
    print(f"{'name':<14}{'kind':<9}{'points':>8}{'features':>10}{'classes':>9}  availability")
    for i in infos:
        print(
            f"{i.name:<14}{i.kind:<9}{i.n_samples:>8}{i.n_features:>10}{i.n_classes:>9}  "
            f"{i.availability}"
        )
    missing = [i for i in infos if i.availability in ("missing", "downloadable")]
    for i in missing:
        print(f"\n{i.name}: {i.how_to_get}")
    return 0


def _info_dict(info: object) -> dict:
    from dataclasses import asdict

    return asdict(info)  # type: ignore[call-overload]


class _Bar:
    """A tqdm progress bar fed by the training loop's progress callback."""

    def __init__(self, desc: str) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self.bar: Any = None
        self.desc = desc

    def __call__(self, p) -> None:  # type: ignore[no-untyped-def]
        if self.bar is None:
            # A repeated Submit counts the epochs of all its repetitions in one bar.
            total = p.epochs * getattr(p, "repetitions", 1)
            self.bar = self._tqdm(total=total, desc=self.desc, unit="epoch", file=sys.stderr)
        self.bar.set_postfix(loss=f"{p.loss:.4g}")
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_train(args: argparse.Namespace) -> int:
    from .core.datasets import load_dataset
    from .core.experiment import Experiment
    from .core.training import default_config

    _threads(args, None)
    if args.csv is not None:
        dataset = _csv_dataset(args)
    else:
        dataset = load_dataset(args.dataset, data_dir=args.data_dir, download=args.download)
    config = default_config(
        dataset.n_samples, dataset.n_features, data_kind=dataset.kind, model=args.model
    )
    changes = {
        "epochs": args.epochs,
        "seed": args.seed,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "beta": args.beta,
    }
    config = config.replace(**{k: v for k, v in changes.items() if v is not None})
    exp = Experiment(dataset, args.model, config=config, device=args.device)
    bar = _Bar(f"{args.model} on {dataset.name}")
    try:
        iteration = exp.train(progress=bar)
    finally:
        bar.close()
    _write_outputs(exp, iteration.index, args.out)
    _report(iteration, args.out)
    return 0


def _csv_dataset(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Build a dataset from ``--csv`` and keep it under ``OUT/dataset`` for ``retrain``."""
    from .core.datasets import (
        CsvError,
        UserDatasetStore,
        build_dataset,
        inspect_csv,
        user_dataset_name,
    )

    data = args.csv.read_bytes()
    delimiter = {"tab": "\t", "\\t": "\t"}.get(args.delimiter, args.delimiter)
    preview = inspect_csv(data, filename=args.csv.name, delimiter=delimiter)
    features = [f.strip() for f in args.features.split(",")] if args.features else None
    features = features or preview.suggested_features
    label = args.label or None
    if args.label is None and preview.suggested_label not in features:
        label = preview.suggested_label
    try:
        name = args.csv.stem
        user_dataset_name(name)
    except CsvError:  # a file name without a letter or digit still makes a dataset
        name = "csv"
    dataset = build_dataset(
        data,
        name=name,
        features=features,
        label=label,
        scaling=args.scaling,
        drop_bad_rows=args.drop_bad_rows,
        delimiter=preview.delimiter,
        source_name=args.csv.name,
    )
    UserDatasetStore(args.out / "dataset").save(dataset, args.csv.name, overwrite=True)
    return dataset


def _saved_dataset(folder: Path):  # type: ignore[no-untyped-def]
    """The CSV dataset a ``train --csv`` run kept beside its experiment, if any."""
    from .core.datasets import UserDatasetStore

    store = UserDatasetStore(folder / "dataset")
    names = store.names()
    return store.load(names[0]) if names else None


def parse_selection(spec: str, dataset, *, seed: int):  # type: ignore[no-untyped-def]
    """Turn ``class=...``, ``random=N``, ``random=P%`` or ``ids=FILE`` into a Selection."""
    from .core.selection import Selection, select_classes, select_random, validate_ids

    kind, sep, value = spec.partition("=")
    if not sep or not value:
        raise ValueError(f"--select ({spec!r}) must look like class=3, random=100 or ids=FILE")
    if kind == "class":
        names = [v.strip() for v in value.split(",") if v.strip()]
        indices = []
        for name in names:
            if name in dataset.class_names:
                indices.append(dataset.class_names.index(name))
            else:
                raise ValueError(
                    f"class {name!r} is not a class of {dataset.name}; "
                    f"choose from {dataset.class_names}"
                )
        return select_classes(dataset.y, indices, class_names=dataset.class_names)
    if kind == "random":
        if value.endswith("%"):
            return select_random(dataset.n_samples, fraction=float(value[:-1]) / 100, seed=seed)
        return select_random(dataset.n_samples, count=int(value), seed=seed)
    if kind == "ids":
        text = Path(value).read_text()
        raw = json.loads(text) if text.lstrip().startswith("[") else text.split()
        ids = [int(v) for v in raw]
        return Selection(
            validate_ids(ids, n_samples=dataset.n_samples),
            method="ids",
            params={"file": Path(value).name},
        )
    raise ValueError(f"--select kind ({kind!r}) must be class, random or ids")


def cmd_retrain(args: argparse.Namespace) -> int:
    from .core.forgetting import check_repeat, forgetting_report
    from .core.persist import load_experiment

    _threads(args, None)
    saved = _saved_dataset(args.source)  # a --csv run's data; None: load by name
    exp = load_experiment(args.source, dataset=saved, data_dir=args.data_dir, device=args.device)
    selection = parse_selection(args.select, exp.dataset, seed=args.seed)
    repeat = check_repeat(args.repeat, name="--repeat")
    bar = _Bar(f"{args.mode} on {len(selection)} points")
    try:
        iteration = exp.retrain(
            selection,
            parent=args.parent,
            mode=args.mode,
            epochs=args.epochs,
            repeat=repeat,
            progress=bar,
        )
    finally:
        bar.close()
    _write_outputs(exp, iteration.index, args.out)
    if saved is not None and args.out.resolve() != args.source.resolve():
        import shutil  # keep the CSV's data beside this run too, so it can be retrained

        shutil.copytree(args.source / "dataset", args.out / "dataset", dirs_exist_ok=True)
    _report(iteration, args.out)
    report = forgetting_report(exp, iteration.index)
    (args.out / "forgetting.json").write_text(json.dumps(report, indent=2))
    if repeat > 1:
        for cls in report["classes"]:
            print(f"  {cls['change']['text']}")
    return 0


def _write_outputs(exp, index: int, out: Path) -> None:  # type: ignore[no-untyped-def]
    """The whole experiment (so it can be retrained again) plus the chosen iteration's
    coordinates.csv, metrics.json and model.pt at the top of ``out``."""
    import shutil

    from .core.persist import save_experiment

    iteration = exp.iterations[index]
    save_experiment(exp, out)
    selected = np.zeros(exp.dataset.n_samples, dtype=bool)
    if iteration.selection is not None:
        selected[iteration.selection.ids] = True
    with open(out / "coordinates.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "x", "y", "label", "selected"])
        for i, (x, y) in enumerate(iteration.coords[:, :2]):
            label = exp.dataset.class_names[int(exp.dataset.y[i])]
            writer.writerow([i, f"{x:.6g}", f"{y:.6g}", label, int(selected[i])])
    payload = {
        "dataset": exp.dataset.name,
        "model": exp.model_kind,
        "iteration": iteration.index,
        "parent": iteration.parent,
        "mode": iteration.mode,
        **(iteration.metrics or {}),
        "parent_metrics": iteration.parent_metrics,
    }
    (out / "metrics.json").write_text(json.dumps(payload, indent=2))
    shutil.copyfile(out / f"iter_{index}" / "model.pt", out / "model.pt")


def _report(iteration, out: Path) -> None:  # type: ignore[no-untyped-def]
    m = iteration.metrics["all"]
    print(
        f"iteration {iteration.index}: T(7)={m['trustworthiness']:.4f} "
        f"C(7)={m['continuity']:.4f} NH(3)={m['neighborhood_hit']:.4f} "
        f"shepard={m.get('shepard', float('nan')):.4f} stress={m.get('stress', float('nan')):.4f} "
        f"recon={m['reconstruction_error']:.5f}  -> {out}"
    )


COMMANDS = {
    "serve": cmd_serve,
    "datasets": cmd_datasets,
    "train": cmd_train,
    "retrain": cmd_retrain,
    "worker": cmd_worker,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
