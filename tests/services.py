"""Real servers for the tests: redis-server, a PostgreSQL cluster and moto_server (S3).

Each runs on a free loopback port with its files in a fresh temporary folder and is stopped
(and its folder removed) by :meth:`Service.stop`. The pytest fixtures in ``tests/conftest.py``
start each one lazily, once per session, on first use.

A missing binary is a skip on a developer's machine, but a failure where
``LATENT_EXPLORER_REQUIRE_SERVICES=1`` (CI sets it): there these tests are real checks.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from tests.local_server import free_port

HOST = "127.0.0.1"
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"


class ServiceUnavailable(RuntimeError):
    """A binary the service needs is not installed; the message says how to install it."""


def require_services() -> bool:
    return os.environ.get("LATENT_EXPLORER_REQUIRE_SERVICES") == "1"


def _wait_for(check, *, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # not up yet: connection refused and the like
            last = exc
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not start within {timeout:.0f} s ({last}); log:\n{tail}")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


class Service:
    """A server process with its own temporary folder."""

    name = "service"

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix=f"latent-{self.name}-"))
        self.log = self.folder / "server.log"
        self.proc: subprocess.Popen | None = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        shutil.rmtree(self.folder, ignore_errors=True)


class RedisService(Service):
    """``redis-server`` without persistence; ``url`` is ``redis://127.0.0.1:<port>/0``."""

    name = "redis"

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceUnavailable(
                "redis-server not found; install it with: apt-get install -y redis-server"
            )
        super().__init__()
        cmd = [binary, "--port", str(self.port), "--bind", HOST, "--dir", str(self.folder)]
        cmd += ["--save", "", "--appendonly", "no", "--protected-mode", "yes"]
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
        _wait_for(self._ping, timeout=20, what="redis-server", log=self.log)
        self.url = f"redis://{HOST}:{self.port}/0"

    def _ping(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with {self.proc.returncode}")
        with socket.create_connection((HOST, self.port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")


class PostgresService(Service):
    """A throw-away PostgreSQL cluster (``initdb`` + ``pg_ctl``) with trust auth on loopback.

    PostgreSQL refuses to run as root, so as root every command runs as the ``postgres`` user
    through ``runuser`` and the folder is handed to that user.
    """

    name = "postgres"

    def __init__(self) -> None:
        bindir = postgres_bindir()
        super().__init__()
        self._bin = bindir
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise ServiceUnavailable(
                    "running as root but there is no 'postgres' user to run PostgreSQL as; "
                    "install it with: apt-get install -y postgresql"
                ) from exc
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self.data = self.folder / "data"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port} -k {self.folder} -c listen_addresses={HOST} -c fsync=off",
            "start",
        )
        self.started = True
        self.base_url = f"postgresql+psycopg://postgres@{HOST}:{self.port}"
        self.url = f"{self.base_url}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        cmd = [*self._as_user, str(self._bin / tool), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.folder, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr or done.stdout}")

    def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(
            host=HOST, port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"{self.base_url}/{name}"

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(
            host=HOST, port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if getattr(self, "started", False):
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            except Exception as exc:  # still remove the folder; say why it did not stop
                print(f"pg_ctl stop failed: {exc}", file=sys.stderr)
        super().stop()


def postgres_bindir() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with ``initdb`` in it."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise ServiceUnavailable(
            f"PostgreSQL binaries not found in {POSTGRES_BIN_GLOB}; install them with: "
            "apt-get install -y postgresql"
        )
    return found[-1].parent


class S3Service(Service):
    """``moto_server``: a real HTTP server speaking the S3 API; ``endpoint`` is its URL."""

    name = "s3"
    access_key = "testing"
    secret_key = "testing"
    region = "us-east-1"

    def __init__(self) -> None:
        binary = Path(sys.executable).with_name("moto_server")
        if not binary.exists():
            found = shutil.which("moto_server")
            if found is None:
                raise ServiceUnavailable(
                    "moto_server not found; install it with: pip install 'moto[server]' "
                    "(part of the dev extra: pip install -e '.[dev]')"
                )
            binary = Path(found)
        super().__init__()
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(
                [str(binary), "-H", HOST, "-p", str(self.port)],
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        self.endpoint = f"http://{HOST}:{self.port}"
        _wait_for(self._up, timeout=60, what="moto_server", log=self.log)

    def _up(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"moto_server exited with {self.proc.returncode}")
        if not _port_open(self.port):
            return False
        with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=2) as resp:
            return resp.status == 200

    def environment(self) -> dict[str, str]:
        """The standard AWS variables that point boto/s3fs at this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint,
        }

    def create_bucket(self) -> str:
        """A new empty bucket; returns its name."""
        import boto3

        name = f"latent-{uuid.uuid4().hex[:12]}"
        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
        )
        client.create_bucket(Bucket=name)
        return name
