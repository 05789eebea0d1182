"""Persistence: the index (SQLAlchemy Core on SQLite or PostgreSQL, upgraded by migrations on
start) and the artifacts (fsspec: a local folder or S3), each chosen by a URL; :class:`Store`
keeps experiments, iterations and jobs on them."""

from .artifacts import Artifacts
from .experiments import Store
from .index import default_url, open_index
from .layout import ID_PATTERN, check_id
from .migrations import StoreError

__all__ = [
    "ID_PATTERN",
    "Artifacts",
    "Store",
    "StoreError",
    "check_id",
    "default_url",
    "open_index",
]
