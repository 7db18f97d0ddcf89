"""Celery tasks: thin wrappers that take IDs and call services."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from diagnosis import services


@shared_task(
    bind=True,
    name="diagnosis.tasks.classify_analysis",
    queue="inference",
    acks_late=True,  # a worker that dies mid-task leaves the message to be redelivered
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError, OSError, ConnectionError),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=150,
    time_limit=180,
)
def classify_analysis(self, analysis_id: str) -> str:
    delivery = self.request.delivery_info or {}
    redelivered = bool(delivery.get("redelivered"))
    return services.analysis_run(analysis_id=analysis_id, redelivered=redelivered)


@shared_task(name="diagnosis.tasks.sweep_analyses", queue="inference", ignore_result=True)
def sweep_analyses() -> int:
    """Periodic (beat): send again analyses whose message never reached a worker."""
    return services.analysis_sweep()
