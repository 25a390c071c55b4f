"""Competition standings on the progress page, read through competitions.selectors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db
competitions = pytest.importorskip("competitions.models", reason="the competitions app is not in this checkout")


def test_progress_shows_the_students_rank_in_the_course_competition(graded):  # type: ignore[no-untyped-def]
    from competitions.models import Competition, Phase, Submission

    now = timezone.now()
    comp = Competition.objects.create(slug="cup", title="Decoder Cup", course=graded.world.course, task="decoder")
    phase = Phase.objects.create(
        competition=comp,
        slug="main",
        title="Main",
        starts_at=now - timedelta(days=2),
        ends_at=now + timedelta(days=2),
        dataset="d",
    )
    for user, score in ((graded.cast.alice, 0.91), (graded.cast.bob, 0.95), (graded.cast.charlie, 0.5)):
        Submission.objects.create(
            phase=phase,
            user=user,
            participant=f"u{user.pk}",
            received_at=now - timedelta(hours=1),
            kind="module",
            status="graded",
            public_score=score,
        )
    c = Client()
    c.force_login(graded.cast.alice)
    page = c.get("/courses/qc101/progress/").content.decode()
    section = page[page.index('id="standings"') :]
    assert "Decoder Cup" in section
    assert "2 / 3" in section  # bob leads, alice is second of three
    assert "0.91" in section and "0.95" not in section  # her score, never bob's
