"""Shared benchmark plumbing: machine description, torch threads, JSON output."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# src: the package without installing it; the repo root: tests.local_server, which starts
# the server for the HTTP and browser benchmarks exactly as the tests do.
for _path in (REPO / "src", REPO):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


def default_data_dir() -> str:
    return os.environ.get("LATENT_EXPLORER_DATA", str(REPO.parent / "shared" / "datasets"))


def start_benchmark_server(name: str, args: argparse.Namespace) -> tuple[Any, str]:
    """The server as the tests start it (tests/local_server.py), on a fresh state folder
    ``bench-<name>-*`` in the temporary folder with its log beside it, with ``--threads`` and
    ``--device`` from ``args``; returns the process and the base URL."""
    from tests.local_server import start_server

    state = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    return start_server(
        data_dir=default_data_dir(),
        state_dir=state / "state",
        log_path=state / "server.log",
        threads=args.threads,
        device=args.device,
    )


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "2")))
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    p.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    return p


def machine(threads: int, device: str) -> dict[str, Any]:
    import torch

    torch.set_num_threads(threads)
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "device": device,
    }
    if device != "cpu" and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def timed(fn, *args, repeat: int = 1, **kwargs):  # type: ignore[no-untyped-def]
    """Best wall time of ``repeat`` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result


def emit(name: str, payload: dict[str, Any], path: Path | None) -> None:
    text = json.dumps({"benchmark": name, **payload}, indent=2)
    print(text)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
