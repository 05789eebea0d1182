"""Progress streams: an append-only log per stream (one per experiment) with monotonic ids.

The SSE endpoint reads a stream after the id a browser last saw (``Last-Event-ID``), so a page
that reconnects misses nothing the log still holds. :class:`MemoryEventLog` lives in the web
process and is fed by the in-process workers' queue; the team backend implements the same
two methods on Redis Streams.

Event names: ``queued``, ``started``, ``progress``, ``estimates`` (a measure job's estimates
of T and C while its exact pass runs: runtime/estimates.py), ``projected`` (an iteration's
coordinates are stored), ``measured`` (its metrics are stored; ``sampled`` marks a preview), ``trained``
(a train job ended well; its measure job follows), ``done`` (a measure job ended well: the
iteration is complete), ``error``, ``cancelled``, ``interrupted``, ``requeued``. Each
carries ``job_id``, ``kind`` and ``iteration``.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any, Protocol

Event = tuple[int, str, dict[str, Any]]

# Events that end a job (the stream goes on while the experiment has other jobs).
JOB_END_EVENTS = ("trained", "done", "error", "cancelled", "interrupted")


class EventLog(Protocol):
    def append(self, stream: str, name: str, data: dict[str, Any]) -> int:
        """Add an event; return its id (1, 2, 3, ... within the stream)."""
        ...

    def read(self, stream: str, after: int, timeout: float) -> list[Event]:
        """Events with an id above ``after``, waiting up to ``timeout`` s for the first one.

        An ``after`` beyond the stream's last id (a browser that saw an earlier server
        process) reads from the start of what is kept.
        """
        ...


class MemoryEventLog:
    """In-memory streams, each keeping its last ``keep`` events; any thread may read or
    append."""

    def __init__(self, *, keep: int = 2_000, max_streams: int = 256) -> None:
        self._cond = threading.Condition()
        self._streams: dict[str, deque[Event]] = {}
        self._last: dict[str, int] = {}
        self.keep, self.max_streams = keep, max_streams

    def append(self, stream: str, name: str, data: dict[str, Any]) -> int:
        with self._cond:
            events = self._streams.get(stream)
            if events is None:
                if len(self._streams) >= self.max_streams:  # forget the least recent stream
                    oldest = min(
                        self._streams,
                        key=lambda s: self._streams[s][-1][0] if self._streams[s] else 0,
                    )
                    del self._streams[oldest]
                events = self._streams[stream] = deque(maxlen=self.keep)
            event_id = self._last.get(stream, 0) + 1
            self._last[stream] = event_id
            events.append((event_id, name, data))
            self._cond.notify_all()
            return event_id

    def last_id(self, stream: str) -> int:
        with self._cond:
            return self._last.get(stream, 0)

    def read(self, stream: str, after: int, timeout: float) -> list[Event]:
        with self._cond:
            if after > self._last.get(stream, 0):
                after = 0
            if self._last.get(stream, 0) <= after and timeout > 0:
                self._cond.wait_for(lambda: self._last.get(stream, 0) > after, timeout)
            return [e for e in self._streams.get(stream, ()) if e[0] > after]
