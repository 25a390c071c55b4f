"""Upgrading keeps every competition working: one made before the schools migration comes out
site-wide, its phases, teams and submissions untouched, its board unchanged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("competitions", "0004_competitiongrade")]
AFTER = [("competitions", "0005_schools")]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_existing_competitions_become_site_wide():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    from tests.factories import UserFactory

    user: Any = UserFactory(username="old-timer")  # accounts is at its latest state throughout
    comp = old.get_model("competitions", "Competition").objects.create(slug="old-cup", title="Old cup", task="decoder")
    now = timezone.now()
    phase = old.get_model("competitions", "Phase").objects.create(
        competition=comp, slug="dev", title="Dev", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1),
        dataset="development",
    )  # fmt: skip
    team = old.get_model("competitions", "Team").objects.create(
        competition=comp, name="Old team", created_by_id=user.pk
    )
    old.get_model("competitions", "Submission").objects.create(
        phase=phase, user_id=user.pk, team=team, participant=f"t{team.pk}", received_at=now, kind="module",
        status="graded", public_score=0.9, private_score=0.9,
    )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    from competitions.models import Competition
    from competitions.selectors import competition_access, leaderboard, school_ranking
    from orgs.enums import CompetitionScope

    comp = Competition.objects.get(slug="old-cup")
    assert (comp.scope, comp.org, comp.synchronised, comp.school_ranking) == (
        CompetitionScope.SITE,
        None,
        False,
        "best",
    )
    assert list(comp.eligible_schools.all()) == [] and comp.eligible_grades == []
    assert comp.teams.get().school is None
    newcomer: Any = UserFactory(username="newcomer")
    assert competition_access(user=newcomer, slug="old-cup").can_participate
    phase = comp.phases.get()
    rows = leaderboard(phase=phase, split="public")
    assert [(r.rank, r.name, r.score, r.school) for r in rows] == [(1, "Old team", 0.9, "")]
    assert school_ranking(phase=phase, split="public") == []  # no school yet: nothing to rank
