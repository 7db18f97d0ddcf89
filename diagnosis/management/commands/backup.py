"""Back the whole site up into one .tar.gz: the database and every stored file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from diagnosis.services.backup import backup_write


class Command(BaseCommand):
    help = "Write a backup (database and files) to PATH (default: var/backups/<time>.tar.gz)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        path = (
            Path(options["path"])
            if options["path"]
            else (Path(settings.VAR_DIR) / "backups" / f"ecg-{timezone.now():%Y%m%d-%H%M%S}.tar.gz")
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        manifest = backup_write(path)
        self.stdout.write(f"Backup written to {path} ({manifest['files']} files).")
