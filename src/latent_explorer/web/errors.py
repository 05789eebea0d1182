"""The one error handler: JSON errors for the API: ``{"error": {"code": ..., "message": ...}}`` with a 4xx/5xx status."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from ..contract import InvalidRequest

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the client can act on; ``message`` says what was wrong and how to fix it."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(status: int, code: str, message: str):  # type: ignore[no-untyped-def]
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):  # type: ignore[no-untyped-def]
        return error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(InvalidRequest)
    def _invalid_request(exc: InvalidRequest):  # type: ignore[no-untyped-def]
        # Raised by the contract's parsers; the message names field, rule, value and fix.
        return error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        if not request.path.startswith("/api/"):
            return exc
        code = (exc.name or "error").lower().replace(" ", "_")
        messages = {
            404: f"no such API route: {request.method} {request.path}",
            405: f"{request.method} is not allowed on {request.path}",
            413: exc.description
            if exc.description and "limit" in exc.description
            else "the request body is larger than the upload limit",
        }
        status = exc.code or 500
        return error_response(status, code, messages.get(status, exc.description or code))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        # The server keeps running; the client gets a JSON error instead of an HTML trace.
        log.exception("unhandled error on %s", request.path)
        return error_response(500, "internal_error", f"internal error: {type(exc).__name__}")
