"""A real Celery worker process, started and stopped the same way by the end-to-end tests
(``tests/e2e/conftest.py``) and by ``benchmarks/web_speed.py``.

Django-free at import (the benchmark imports it before configuring Django); only
:func:`database_url` needs a configured Django.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
#: How long a worker may take to say it is ready (seconds; a cold start imports the engine).
START_TIMEOUT_S = 90.0

T = TypeVar("T")


def wait_for(
    condition: Callable[[], T], timeout: float, interval: float = 0.1, what: str = "condition"
) -> T:
    """Poll ``condition`` until it returns something true, and return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def database_url() -> str:
    """The URL of the database this process uses now (the test database once created), for a
    worker process."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


class CeleryWorker:
    """A ``celery -A ecgsite worker`` process on ``queues``, one task at a time (``--pool
    solo``), started and ready when the constructor returns.

    Args:
        env: variables set for the worker on top of this process's environment (the
            database, the broker, the upload folder...).
        queues: comma-separated queue names.
        prefix: start of the worker's host name (a random suffix keeps names unique).
    Raises:
        AssertionError: the worker exited or did not become ready in time (its last log
            lines are the message).
    """

    def __init__(
        self, env: Mapping[str, str], *, queues: str = "inference", prefix: str = "e2e"
    ) -> None:
        self.name = f"{prefix}-{uuid.uuid4().hex[:8]}@localhost"
        self.log: list[str] = []
        environment = (
            {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
            | {"PYTHONUNBUFFERED": "1"}
            | dict(env)
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
                "INFO",  # the "ready." line is logged at INFO
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
            timeout=START_TIMEOUT_S,
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
        """SIGTERM (a warm shutdown), then SIGKILL when it takes longer than 15 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
