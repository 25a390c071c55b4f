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


@pytest.mark.django_db
def test_course_home_counts_and_lists_the_course_competition_without_an_activity(world, cast, cup) -> None:  # type: ignore[no-untyped-def]
    # The QEC course's Decoder Cup is linked to the course but no unit has an activity for it: 赛 said 0.
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(cast.alice)
    html = client.get(reverse("courses:home", kwargs={"slug": world.course.slug})).content.decode()
    compete_tile = html.split('class="stage stage-compete"', 1)[1].split("</a>", 1)[0]
    assert "1 activity" in compete_tile
    section = html.split('id="stage-compete"', 1)[1]
    assert reverse("competitions:home", kwargs={"slug": cup.slug}) in section
    assert cup.title in section
    # Another course's page shows nothing of it.
    client.force_login(cast.other_teacher)
    other = client.get(reverse("courses:home", kwargs={"slug": world.other_course.slug})).content.decode()
    assert 'id="stage-compete"' not in other and cup.title not in other
