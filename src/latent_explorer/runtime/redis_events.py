"""The event log on Redis Streams: workers on other machines publish, the web server's SSE
endpoint reads, and a reconnecting browser replays from its Last-Event-ID.

Same interface as the in-memory log of :mod:`.events`: ``append(stream, name, data)`` returns
an integer id that grows by one per stream, and ``read(stream, after, timeout)`` returns the
events with a larger id, waiting up to ``timeout`` seconds for the first one.

Why ids ``0-<n>`` instead of Redis's own ``<ms>-<seq>``: SSE's Last-Event-ID must be the same
small integer in both backends, and a browser must be able to resume on either. A Lua script
takes the next number (INCR) and adds the entry (XADD with that id) in one atomic step, so
two workers appending at once can never write ids out of order (XADD would refuse the lower
one). Each stream keeps at most ``maxlen`` entries (``MAXLEN ~``, trimmed by whole nodes, so a
few more may stay) and expires ``ttl`` seconds after its last event, so finished experiments
leave nothing behind.
"""

from __future__ import annotations

import json
from typing import Any

import redis

_APPEND = """
local n = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '0-' .. n, 'name', ARGV[2], 'data', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return n
"""


def _number(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[1])


class RedisEventLog:
    """Events per stream (an experiment id) in Redis Streams under ``prefix``."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "latent-explorer:events:",
        maxlen: int = 10_000,
        ttl: float = 7 * 24 * 3600,
    ) -> None:
        if maxlen < 1:
            raise ValueError(f"maxlen ({maxlen}) must be at least 1")
        if ttl < 1:
            raise ValueError(f"ttl ({ttl}) must be at least 1 second")
        self.url = url
        self.prefix = prefix
        self.maxlen = int(maxlen)
        self.ttl = int(ttl)
        self._redis = redis.Redis.from_url(url, health_check_interval=30)
        self._append = self._redis.register_script(_APPEND)

    def _keys(self, stream: str) -> tuple[str, str]:
        if not isinstance(stream, str) or not stream:
            raise ValueError(f"stream name ({stream!r}) must be a non-empty string")
        return self.prefix + stream, self.prefix + stream + ":seq"

    def append(self, stream: str, name: str, data: dict[str, Any]) -> int:
        """Publish one event; return its id (1, 2, 3, ... per stream)."""
        key, seq = self._keys(stream)
        payload = json.dumps(data, separators=(",", ":"))
        return int(self._append(keys=[key, seq], args=[self.maxlen, name, payload, self.ttl]))

    def read(
        self, stream: str, after: int = 0, timeout: float | None = None
    ) -> list[tuple[int, str, dict[str, Any]]]:
        """Events of ``stream`` with an id above ``after``, oldest first.

        Returns at once when there are some; else waits up to ``timeout`` seconds (None or 0:
        do not wait) and returns what arrived, possibly nothing. Events trimmed by ``maxlen``
        are gone: a reader that fell that far behind resumes at the oldest one kept. An
        ``after`` beyond the stream's last id (a browser that saw another server's stream)
        reads from the start of what is kept, as the in-memory log does.
        """
        key, _ = self._keys(stream)
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise ValueError(f"after ({after!r}) must be a non-negative integer event id")
        if after and after > self.last_id(stream):
            after = 0
        block = None if not timeout or timeout <= 0 else max(1, int(timeout * 1000))
        # redis-py's stubs type every reply loosely; XREAD gives [[stream, [(id, fields)]]].
        reply: Any = self._redis.xread({key: f"0-{after}"}, block=block)
        events: list[tuple[int, str, dict[str, Any]]] = []
        for _stream, entries in reply or []:
            for entry_id, fields in entries:
                events.append(
                    (_number(entry_id), fields[b"name"].decode(), json.loads(fields[b"data"]))
                )
        return events

    def last_id(self, stream: str) -> int:
        """The id of the newest event appended to ``stream`` (0 when none)."""
        _, seq = self._keys(stream)
        value: Any = self._redis.get(seq)
        return int(value) if value is not None else 0

    def close(self) -> None:
        self._redis.close()
