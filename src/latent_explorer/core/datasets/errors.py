"""The two ways loading a dataset fails, shared by every reader in this package."""

from __future__ import annotations

__all__ = ["DatasetError", "DatasetUnavailable"]


class DatasetUnavailable(Exception):
    """A dataset's files are not on this machine and could not be downloaded.

    The message is written for people: it names the files, where to get them and which folder
    to put them in, so callers can show it as is, without a traceback.
    """


class DatasetError(ValueError):
    """A dataset file is present but wrong: bad row count, checksum mismatch or unparsable."""
