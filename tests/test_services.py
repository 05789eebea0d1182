"""The service fixtures: a missing server is a skip for developers and a failure in CI."""

from __future__ import annotations

import pytest

from tests.conftest import _start_service
from tests.services import ServiceUnavailable


def _missing():
    raise ServiceUnavailable("redis-server not found; install it with: apt-get install -y x")


def test_a_missing_server_fails_where_services_are_required(monkeypatch):
    monkeypatch.setenv("LATENT_EXPLORER_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="redis-server not found.*makes this a failure"):
        _start_service(_missing)


def test_a_missing_server_skips_elsewhere(monkeypatch):
    monkeypatch.delenv("LATENT_EXPLORER_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="redis-server not found"):
        _start_service(_missing)


def test_each_server_answers(redis_service, postgres_service, s3_service):
    import urllib.request

    import psycopg
    import redis

    assert redis.Redis.from_url(redis_service.url).ping()
    with psycopg.connect(
        host="127.0.0.1", port=postgres_service.port, user="postgres", dbname="postgres"
    ) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    with urllib.request.urlopen(s3_service.endpoint + "/moto-api/", timeout=5) as resp:
        assert resp.status == 200
