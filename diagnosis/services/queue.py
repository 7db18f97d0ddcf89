"""Sending Celery tasks by name, so services never import ``diagnosis.tasks`` (which imports
the services): the dependency runs one way, tasks -> services.

The tasks are registered when the app is ready (``DiagnosisConfig.ready`` imports
``diagnosis.tasks``), so a name always finds its task with its options (queue, retries) and
embedded mode's in-process runner.
"""

from __future__ import annotations

from typing import Any

CLASSIFY_ANALYSIS = "diagnosis.tasks.classify_analysis"
SEND_REVIEW_EMAIL = "diagnosis.tasks.send_review_email"
TRAINING_RUN = "diagnosis.tasks.training_run"
DELETE_ACCOUNT = "diagnosis.tasks.delete_account"


def task_send(name: str, *args: Any) -> None:
    """Publish task ``name`` with JSON arguments. Raises what the broker raises (callers
    decide whether a broker that is down is an error)."""
    from ecgsite.celery import app

    app.tasks[name].delay(*args)
