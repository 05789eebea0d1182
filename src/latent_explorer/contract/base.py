"""What every request model is: a strict JSON body or a lax query string, and the error that
breaks the contract.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class InvalidRequest(Exception):
    """A request that breaks the contract: 400 with ``code`` and a ``message`` naming the fix."""

    status = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Body(BaseModel):
    """A JSON request body: strict types (``"5"`` is not 5, ``true`` is not 1), no unknown keys,
    no NaN or infinities."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Query(BaseModel):
    """A query string: values arrive as text, so numbers are parsed (lax), but unknown keys
    are still rejected."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
