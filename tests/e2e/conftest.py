"""Real Celery worker processes and real Redis servers for end-to-end tests.

The worker is a separate process, so it shares the test database (a file for SQLite,
``test_<name>`` for PostgreSQL), the upload folder and a Redis broker with the test; tests
using it commit their data (``transactional_db``). Worker processes are started by
:mod:`tests.e2e.worker`, shared with ``benchmarks/web_speed.py``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import kombu.pools
import pytest
from django.conf import settings

from ecgsite.celery import app as celery_app
from tests.e2e.worker import CeleryWorker, database_url, wait_for

#: The Redis database the end-to-end tests use (flushed by them).
E2E_REDIS_DB = 13


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def flushed_redis_db(redis_url: str, db: int) -> str:
    """The URL of database ``db`` on the Redis of ``redis_url``, emptied first."""
    parsed = urlparse(redis_url)
    url = f"redis://{parsed.hostname}:{parsed.port or 6379}/{db}"
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def shared_redis_url(redis_url) -> str:
    """The session's Redis (CI's), on a database the end-to-end tests may flush."""
    return flushed_redis_db(redis_url, E2E_REDIS_DB)


@pytest.fixture
def worker_factory():
    """Start worker processes sharing this test's database and upload folder (on the
    inference queue, or ``queues``; ``env`` adds variables); all stopped at the end."""
    workers: list[CeleryWorker] = []

    def start(broker_url: str, queues: str = "inference", **env: str) -> CeleryWorker:
        worker = CeleryWorker(
            {
                "DATABASE_URL": database_url(),
                "CELERY_BROKER_URL": broker_url,
                "MEDIA_ROOT": str(settings.MEDIA_ROOT),
                "SECRET_KEY": os.environ.get("SECRET_KEY") or "e2e-worker-only-secret-key",
            }
            | env,
            queues=queues,
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def classify_through_api(api, data: bytes, name: str, *, timeout: float = 60):
    """Upload ``data`` through the API (a worker process takes it) and return the finished
    analysis; the analysis must end ``done``."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from diagnosis.models import Analysis

    response = api.post(
        "/api/v1/analyses/", {"file": SimpleUploadedFile(name, data)}, format="multipart"
    )
    assert response.status_code == 202, response.content
    analysis_id = response.json()["id"]
    wait_for(
        lambda: Analysis.objects.filter(id=analysis_id, status__in=["done", "failed"]).exists(),
        timeout=timeout,
        what="the analysis",
    )
    analysis = Analysis.objects.select_related("model_version").get(id=analysis_id)
    assert analysis.status == "done", analysis.error
    return analysis
