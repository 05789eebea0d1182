"""How loading a dataset fails, shared by every reader in this package."""

from __future__ import annotations

__all__ = ["DataInputError", "DatasetError", "DatasetUnavailable"]


class DatasetUnavailable(Exception):
    """A dataset's files are not on this machine and could not be downloaded.

    The message is written for people: it names the files, where to get them and which folder
    to put them in, so callers can show it as is, without a traceback.
    """


class DatasetError(ValueError):
    """A dataset file is present but wrong: bad row count, checksum mismatch or unparsable."""


class DataInputError(ValueError):
    """User data that cannot become a dataset (a CSV, arrays): what is wrong, where, the fix.

    Parameters
    ----------
    code : str
        Stable identifier such as ``"csv_non_numeric"`` or ``"arrays_nonfinite"``; the web
        layer returns it as is.
    message : str
        The sentence shown to the user.
    line : int, optional
        1-based line of a file, where one applies.
    column : str, optional
        Column (feature or label) name, where one applies.
    """

    def __init__(
        self, code: str, message: str, *, line: int | None = None, column: str | None = None
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.line, self.column = code, message, line, column
