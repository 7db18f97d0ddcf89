"""``python manage.py import_specialists FILE.csv [--partial]``: the CSV import, from a shell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from specialists.services import specialists_import


class Command(BaseCommand):
    help = (
        "Import specialists from a UTF-8 CSV file. Every row is checked; by default one bad "
        "row means nothing is imported. Columns: see specialists/importing.py."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file (UTF-8, header row)")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="import the good rows even when some rows are rejected",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
        report = specialists_import(data=data, partial=options["partial"])
        lines = report.lines()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(lines[0]))
            return
        for line in lines:
            self.stderr.write(line)
        if report.created == 0:
            # Nothing was imported: a script running this must notice.
            raise CommandError(f"{path}: no specialists imported.")
