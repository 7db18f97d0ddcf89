"""Load the demo content for `make run`: a confirmed demo patient account.

Refuses to run with DEBUG off, so known demo passwords never reach a real deployment.
Other apps add their demo content here as they grow (specialists, conditions, model).
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Role, User
from specialists.demo import demo_specialists_load

DEMO_PATIENT_EMAIL = "demo.patient@example.org"
DEMO_PASSWORD = "demo-heart-2026"  # noqa: S105 - printed on purpose; DEBUG-only


class Command(BaseCommand):
    help = "Create demo content for local use (DEBUG only). Safe to run repeatedly."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("load_demo only runs with DEBUG on; demo passwords are public.")
        patient, created = User.objects.get_or_create(
            email=DEMO_PATIENT_EMAIL, defaults={"full_name": "Demo Patient", "role": Role.PATIENT}
        )
        if created:
            patient.set_password(DEMO_PASSWORD)
            patient.save()
        EmailAddress.objects.update_or_create(
            user=patient, email=patient.email, defaults={"verified": True, "primary": True}
        )
        specialists = demo_specialists_load()
        self.stdout.write(
            self.style.SUCCESS(f"Demo specialists: {specialists} sample listings (marked demo)")
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo patient: {DEMO_PATIENT_EMAIL} / {DEMO_PASSWORD} (or sign up; "
                "confirmation emails are printed in this console)"
            )
        )
