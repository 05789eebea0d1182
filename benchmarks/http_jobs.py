"""HTTP plumbing shared by bench_loop and bench_load: JSON calls and an SSE follower that
timestamps each event as it arrives (the server under test runs as a subprocess)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any


def call(url: str, body: dict | None = None, method: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


class Follower(threading.Thread):
    """Reads an experiment's event stream in a thread; ``wait(pred)`` blocks until an event
    matching ``pred(name, data)`` has arrived and returns its arrival time."""

    def __init__(self, base: str, exp_id: str, after: int = 0) -> None:
        super().__init__(daemon=True)
        self.url = f"{base}/api/experiments/{exp_id}/events"
        self.after = after
        self.events: list[tuple[float, str, dict]] = []
        self._cond = threading.Condition()
        self.start()

    def run(self) -> None:
        while True:  # reconnect after an idle end, resuming after the last id
            req = urllib.request.Request(self.url, headers={"Last-Event-ID": str(self.after)})
            name = None
            try:
                response = urllib.request.urlopen(req, timeout=900)
            except OSError:
                return  # the server stopped: the benchmark is over
            with response as r:
                for raw in r:
                    line = raw.decode().rstrip("\n")
                    if line.startswith("id: "):
                        self.after = int(line[4:])
                    elif line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: ") and name is not None:
                        with self._cond:
                            self.events.append((time.perf_counter(), name, json.loads(line[6:])))
                            self._cond.notify_all()
                        name = None
            time.sleep(0.05)

    def wait(self, pred, timeout: float = 1800.0) -> float:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        with self._cond:
            seen = 0
            while True:
                for t, name, data in self.events[seen:]:
                    if name != "idle" and pred(name, data):
                        return t
                seen = len(self.events)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("event did not arrive")
                self._cond.wait(left)
