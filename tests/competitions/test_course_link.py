"""A course's competition activity links to its competition."""

from __future__ import annotations

import pytest
from django.test import Client

from courses.enums import ActivityKind
from tests.factories import ActivityFactory, add_version

pytestmark = pytest.mark.django_db


def test_competition_activity_links_to_the_competition(world, cast, cup) -> None:  # type: ignore[no-untyped-def]
    activity = ActivityFactory(unit=world.lesson.unit, slug="cup", title="The Decoder Cup", kind=ActivityKind.COMPETITION, options={"competition": cup.slug})
    add_version(activity)
    missing = ActivityFactory(unit=world.lesson.unit, slug="gone", title="Gone", kind=ActivityKind.COMPETITION, options={"competition": "no-such-cup"})
    client = Client()
    client.force_login(cast.alice)
    body = client.get("/courses/qc101/a/cup/").content.decode()
    assert f'href="/competitions/{cup.slug}/"' in body
    body = client.get(f"/courses/qc101/a/{missing.slug}/").content.decode()
    assert "not open on this site yet" in body
