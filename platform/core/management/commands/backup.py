"""manage.py backup FILE: the database, blobs and competition data in one verified tar file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database, the blobs and the competition data into one tar file (mode 0600)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            manifest = backup_create(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        size = sum(e["size"] for e in manifest["files"])
        self.stdout.write(
            self.style.SUCCESS(
                f"{file}: {manifest['database']['vendor']} database and {len(manifest['files']) - 1} files "
                f"({size / 1024 / 1024:.1f} MiB), checksums in manifest.json"
            )
        )
