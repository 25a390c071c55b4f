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
        parser.add_argument(
            "--district", help="open the loaded competitions to this district's schools only (its slug), ranking schools"
        )
        parser.add_argument(
            "--school-ranking", choices=["best", "topk_mean"], default="topk_mean", help="with --district"
        )
        parser.add_argument("--school-k", type=int, default=3, help="with --district and topk_mean")

    def handle(self, *args: Any, scale: float | None, regenerate: bool, only: list[str] | None, **options: Any) -> None:
        from django.core.management.base import CommandError

        from competitions.definitions_loader import load_all
        from competitions.services import SubmissionRefused, competition_scope_set
        from orgs.enums import CompetitionScope
        from orgs.models import Organisation

        district = None
        if options.get("district"):
            district = Organisation.objects.filter(slug=options["district"]).first()
            if district is None:
                raise CommandError(f"no organisation {options['district']!r}")
        start = time.monotonic()
        for comp in load_all(scale=scale, force=regenerate, only=only):
            if district is not None:
                try:
                    competition_scope_set(
                        competition=comp,
                        scope=CompetitionScope.DISTRICT,
                        org=district,
                        school_ranking=options["school_ranking"],
                        school_ranking_k=options["school_k"],
                    )
                except SubmissionRefused as exc:
                    raise CommandError(str(exc)) from None
            where = f"course {comp.course.slug}" if comp.course else "site-wide"
            if comp.org is not None:
                where += f", {comp.get_scope_display()} {comp.org.slug}"
            self.stdout.write(f"competition {comp.slug} ({where}): {comp.phases.count()} phases")
        self.stdout.write(f"done in {time.monotonic() - start:.1f} s")
