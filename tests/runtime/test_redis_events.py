"""The Redis Streams event log on a real redis-server."""

from __future__ import annotations

import threading
import time

import pytest

from latent_explorer.runtime.redis_events import RedisEventLog


@pytest.fixture
def log(redis_url):
    events = RedisEventLog(redis_url)
    yield events
    events.close()


def test_ids_count_up_per_stream_and_read_returns_events_in_order(log):
    assert [log.append("exp1", "progress", {"epoch": i}) for i in range(1, 4)] == [1, 2, 3]
    assert log.append("exp2", "queued", {"position": 0}) == 1
    assert log.read("exp1", 0) == [
        (1, "progress", {"epoch": 1}),
        (2, "progress", {"epoch": 2}),
        (3, "progress", {"epoch": 3}),
    ]
    assert log.read("exp2") == [(1, "queued", {"position": 0})]
    assert log.last_id("exp1") == 3 and log.last_id("never") == 0


def test_last_event_id_replays_only_what_came_after(log):
    for i in range(5):
        log.append("exp", "progress", {"epoch": i})
    assert [e[0] for e in log.read("exp", 3)] == [4, 5]
    assert log.read("exp", 5) == []


def test_an_id_from_another_stream_generation_replays_from_the_start(log):
    # A browser that saw event 40 of an earlier server's stream must not wait for event 41.
    log.append("exp", "queued", {})
    assert [e[0] for e in log.read("exp", 40)] == [1]


def test_a_second_client_reads_what_the_first_wrote(redis_url, log):
    # A worker process publishes; the web server's own client reads.
    worker = RedisEventLog(redis_url)
    worker.append("exp", "done", {"iteration": 0, "nested": {"ok": [1, 2.5, None]}})
    worker.close()
    assert log.read("exp") == [(1, "done", {"iteration": 0, "nested": {"ok": [1, 2.5, None]}})]


def test_read_waits_for_the_next_event(log):
    got: list = []
    reader = threading.Thread(target=lambda: got.extend(log.read("exp", 0, timeout=30)))
    reader.start()
    time.sleep(0.3)
    assert reader.is_alive(), "read returned before any event was appended"
    log.append("exp", "projected", {"iteration": 1})
    reader.join(timeout=30)
    assert not reader.is_alive()
    assert got == [(1, "projected", {"iteration": 1})]


def test_read_gives_up_after_its_timeout(log):
    assert log.read("quiet", 0, timeout=0.2) == []
    assert log.read("quiet", 0) == []  # no timeout: no wait


def test_concurrent_appenders_never_lose_or_reorder_ids(redis_url):
    def publish(worker: int) -> None:
        own = RedisEventLog(redis_url)
        for i in range(50):
            own.append("busy", "progress", {"worker": worker, "i": i})
        own.close()

    threads = [threading.Thread(target=publish, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reader = RedisEventLog(redis_url)
    events = reader.read("busy", 0)
    reader.close()
    assert [e[0] for e in events] == list(range(1, 201))
    for w in range(4):  # each worker's own events keep their order
        assert [e[2]["i"] for e in events if e[2]["worker"] == w] == list(range(50))


def test_the_stream_is_capped_and_expires(redis_url):
    import redis

    log = RedisEventLog(redis_url, maxlen=10, ttl=60)
    for i in range(500):
        log.append("long", "progress", {"i": i})
    events = log.read("long", 0)
    # MAXLEN ~ trims whole nodes: far fewer than 500 stay, the newest always among them.
    assert len(events) < 500
    assert events[-1] == (500, "progress", {"i": 499})
    assert [e[0] for e in events] == list(range(events[0][0], 501))
    client = redis.Redis.from_url(redis_url)
    assert 0 < client.ttl("latent-explorer:events:long") <= 60
    assert 0 < client.ttl("latent-explorer:events:long:seq") <= 60
    client.close()
    log.close()


@pytest.mark.parametrize("after", [-1, 1.5, "3", True])
def test_a_bad_last_event_id_is_refused(log, after):
    with pytest.raises(ValueError, match="after .* must be a non-negative integer event id"):
        log.read("exp", after)


def test_bad_settings_are_refused(redis_url):
    with pytest.raises(ValueError, match=r"maxlen \(0\) must be at least 1"):
        RedisEventLog(redis_url, maxlen=0)
    with pytest.raises(ValueError, match="stream name"):
        RedisEventLog(redis_url).append("", "x", {})
