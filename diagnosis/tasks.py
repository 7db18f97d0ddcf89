"""Celery tasks: thin wrappers that take IDs and call one service each. Queues are routed in
``ecgsite/celery.py`` (``inference`` by default, ``training`` for training runs)."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from diagnosis import files
from diagnosis.services import analyses, sharing, training, your_data


@shared_task(
    bind=True,
    name="diagnosis.tasks.classify_analysis",
    acks_late=True,  # a worker that dies mid-task leaves the message to be redelivered
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError, ConnectionError, *files.STORAGE_ERRORS),
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
    return analyses.analysis_run(analysis_id=analysis_id, redelivered=redelivered)


@shared_task(name="diagnosis.tasks.sweep_analyses", ignore_result=True)
def sweep_analyses() -> int:
    """Periodic (beat): send again analyses whose message never reached a worker."""
    return analyses.analysis_sweep()


@shared_task(name="diagnosis.tasks.sweep_training_runs", ignore_result=True)
def sweep_training_runs() -> int:
    """Periodic (beat): fail training runs whose worker is gone (lease ran out), so the
    next run can start. Runs on the default queue: the training worker may be the one gone."""
    return training.training_runs_sweep()


@shared_task(name="diagnosis.tasks.send_doctor_digests", ignore_result=True)
def send_doctor_digests() -> int:
    """Periodic (beat): each doctor's digest of new uploads from sharing patients."""
    return sharing.doctor_digests_send()


@shared_task(
    name="diagnosis.tasks.send_review_email",
    ignore_result=True,
    autoretry_for=(OSError, ConnectionError),
    retry_backoff=30,
    max_retries=5,
)
def send_review_email(review_id: int) -> bool:
    """Tell a patient their result was reviewed (queued when the review commits)."""
    return sharing.review_email_send(review_id=review_id)


@shared_task(
    name="diagnosis.tasks.training_run",
    ignore_result=True,
    # Not acks_late: a training run is long and is not retried by redelivery; a run whose
    # worker died stops renewing its lease and the sweeper (sweep_training_runs) fails it.
    soft_time_limit=6 * 3600,
    time_limit=6 * 3600 + 60,
)
def training_run(run_id: int) -> str:
    """Train a candidate model for a queued ``TrainingRun`` (one at a time: the training
    worker runs with concurrency 1)."""
    return training.training_execute(run_id=run_id)


@shared_task(
    name="diagnosis.tasks.delete_account",
    ignore_result=True,
    autoretry_for=(DatabaseError, *files.STORAGE_ERRORS),
    retry_backoff=30,
    max_retries=5,
)
def delete_account(user_id: int) -> bool:
    """Delete a closed account with every upload and file (queued when it is closed)."""
    return your_data.account_delete(user_id=user_id)
