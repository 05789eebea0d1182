"""Every store test runs twice: on SQLite with a local folder (the zero-setup default) and on
a real PostgreSQL server with a real S3 server (moto_server), the team setup."""

from __future__ import annotations

import pytest

STORE_KINDS = ["sqlite+local", "postgresql+s3"]


@pytest.fixture(params=STORE_KINDS)
def store_urls(request, tmp_path) -> tuple[str, str]:
    """(index URL, artifacts root) of a fresh, empty store."""
    if request.param == "sqlite+local":
        return f"sqlite:///{tmp_path / 'state' / 'store.sqlite'}", str(tmp_path / "state")
    return request.getfixturevalue("postgres_url"), request.getfixturevalue("s3_root")


@pytest.fixture
def index_url(store_urls) -> str:
    return store_urls[0]


@pytest.fixture
def artifacts_root(store_urls) -> str:
    return store_urls[1]
