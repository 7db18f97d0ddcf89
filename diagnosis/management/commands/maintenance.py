"""Switch planned maintenance on (with an end time) or off: pages show a banner with a
countdown and uploads are refused while it is on."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from diagnosis.services import maintenance


class Command(BaseCommand):
    help = "maintenance on --minutes N [--message TEXT] | maintenance off | maintenance status"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["on", "off", "status"])
        parser.add_argument("--minutes", type=float, default=30.0)
        parser.add_argument("--message", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "on":
            if options["minutes"] <= 0:
                raise CommandError("--minutes must be positive")
            window = maintenance.maintenance_start(
                minutes=options["minutes"], message=options["message"]
            )
            until = timezone.localtime(window.ends_at)
            self.stdout.write(f"Maintenance on until {until:%Y-%m-%d %H:%M %Z}.")
        elif action == "off":
            ended = maintenance.maintenance_end()
            self.stdout.write("Maintenance off." if ended else "Maintenance was not on.")
        else:
            current = maintenance.maintenance_current()
            if current is None:
                self.stdout.write("Maintenance is off.")
            else:
                until = timezone.localtime(current.ends_at)
                self.stdout.write(f"Maintenance is on until {until:%Y-%m-%d %H:%M %Z}.")
