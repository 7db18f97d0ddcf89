"""Leases kept alive while a job runs: a worker claims a job for a short time and renews the
claim from a background thread until the job ends. A worker that dies stops renewing, so
its job is taken over soon after (the sweepers look for leases that ran out), while a job
that runs long but is alive is never taken over."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

from django.db import DatabaseError, connection

log = logging.getLogger(__name__)


@contextlib.contextmanager
def lease_kept(renew: Callable[[], bool], *, every_s: float, name: str) -> Iterator[None]:
    """Call ``renew`` every ``every_s`` seconds from a daemon thread while the block runs;
    the thread stops when ``renew`` says the job is no longer this worker's (False)."""
    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.wait(every_s):
                try:
                    if not renew():
                        return
                except DatabaseError:
                    log.warning("%s: lease not renewed", name, exc_info=True)
                    connection.close()  # reconnect at the next try
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=loop, name=f"lease-{name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
