"""Flask web layer: ``create_app(config)`` is the one factory; nothing happens at import time."""

from __future__ import annotations

import atexit
import os
from pathlib import Path
from typing import Any

from flask import Flask, render_template

from ..runtime.estimates import MeasureTuning
from .backends import registry_for_app
from .errors import register_error_handlers
from .security import init_security

DEFAULTS: dict[str, Any] = {
    "DATA_DIR": None,  # None: LATENT_EXPLORER_DATA, then the user cache folder
    "STATE_DIR": None,  # None: LATENT_EXPLORER_STATE, then the user data folder
    "DEVICE": "auto",
    "DOWNLOAD": False,  # the server never downloads on its own; the CLI can
    # Points behind Shepard/stress; with more points than this, a sampled table comes first.
    "METRIC_SAMPLE_SIZE": 2_000,
    # How a measure job's exact T/C pass reports estimates (runtime/estimates.py,
    # MeasureTuning): rows per block (None: sized by memory) and the fewest seconds between
    # two "estimates" events (0: one per block). None here: LATENT_EXPLORER_MEASURE_<NAME>,
    # else MeasureTuning's defaults; create_app writes back the values that apply.
    "MEASURE_BLOCK_ROWS": None,
    "MEASURE_ESTIMATES_EVERY_S": None,
    "MAX_CONTENT_LENGTH": 100 * 1024 * 1024,
    "DEFAULT_DATASET": "iris",  # embedded: the first use needs no download
    # Torch threads of each job worker: None reads LATENT_EXPLORER_THREADS, else 1.
    "TORCH_THREADS": None,
    # Job limits (runtime/limits.py): MAX_WORKERS (jobs at once; 0 = sized for the machine),
    # MAX_QUEUED, MAX_PARAMETERS, MAX_STEPS, MAX_WALL_SECONDS, MAX_EXPERIMENTS_IN_MEMORY,
    # MAX_STREAMS_PER_EXPERIMENT, MAX_STREAMS; also LATENT_EXPLORER_MAX_<NAME>.
    # web/security.py: the bind address (its name is served besides loopback ones), more
    # host names to serve, and the access token (the CLI makes one off loopback).
    "HOST": "127.0.0.1",
    "ALLOWED_HOSTS": (),
    "ACCESS_TOKEN": None,
}


def resolve_state_dir(state_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where experiments and uploaded datasets are kept: the argument, then
    ``LATENT_EXPLORER_STATE``, then the user data folder (~/.local/share/latent-explorer)."""
    if state_dir:
        return Path(state_dir)
    if os.environ.get("LATENT_EXPLORER_STATE"):
        return Path(os.environ["LATENT_EXPLORER_STATE"])
    import platformdirs

    return Path(platformdirs.user_data_dir("latent-explorer"))


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides :data:`DEFAULTS` (``None`` values are ignored)."""
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    if os.environ.get("LATENT_EXPLORER_DATA"):
        app.config["DATA_DIR"] = os.environ["LATENT_EXPLORER_DATA"]
    app.config.update({k: v for k, v in (config or {}).items() if v is not None})
    measure = MeasureTuning.from_config(app.config)  # the config, else the environment
    app.config["MEASURE_BLOCK_ROWS"] = measure.block_rows
    app.config["MEASURE_ESTIMATES_EVERY_S"] = measure.every_s
    app.config["STATE_DIR"] = str(resolve_state_dir(app.config["STATE_DIR"]))
    if app.config["TORCH_THREADS"] is None:
        app.config["TORCH_THREADS"] = int(os.environ.get("LATENT_EXPLORER_THREADS") or 1)
    # Never the interactive debugger: it executes arbitrary code from the browser.
    app.debug = False

    registry = registry_for_app(app.config)  # store, restore, and the job workers
    app.extensions["latent_explorer.sessions"] = registry
    # Worker processes end with the server; tests call close_app() to end them sooner.
    atexit.register(registry.close)
    register_error_handlers(app)
    init_security(app)  # Host, Origin, token, CSP, body limits

    # These add their routes to api_bp, so they are imported before it is registered.
    from . import experiments, iterations, jobs, seeds  # noqa: F401
    from .api import bp as api_bp
    from .exports import bp as exports_bp
    from .forgetting import bp as forgetting_bp
    from .insight import bp as insight_bp
    from .openapi import openapi_json  # noqa: F401  (adds GET /api/openapi.json to api_bp)
    from .uploads import bp as uploads_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(uploads_bp)  # your own data: CSV uploads and user datasets
    app.register_blueprint(exports_bp)  # selection/metrics/checkpoint downloads
    app.register_blueprint(insight_bp)  # neighbours, per-point values, attributes, PCA
    app.register_blueprint(forgetting_bp)  # per-class forgetting over a chain, the strip

    @app.get("/")
    def index():  # type: ignore[no-untyped-def]
        from ..core.repeats import MAX_SEEDS

        return render_template(
            "index.html", default_dataset=app.config["DEFAULT_DATASET"], max_seeds=MAX_SEEDS
        )

    @app.after_request
    def retry_after(response):  # type: ignore[no-untyped-def]
        if response.status_code in (429, 503):  # too many jobs or streams: come back later
            response.headers.setdefault("Retry-After", "5")
        return response

    return app


def close_app(app: Flask) -> None:
    """Stop the app's job workers (jobs still running end ``interrupted``)."""
    app.extensions["latent_explorer.sessions"].close()
