"""Restore a backup made by ``manage.py backup`` into an empty, migrated set-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from diagnosis.services.backup import RestoreRefused, backup_restore


class Command(BaseCommand):
    help = "Restore PATH (a backup) into an empty set-up: run `migrate` on a new database first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No backup at {path}.")
        try:
            manifest = backup_restore(path)
        except RestoreRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the backup of {manifest['created']} ({manifest['files']} files)."
        )
