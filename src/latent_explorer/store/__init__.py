"""Persistence: the index (SQLAlchemy Core on SQLite or PostgreSQL, upgraded by migrations on
start) and the artifacts (fsspec: a local folder or S3), each chosen by a URL."""

from .artifacts import Artifacts
from .index import default_url, open_index
from .migrations import StoreError

__all__ = ["Artifacts", "StoreError", "default_url", "open_index"]
