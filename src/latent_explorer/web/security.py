"""Safe when reachable: Host and Origin checks, an access token off loopback, CSP, body limits.

- **Host**: a page on another site that re-points its own DNS name at 127.0.0.1 (DNS
  rebinding) reaches this server with its own name in ``Host``. Only loopback names, the
  configured bind address and ``ALLOWED_HOSTS`` are served; anything else gets 403.
- **Origin**: a state-changing request (POST, PUT, PATCH, DELETE: uploads included) from a
  page of another origin gets 403. Browsers send ``Origin`` on such requests (and
  ``Sec-Fetch-Site``); tools such as curl send neither and are let through.
- **Token**: when the server listens on a non-loopback address, every request needs the random
  token printed in the URL at start (as Jupyter does): ``?token=`` once (then an HttpOnly
  cookie), or ``Authorization: token <token>`` / ``Bearer <token>``.
- **CSP** with ``form-action 'self'``; a small body limit for JSON routes (uploads keep
  ``MAX_CONTENT_LENGTH``); a cap on open event streams.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, redirect, request
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import ApiError, error_response

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "localhost.localdomain"})
WILDCARD_ADDRESSES = frozenset({"0.0.0.0", "::", ""})
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_COOKIE = "latent_explorer_token"
#: JSON bodies are small (70,000 selected ids are ~500 kB); uploads keep MAX_CONTENT_LENGTH.
JSON_BODY_LIMIT = 4 * 1024 * 1024
UPLOAD_PATHS = frozenset({"/api/uploads"})
#: Each open event stream holds a server thread; past this many, new ones get 503.
MAX_EVENT_STREAMS = 32

# Scripts only from our own origin: a dataset or column name holding <script> can never run;
# forms may only submit to us.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def is_loopback(host: str) -> bool:
    """Whether a bind address only accepts connections from this machine."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_hex(24)


def _hostname(host_header: str) -> str:
    """``Host`` without its port; IPv6 literals keep no brackets."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def allowed_hosts(config: dict[str, Any]) -> frozenset[str] | None:
    """Host names this server answers to; None when any is (a wildcard bind with a token)."""
    bind = str(config.get("HOST") or "127.0.0.1").strip("[]").lower()
    extra = {h.strip().lower() for h in config.get("ALLOWED_HOSTS") or () if h.strip()}
    if bind in WILDCARD_ADDRESSES and config.get("ACCESS_TOKEN"):
        # Listening everywhere: the machine's names are not known here; the token guards it.
        return None
    return frozenset({*LOOPBACK_NAMES, bind, *extra})


def _forbidden(code: str, message: str):  # type: ignore[no-untyped-def]
    if request.path.startswith("/api/"):
        return error_response(403, code, message)
    return message + "\n", 403, {"Content-Type": "text/plain; charset=utf-8"}


def _origin_problem() -> str | None:
    origin = request.headers.get("Origin")
    if origin is not None:
        parts = urlsplit(origin)
        if origin == "null" or f"{parts.scheme}://{parts.netloc}".lower() != (
            f"{request.scheme}://{request.host}".lower()
        ):
            return f"Origin {origin[:80]!r} is not this server's origin"
        return None
    site = request.headers.get("Sec-Fetch-Site")
    if site in ("cross-site", "same-site"):
        return f"Sec-Fetch-Site is {site!r}"
    return None


def _token_given(expected: str) -> tuple[bool, bool]:
    """(whether the request carries the token, whether it came in the query string)."""
    auth = request.headers.get("Authorization", "")
    scheme, _, value = auth.partition(" ")
    candidates = [
        (request.args.get("token"), True),
        (request.cookies.get(TOKEN_COOKIE), False),
        (value.strip() if scheme.lower() in ("token", "bearer") else None, False),
    ]
    for given, in_query in candidates:
        if given and hmac.compare_digest(given.encode(), expected.encode()):
            return True, in_query
    return False, False


def init_security(app: Flask) -> None:
    """Register the checks on ``app`` (config: HOST, ALLOWED_HOSTS, ACCESS_TOKEN)."""
    app.extensions["latent_explorer.streams"] = _StreamCounter(
        int(app.config.get("MAX_EVENT_STREAMS") or MAX_EVENT_STREAMS)
    )

    @app.before_request
    def _check_request():  # type: ignore[no-untyped-def]
        hosts = allowed_hosts(app.config)
        name = _hostname(request.host)
        if hosts is not None and name not in hosts:
            return _forbidden(
                "bad_host",
                f"Host {request.host[:80]!r} is not a name of this server (allowed: "
                f"{sorted(hosts)}); open it by one of those names, or start it with "
                "--allow-host NAME",
            )
        if request.method in STATE_CHANGING:
            problem = _origin_problem()
            if problem:
                return _forbidden(
                    "cross_origin",
                    f"{request.method} refused: {problem}; state-changing requests must "
                    "come from this server's own page",
                )
        token = app.config.get("ACCESS_TOKEN")
        if token:
            ok, in_query = _token_given(token)
            if not ok:
                return _forbidden(
                    "token_required",
                    "this server needs its access token: open the URL with ?token=... that "
                    "it printed at start, or send Authorization: token <token>",
                )
            if in_query and request.method == "GET" and not request.path.startswith("/api/"):
                # The page: trade the token in the URL for a cookie and drop it from the
                # address bar (and from the history and Referer).
                response = redirect(request.path)
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict", path="/")
                return response
        if request.path not in UPLOAD_PATHS:
            _limit_body(JSON_BODY_LIMIT)
        return None

    @app.after_request
    def _security_headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response


def _limit_body(limit: int) -> None:
    length = request.content_length
    if length is not None and length > limit:
        raise RequestEntityTooLarge(
            f"the request body ({length:,} bytes) is larger than {limit:,} bytes, the limit "
            "for JSON requests; send fewer ids or points per request"
        )
    # A body without Content-Length (chunked) is cut at the same limit while it is read.
    request.max_content_length = limit


class _StreamCounter:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0
        self._lock = threading.Lock()

    def hold(self) -> Callable[[], None]:
        with self._lock:
            if self.open >= self.limit:
                raise ApiError(
                    503,
                    "too_many_streams",
                    f"{self.open} event streams are open, the most this server keeps "
                    f"({self.limit}); close other tabs or retry in a few seconds",
                )
            self.open += 1
        released = threading.Event()

        def release() -> None:
            if not released.is_set():  # the server may close a response twice
                released.set()
                with self._lock:
                    self.open -= 1

        return release


def hold_event_stream() -> Callable[[], None]:
    """Take one of the app's event-stream slots before a stream starts; the returned function
    gives it back (pass it to ``response.call_on_close``). A 503 :class:`ApiError` when all
    slots are taken."""
    counter: _StreamCounter = current_app.extensions["latent_explorer.streams"]
    return counter.hold()
