"""Sending Celery tasks by name, so services never import ``diagnosis.tasks`` (which imports
the services): the dependency runs one way, tasks -> services.

The tasks are registered when the app is ready (``DiagnosisConfig.ready`` imports
``diagnosis.tasks``), so a name always finds its task with its options (queue, retries).

Embedded mode (no broker): tasks run in the web process, on background threads
(``EMBEDDED_TASKS_IN_BACKGROUND``, on by default), so an upload returns at once and its page
follows the job live, as with real workers. One thread runs analyses and emails in order and
runs the sweeps every minute (stuck analyses, training runs whose worker is gone: what a
worker's beat runs in production);
another runs training, so a long training run never holds up an analysis.
"""

from __future__ import annotations

import logging
import queue as stdlib_queue
import threading
from typing import Any

from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)

CLASSIFY_ANALYSIS = "diagnosis.tasks.classify_analysis"
SWEEP_ANALYSES = "diagnosis.tasks.sweep_analyses"
SWEEP_TRAINING_RUNS = "diagnosis.tasks.sweep_training_runs"
SEND_REVIEW_EMAIL = "diagnosis.tasks.send_review_email"
TRAINING_RUN = "diagnosis.tasks.training_run"
DELETE_ACCOUNT = "diagnosis.tasks.delete_account"

#: The periodic tasks the embedded runner runs itself (the beat schedule's, in production).
PERIODIC_SWEEPS = (SWEEP_ANALYSES, SWEEP_TRAINING_RUNS)
#: Seconds between the embedded runner's sweeps.
EMBEDDED_SWEEP_EVERY_S = 60.0


def task_send(name: str, *args: Any) -> None:
    """Publish task ``name`` with JSON arguments. Raises what the broker raises (callers
    decide whether a broker that is down is an error)."""
    from ecgsite.celery import app

    if embedded_in_background():
        _runner("training" if name == TRAINING_RUN else "tasks").submit(name, args)
        return
    app.tasks[name].delay(*args)


def tasks_in_process() -> bool:
    """True without a broker (embedded mode, and the tests): no other worker exists to
    take a job over."""
    from ecgsite.celery import app

    return bool(app.conf.task_always_eager)


def embedded_in_background() -> bool:
    """True when tasks run in this process on background threads (no broker)."""
    from ecgsite.celery import app

    return bool(app.conf.task_always_eager and settings.EMBEDDED_TASKS_IN_BACKGROUND)


def embedded_runner_start() -> None:
    """Start the embedded runner (and its sweeps) if it is not running yet: after a restart,
    the first page that waits for a result picks up analyses the old process left queued."""
    if embedded_in_background():
        _runner("tasks")


class _EmbeddedRunner:
    """One daemon thread running tasks in the order they were sent."""

    def __init__(self, name: str, *, sweeps: bool) -> None:
        self.jobs: stdlib_queue.Queue[tuple[str, tuple[Any, ...]]] = stdlib_queue.Queue()
        self.sweeps = sweeps
        self.thread = threading.Thread(target=self._loop, name=f"embedded-{name}", daemon=True)
        self.thread.start()

    def submit(self, name: str, args: tuple[Any, ...]) -> None:
        self.jobs.put((name, args))

    def stop(self) -> None:
        """End the thread after the jobs already sent."""
        self.jobs.put((_STOP, ()))

    def _loop(self) -> None:
        if self.sweeps:
            for sweep in PERIODIC_SWEEPS:  # what an earlier process left behind
                self.jobs.put((sweep, ()))
        while True:
            try:
                name, args = self.jobs.get(timeout=EMBEDDED_SWEEP_EVERY_S)
            except stdlib_queue.Empty:
                if self.sweeps:
                    for sweep in PERIODIC_SWEEPS:
                        _run(sweep, ())
                continue
            if name == _STOP:
                return
            _run(name, args)


_STOP = "stop"


def _run(name: str, args: tuple[Any, ...]) -> None:
    from ecgsite.celery import app

    try:
        app.tasks[name].apply(args=list(args))
    except Exception:  # a task's own failure handling has already run; keep the thread
        log.exception("embedded task %s failed", name)
    finally:
        connections.close_all()  # this thread's connections only


_runners: dict[str, _EmbeddedRunner] = {}
_runners_lock = threading.Lock()


def embedded_runners_stop(timeout_s: float = 30.0) -> None:
    """Stop the embedded runners once their jobs are done (tests; a process that exits
    simply drops its daemon threads)."""
    with _runners_lock:
        runners = list(_runners.values())
        _runners.clear()
    for runner in runners:
        runner.stop()
        runner.thread.join(timeout_s)


def _runner(name: str) -> _EmbeddedRunner:
    with _runners_lock:
        runner = _runners.get(name)
        if runner is None or not runner.thread.is_alive():
            runner = _runners[name] = _EmbeddedRunner(name, sweeps=name == "tasks")
        return runner
