"""The Celery app. Queues: ``inference`` (classification, many workers) and ``training``
(retraining, one worker with concurrency 1 so runs never overlap)."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecgsite.settings")

app = Celery("ecgsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("inference"), Queue("training"))
app.conf.task_routes = {"diagnosis.tasks.training_*": {"queue": "training"}}
app.autodiscover_tasks()
