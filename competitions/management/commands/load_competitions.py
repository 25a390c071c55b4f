"""manage.py load_competitions: the shipped competitions, their hidden data (from secret seeds) and baselines."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Create/update the shipped competitions, generate hidden data under COMPETITIONS_DATA_DIR, score baselines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=None, help="shot-count multiplier (default: COMPETITIONS_SHOTS_SCALE)"
        )
        parser.add_argument("--regenerate", action="store_true", help="rewrite hidden data even if present")
        parser.add_argument("--only", nargs="*", help="competition folder names")

    def handle(self, *args: Any, scale: float | None, regenerate: bool, only: list[str] | None, **options: Any) -> None:
        from competitions.definitions_loader import load_all

        start = time.monotonic()
        for comp in load_all(scale=scale, force=regenerate, only=only):
            where = f"course {comp.course.slug}" if comp.course else "site-wide"
            self.stdout.write(f"competition {comp.slug} ({where}): {comp.phases.count()} phases")
        self.stdout.write(f"done in {time.monotonic() - start:.1f} s")
