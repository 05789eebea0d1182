"""``latent-explorer serve`` in a subprocess on a free loopback port, and the Chromium launch
settings: shared by the browser, restart and load tests and by the benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("LATENT_EXPLORER_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google on a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class ServerDidNotStart(RuntimeError):
    """The subprocess exited or did not answer in time; the message holds its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    *,
    data_dir: str | Path,
    state_dir: str | Path,
    log_path: str | Path,
    threads: int | str = 1,
    device: str = "cpu",
    timeout: float = 60.0,
    extra_env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen, str]:
    """Start the server and wait until ``/api/datasets`` answers; return (process, base URL).
    ``extra_env``: more environment variables (e.g. ``LATENT_EXPLORER_MEASURE_BLOCK_ROWS``)."""
    port = free_port()
    env = {
        **os.environ,
        **(extra_env or {}),
        "LATENT_EXPLORER_DATA": str(data_dir),
        "LATENT_EXPLORER_THREADS": str(threads),
        # Works from a plain checkout too, without the package installed.
        "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    env.pop("LATENT_EXPLORER_STATE", None)  # --state-dir decides
    cmd = [sys.executable, "-m", "latent_explorer.cli", "serve", "--port", str(port)]
    cmd += ["--device", device, "--state-dir", str(state_dir)]
    with open(log_path, "a") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/api/datasets", timeout=2)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise ServerDidNotStart(f"server did not start:\n{Path(log_path).read_text()}")


def stop_server(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
