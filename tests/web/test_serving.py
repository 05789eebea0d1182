"""``latent-explorer serve`` under waitress: events reach a reader at once, streams are
capped with Retry-After, and a closed tab frees its stream.

The real server runs as a subprocess (tests/local_server.py); the stream is read from a raw
socket, so nothing between the server and the test could buffer or reassemble it.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.request

import pytest

from tests.local_server import start_server, stop_server

LONG = {"dataset": "iris", "model": "ae", "config": {"epochs": 20_000}}


@pytest.fixture(scope="module")
def server(data_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serving")
    os.environ["LATENT_EXPLORER_MAX_STREAMS_PER_EXPERIMENT"] = "1"
    try:
        proc, url = start_server(
            data_dir=data_dir, state_dir=tmp / "state", log_path=tmp / "server.log"
        )
    finally:
        del os.environ["LATENT_EXPLORER_MAX_STREAMS_PER_EXPERIMENT"]
    yield url
    stop_server(proc)


def _json(url, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read())


def _open_stream(url, path):
    """A raw socket that sent the GET; returns (socket, file to read lines from)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=60)
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    return sock, sock.makefile("rb")


def _next_event(reader):
    """The next SSE event (name, data) from the socket, skipping comments and headers."""
    name = None
    while True:
        line = reader.readline()
        assert line, "the stream ended"
        text = line.decode().rstrip("\r\n")
        if text.startswith("event: "):
            name = text[7:]
        elif text.startswith("data: ") and name is not None:
            return name, json.loads(text[6:])


def test_served_by_waitress(server):
    with urllib.request.urlopen(server + "/api/datasets", timeout=10) as r:
        assert r.headers["Server"] == "latent-explorer"


def test_events_reach_the_reader_while_the_job_runs(server):
    status, _, answer = _json(server + "/api/experiments", "POST", LONG)
    assert status == 202, answer
    exp_id, job_id = answer["id"], answer["job"]["id"]
    sock, reader = _open_stream(
        server, f"/api/experiments/{exp_id}/events?after={answer['events_after']}"
    )
    try:
        head = reader.readline()
        assert head.startswith(b"HTTP/1.1 200"), head
        seen = []
        while not (seen and seen[-1][0] == "progress" and seen[-1][1]["epoch"] >= 3):
            seen.append(_next_event(reader))
        # Each event arrived while the job was still training: nothing waited for its end.
        _, _, job = _json(f"{server}/api/jobs/{job_id}")
        assert job["state"] == "running", job
        # The row's progress snapshot is written with the heartbeat, so it may lag the stream.
        assert job["progress"] is None or job["progress"]["epoch"] < 20_000, job
        assert [name for name, _ in seen[:2]] == ["queued", "started"]
        # One stream per experiment here (MAX_STREAMS_PER_EXPERIMENT=1): a second is refused.
        status, headers, body = _json(f"{server}/api/experiments/{exp_id}/events")
        assert status == 429 and int(headers["Retry-After"]) > 0
        assert "MAX_STREAMS_PER_EXPERIMENT" in body["error"]["message"]
    finally:
        reader.close()
        sock.close()  # the tab closes
    # ... and its stream is freed at once (waitress reports the disconnect): a new one opens.
    deadline = time.monotonic() + 10
    while True:
        sock, reader = _open_stream(server, f"/api/experiments/{exp_id}/events")
        head = reader.readline()
        reader.close()
        sock.close()
        if head.startswith(b"HTTP/1.1 200") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert head.startswith(b"HTTP/1.1 200"), head
    status, _, _ = _json(f"{server}/api/jobs/{job_id}", "DELETE")
    assert status == 200
