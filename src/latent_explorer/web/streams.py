"""Server-Sent Event streams of an experiment's jobs, cheap enough to leave open.

Under a WSGI server every open stream holds a request thread, so streams are capped per
experiment and in total (a refusal is 429 or 503 with ``Retry-After``), each sends a
comment line as a heartbeat when nothing happens (proxies keep the connection, and a closed
tab is noticed at the next write at the latest), and each ends after
:data:`IDLE_TIMEOUT_S` without an event (the browser reconnects with ``Last-Event-ID``).
Under waitress a closed tab frees its thread at once: ``waitress.client_disconnected`` is
checked every :data:`POLL_S` (it needs ``channel_request_lookahead`` > 0, set by ``serve``).

A stream replays from ``Last-Event-ID`` (sent by the browser when it reconnects) or the
``after`` query parameter (the ``events_after`` a POST that queued a job answered), then
follows; it ends with ``idle`` once the experiment has no queued or running job and the
reader has seen everything.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

HEARTBEAT_S = 15.0
IDLE_TIMEOUT_S = 300.0
POLL_S = 1.0
RETRY_AFTER_S = 5


class StreamRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class StreamSlots:
    """Counts open streams per experiment and in total; ``acquire`` refuses past a cap."""

    def __init__(self, *, per_experiment: int, total: int) -> None:
        self.per_experiment, self.total = per_experiment, total
        self._lock = threading.Lock()
        self._open: dict[str, int] = {}

    def acquire(self, key: str) -> None:
        with self._lock:
            if sum(self._open.values()) >= self.total:
                raise StreamRefused(
                    503,
                    f"the server has {self.total} event streams open, its limit "
                    f"(MAX_STREAMS); retry in {RETRY_AFTER_S} s or close other tabs",
                )
            if self._open.get(key, 0) >= self.per_experiment:
                raise StreamRefused(
                    429,
                    f"this experiment has {self.per_experiment} event streams open, the "
                    f"limit (MAX_STREAMS_PER_EXPERIMENT); close other tabs showing it or "
                    f"retry in {RETRY_AFTER_S} s",
                )
            self._open[key] = self._open.get(key, 0) + 1

    def release(self, key: str) -> None:
        with self._lock:
            left = self._open.get(key, 0) - 1
            if left > 0:
                self._open[key] = left
            else:
                self._open.pop(key, None)

    def count(self, key: str | None = None) -> int:
        with self._lock:
            return sum(self._open.values()) if key is None else self._open.get(key, 0)


def sse(name: str, data: dict[str, Any], *, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data)}\n\n"


def follow(
    read: Callable[[int, float], list[tuple[int, str, dict[str, Any]]]],
    busy: Callable[[], bool],
    *,
    after: int,
    disconnected: Callable[[], bool] = lambda: False,
) -> Iterator[str]:
    """The stream's text: replay after ``after``, follow while ``busy()``, then ``idle``.

    ``read(after, timeout)`` is the event log's read of this experiment's stream. The caller
    frees the stream's slot when the server closes the response (``call_on_close``), which
    also happens when the generator never started.
    """
    yield "retry: 2000\n\n"  # browsers reconnect after 2 s, not at once
    last_sent = last_event = time.monotonic()
    while True:
        events = read(after, POLL_S)
        if disconnected():
            return
        now = time.monotonic()
        if events:
            for event_id, name, data in events:
                yield sse(name, data, event_id=event_id)
                after = event_id
            last_sent = last_event = now
            continue
        if not busy():
            yield sse("idle", {"last_event_id": after})
            return
        if now - last_event > IDLE_TIMEOUT_S:
            return  # the browser reconnects with Last-Event-ID
        if now - last_sent > HEARTBEAT_S:
            yield ": keep-alive\n\n"
            last_sent = now
