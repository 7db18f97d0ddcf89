"""Register the model versions shipped under ECG_MODELS_DIR (hash-checked) and activate
the default one when none is active. Run by `make run` and the web container at start."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from diagnosis.models import ModelVersion
from diagnosis.services import analyses as services


class Command(BaseCommand):
    help = "Register shipped model versions and make sure one is active."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            active = services.model_versions_install(activate_default=True)
        except (FileNotFoundError, RuntimeError, ModelVersion.DoesNotExist) as error:
            raise CommandError(f"No usable model: {error}") from error
        count = ModelVersion.objects.count()
        self.stdout.write(self.style.SUCCESS(f"{count} model version(s); active: {active.version}"))
