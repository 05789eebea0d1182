"""Atomic file writes, written once for every local writer: experiment folders
(``core/persist.py``), uploaded datasets (``core/datasets/user_store.py``) and the store's local
artifacts (``store/artifacts.py``).

A crash never leaves half a file: the data goes to a temporary file in the same folder, is
flushed and fsynced, and is renamed over the target; the folder is fsynced too, because the
rename is durable only once the folder's entry is on disk.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (its folder is created) so that readers see the old file or
    the whole new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
