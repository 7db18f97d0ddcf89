"""Send each doctor the digest of new uploads from sharing patients (beat runs it daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from diagnosis.services import sharing as reviews


class Command(BaseCommand):
    help = "Email each doctor a digest of new uploads from patients who share with them."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = reviews.doctor_digests_send()
        self.stdout.write(f"Sent {sent} digest email{'s' if sent != 1 else ''}.")
