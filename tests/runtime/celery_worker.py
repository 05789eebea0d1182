"""A real ``celery worker`` (the team backend's worker) in a subprocess, for the tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from latent_explorer.runtime.celery_backend import TeamConfig

REPO = Path(__file__).resolve().parents[2]


def start_worker(
    config: TeamConfig,
    *,
    log_path: Path,
    env: dict[str, str],
    concurrency: int = 1,
    name: str = "test-worker@%h",
    timeout: float = 120.0,
) -> subprocess.Popen:
    """Start ``latent-explorer worker`` with ``config``; return once Celery says it is ready."""
    cmd = [sys.executable, "-m", "latent_explorer.cli", "worker"]
    cmd += ["--broker", config.broker, "--database", config.database]
    if config.artifacts:
        cmd += ["--artifacts", config.artifacts]
    cmd += ["--state-dir", config.state_dir, "--device", config.device]
    cmd += ["--concurrency", str(concurrency), "--name", name, "--loglevel", "INFO"]
    if config.data_dir:
        cmd += ["--data-dir", config.data_dir]
    full_env = {
        **os.environ,
        **env,
        "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    with open(log_path, "ab") as fh:
        proc = subprocess.Popen(
            cmd, stdout=fh, stderr=subprocess.STDOUT, env=full_env, start_new_session=True
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        if " ready." in text:
            return proc
        if proc.poll() is not None:
            raise RuntimeError(f"the worker exited with {proc.returncode}:\n{text[-3000:]}")
        time.sleep(0.2)
    stop_worker(proc)
    raise RuntimeError(f"the worker did not become ready in {timeout:.0f} s:\n{text[-3000:]}")


def stop_worker(proc: subprocess.Popen) -> None:
    """SIGTERM to the worker's process group (a warm shutdown), SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)
    except ProcessLookupError:
        pass


def config_json(config: TeamConfig) -> str:
    return json.dumps(asdict(config))
