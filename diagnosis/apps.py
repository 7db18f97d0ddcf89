from __future__ import annotations

from django.apps import AppConfig


class DiagnosisConfig(AppConfig):
    name = "diagnosis"
    verbose_name = "ECG analyses"

    def ready(self) -> None:
        # Register the Celery tasks, so services send them by name (diagnosis.services.queue)
        # without importing them.
        from diagnosis import tasks  # noqa: F401
