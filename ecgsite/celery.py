"""The Celery app. Queues: ``inference`` (classification, many workers), ``training``
(retraining, one worker with concurrency 1 so runs never overlap) and ``housekeeping`` (the
sweeps beat sends every few seconds, on a small worker of their own so they never wait
behind a busy inference or training worker)."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecgsite.settings")

app = Celery("ecgsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("inference"), Queue("training"), Queue("housekeeping"))
app.conf.task_routes = {
    "diagnosis.tasks.training_*": {"queue": "training"},
    "diagnosis.tasks.sweep_*": {"queue": "housekeeping"},
}
app.autodiscover_tasks()
