"""Artifacts (arrays, weights): bytes under a root URL, through fsspec.

The root is a local folder by default (the state folder) or ``s3://bucket/prefix`` for a team
whose workers and web server run on different machines; fsspec picks the implementation from
the URL's scheme, as MLflow's artifact repositories do. S3 settings come from the standard
places (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL`` for an
S3-compatible server such as MinIO, ``~/.aws``) or from ``storage_options``.

Writes are atomic, so a reader never sees half an artifact and a crash never leaves one:
locally a temporary file in the same folder, fsync, then a rename; on S3 one PUT (an object
appears whole or not at all). Keys are ``/``-separated names built by the store from
validated ids, never from user text; :func:`check_key` refuses anything else.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import fsspec

from ..core.files import atomic_write_bytes

_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")


def check_key(key: str) -> str:
    """Return ``key`` if every ``/``-separated part is a plain name; raise ValueError else."""
    parts = key.split("/") if isinstance(key, str) else []
    if not parts or not all(_SEGMENT.match(p) for p in parts):
        raise ValueError(
            f"artifact key {key!r} must be '/'-separated names of letters, digits, '.', '_' "
            "and '-' (no empty part, no leading dot)"
        )
    return key


class Artifacts:
    """Bytes stored under ``root`` (a folder path, ``file://`` or ``s3://`` URL)."""

    def __init__(self, root: str | Path, **storage_options: Any) -> None:
        root = str(root)
        if "://" not in root:
            root = str(Path(root).resolve())
        if root.startswith("s3://"):
            # Listings are re-read each time: another process (a worker) writes here too.
            storage_options.setdefault("use_listings_cache", False)
        self.fs, path = fsspec.core.url_to_fs(root, **storage_options)
        self.local = "file" in _protocols(self.fs)
        self.base = path.rstrip("/")
        if self.local:
            Path(self.base).mkdir(parents=True, exist_ok=True)
        self.root = root

    def __repr__(self) -> str:
        return f"Artifacts({self.root!r})"

    def path(self, key: str) -> str:
        """Where ``key`` lives, in the file system's own terms."""
        return f"{self.base}/{check_key(key)}"

    def url(self, key: str) -> str:
        """A URL that names ``key`` outside this process (for logs and messages)."""
        return self.fs.unstrip_protocol(self.path(key))

    def write_bytes(self, key: str, data: bytes) -> None:
        target = self.path(key)
        if self.local:
            atomic_write_bytes(Path(target), data)
        else:
            self.fs.pipe_file(target, data)

    def read_bytes(self, key: str) -> bytes:
        """The bytes of ``key``; FileNotFoundError when it was never written."""
        try:
            return self.fs.cat_file(self.path(key))
        except FileNotFoundError:
            raise FileNotFoundError(f"artifact {self.url(key)} does not exist") from None

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self.path(key)))

    def keys(self, prefix: str) -> list[str]:
        """Every key under the folder ``prefix``, sorted; empty when there is none."""
        folder = self.path(prefix)
        try:
            found = self.fs.find(folder)
        except FileNotFoundError:
            return []
        start = len(self.base) + 1
        return sorted(str(p)[start:] for p in found if not Path(str(p)).name.startswith("."))

    def delete(self, prefix: str) -> None:
        """Remove the folder ``prefix`` and everything under it (nothing if absent)."""
        folder = self.path(prefix)
        if self.fs.exists(folder):
            self.fs.rm(folder, recursive=True)


def _protocols(fs: Any) -> tuple[str, ...]:
    proto = fs.protocol
    return (proto,) if isinstance(proto, str) else tuple(proto)
