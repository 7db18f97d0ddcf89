"""Real Celery worker processes and real Redis servers for end-to-end tests.

The worker is a separate process, so it shares the test database (a file for SQLite,
``test_<name>`` for PostgreSQL), the upload folder and a Redis broker with the test; tests
using it commit their data (``transactional_db``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlparse

import kombu.pools
import pytest
from django.conf import settings
from django.db import connection

from ecgsite.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
#: The Redis database the end-to-end tests use (flushed by them).
E2E_REDIS_DB = 13


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def database_url() -> str:
    """The URL of the database this test session uses, for a worker process."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


class Worker:
    """A ``celery worker`` process on the inference queue (or ``queues``), one task at a
    time."""

    def __init__(self, broker_url: str, queues: str = "inference", **env: str) -> None:
        self.name = f"e2e-{uuid.uuid4().hex[:8]}@localhost"
        self.log: list[str] = []
        environment = (
            {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
            | {
                "DATABASE_URL": database_url(),
                "CELERY_BROKER_URL": broker_url,
                "MEDIA_ROOT": str(settings.MEDIA_ROOT),
                "SECRET_KEY": os.environ.get("SECRET_KEY") or "e2e-worker-only-secret-key",
                "PYTHONUNBUFFERED": "1",
            }
            | env
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ecgsite",
                "worker",
                "--queues",
                queues,
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
                "--hostname",
                self.name,
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        wait_for(
            lambda: any(" ready." in line for line in self.log) or self.process.poll() is not None,
            timeout=90,
            what=f"worker {self.name} to start",
        )
        assert self.process.poll() is None, "\n".join(self.log[-40:])

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.log.append(line.rstrip())

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-task without acknowledging its message."""
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class RedisServer:
    """A private redis-server, so a test can stop and restart its broker."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed for this test"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what="redis-server")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def app_uses_broker(url: str) -> Iterator[None]:
    """Make this test process publish to ``url`` instead of running tasks in-process."""
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}
    saved_env = os.environ.pop("CELERY_BROKER_URL", None)  # Celery prefers it to its config

    def reset_pools() -> None:
        # Connections are pooled per process (and by kombu globally): drop them all so the
        # next publish connects to the broker now configured.
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        kombu.pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    celery_app.conf.update(task_always_eager=False, broker_url=url)
    reset_pools()
    try:
        yield
    finally:
        reset_pools()
        celery_app.conf.update(saved)
        if saved_env is not None:
            os.environ["CELERY_BROKER_URL"] = saved_env


@pytest.fixture
def shared_redis_url(redis_url) -> str:
    """The session's Redis (CI's), on a database the end-to-end tests may flush."""
    parsed = urlparse(redis_url)
    url = f"redis://{parsed.hostname}:{parsed.port or 6379}/{E2E_REDIS_DB}"
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def worker_factory():
    workers: list[Worker] = []

    def start(broker_url: str, queues: str = "inference", **env: str) -> Worker:
        worker = Worker(broker_url, queues, **env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
