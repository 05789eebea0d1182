"""Shared fixtures: one torch thread, the real data folder, small seeded data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
# Two torch threads collapse when another CPU-bound process shares the machine.
torch.set_num_threads(int(os.environ.get("LATENT_EXPLORER_THREADS", "1")))


def shared_data_dir() -> Path:
    """The real dataset files: $LATENT_EXPLORER_DATA, else ../shared/datasets beside the repo."""
    env = os.environ.get("LATENT_EXPLORER_DATA")
    return Path(env) if env else REPO.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.fail(
            f"dataset folder {path} is missing; set LATENT_EXPLORER_DATA to the folder with "
            "the wine, air quality and MNIST files"
        )
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


# -- real servers (tests/services.py): started on first use, once per session ---------------


def _start_service(factory):
    from tests.services import ServiceUnavailable, require_services

    try:
        return factory()
    except ServiceUnavailable as exc:
        if require_services():
            pytest.fail(f"{exc} (LATENT_EXPLORER_REQUIRE_SERVICES=1 makes this a failure)")
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def redis_service():
    from tests.services import RedisService

    service = _start_service(RedisService)
    yield service
    service.stop()


@pytest.fixture(scope="session")
def postgres_service():
    from tests.services import PostgresService

    service = _start_service(PostgresService)
    yield service
    service.stop()


@pytest.fixture(scope="session")
def s3_service():
    from tests.services import S3Service

    service = _start_service(S3Service)
    yield service
    service.stop()


@pytest.fixture
def redis_url(redis_service) -> str:
    """A Redis database emptied before the test."""
    import redis

    client = redis.Redis.from_url(redis_service.url)
    client.flushdb()
    client.close()
    return redis_service.url


@pytest.fixture
def postgres_url(postgres_service):
    """A fresh, empty PostgreSQL database, dropped after the test."""
    url = postgres_service.create_database()
    yield url
    postgres_service.drop_database(url)


@pytest.fixture
def s3_root(s3_service, monkeypatch) -> str:
    """``s3://<new bucket>/root`` on moto_server, with the AWS variables pointing at it."""
    for key, value in s3_service.environment().items():
        monkeypatch.setenv(key, value)
    return f"s3://{s3_service.create_bucket()}/root"
