"""``latent-explorer serve`` (and ``latent-explorer FILE``): the web explorer through waitress."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from .options import (
    add_data_dir,
    add_device,
    add_state_dir,
    add_team_urls,
    add_torch_threads,
    job_torch_threads,
)

DEFAULT_PORT = 5000


def add_parser(sub: Any) -> None:
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
    add_state_dir(serve, "where experiments and uploads are kept (also LATENT_EXPLORER_STATE)")
    add_data_dir(serve)
    serve.add_argument(
        "--threads",
        type=int,
        default=48,
        help="request threads of the WSGI server (waitress); each open event stream holds "
        "one, so event streams are capped at this minus 16 (default: 48)",
    )
    add_torch_threads(serve, "of each job worker")
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="job worker processes, i.e. jobs running at once; the rest queue "
        "(default: LATENT_EXPLORER_MAX_WORKERS, else 2 to 4 by the cores)",
    )
    add_device(serve)
    add_team_urls(serve)


def run(args: argparse.Namespace) -> int:
    """Serve through waitress (a production WSGI server, pure Python); jobs run in worker
    processes (runtime/inprocess.py), so requests never wait behind the model."""
    import waitress

    from ..web import close_app, create_app

    if args.threads < 4:
        raise ValueError(f"--threads ({args.threads}) must be at least 4")
    port = _port(args.host, args.port)
    config: dict[str, Any] = {
        "DATA_DIR": args.data_dir,
        "DEVICE": args.device,
        "STATE_DIR": args.state_dir,
        "HOST": args.host,
        "ALLOWED_HOSTS": tuple(args.allow_host),
        "ACCESS_TOKEN": access_token(args.host),
        "TORCH_THREADS": job_torch_threads(args),
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


def access_token(host: str) -> str | None:
    """A random token when ``host`` is reachable from other machines (None on loopback);
    ``LATENT_EXPLORER_TOKEN`` fixes it (e.g. behind a proxy that restarts the server)."""
    from ..web.security import is_loopback, new_token

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
    from ..core.datasets import UserDatasetStore

    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; give a .csv, .npy or .parquet file")
    dataset = _file_dataset(path)
    info = UserDatasetStore(Path(state_dir) / "datasets").save(dataset, path.name, overwrite=True)
    return info.name


def _file_dataset(path: Path):  # type: ignore[no-untyped-def]
    """A .csv (features and label as an upload suggests them), a numeric .npy array (one
    class), or a .parquet table (numeric columns are features, a text column the label)."""
    from ..core.datasets import (
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
