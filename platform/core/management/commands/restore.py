"""manage.py restore FILE [--force]: put back what `manage.py backup` wrote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`: every checksum is verified first; an installation "
        "that already holds data is replaced only with --force. Run it with the site and workers stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--force", action="store_true", help="replace the data this installation holds")

    def handle(self, *args: Any, file: Path, force: bool, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            result = backup_restore(file, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{n} {name}" for name, n in result["files"].items())
        made = result["manifest"]["created_at"]
        self.stdout.write(self.style.SUCCESS(f"Restored the backup of {made}: database, {counts} files."))
