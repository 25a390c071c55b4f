"""The calendar of due dates (extensions applied) and its ICS feed behind a revocable secret address."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from courses.enums import ActivityKind
from grading.services import extension_grant
from notifications.ics import escape_text, fold
from notifications.models import CalendarFeed
from tests.factories import ActivityFactory, add_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def term(world, cast):  # type: ignore[no-untyped-def]
    """hw1 due in 3 days; an open exam window with a tricky title; the world's unreleased exam is never listed
    to students (its existence and dates stay secret until release)."""
    exam = ActivityFactory(
        unit=world.assignment.unit, slug="midterm", title="Midterm; part 1, basics", kind=ActivityKind.EXAM,
        release_at=timezone.now() - timedelta(hours=1), due_at=timezone.now() + timedelta(days=5),
    )
    add_version(exam, body_html="<p>exam</p>")
    return exam


def _feed(client, user) -> str:  # type: ignore[no-untyped-def]
    client.force_login(user)
    client.post(reverse("notifications:preferences"), {"action": "feed-new"})
    token = CalendarFeed.objects.get(user=user).token
    client.logout()
    return f"/notifications/calendar/{token}.ics"


def test_ics_feed_parses_with_the_right_events(client, cast, world, term) -> None:  # type: ignore[no-untyped-def]
    new_due = (timezone.now() + timedelta(days=9)).replace(microsecond=0)
    extension_grant(activity=world.assignment, user=cast.alice, due_at=new_due, by=cast.teacher)
    url = _feed(client, cast.alice)
    response = client.get(url)  # no session
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode("utf-8")
    assert all(line == "" or len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert "\n" not in body.replace("\r\n", "")
    cal = Calendar.from_ical(response.content)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"due-{world.assignment.pk}@127.0.0.1", f"exam-{term.pk}@127.0.0.1"}
    hw = events[f"due-{world.assignment.pk}@127.0.0.1"]
    assert hw.decoded("DTSTART") == new_due  # Alice's extension, in UTC
    assert hw.decoded("DTSTART").tzinfo is not None and "DTSTAMP" in hw
    assert str(hw["SUMMARY"]) == "Quantum computing 101: Homework one"
    exam = events[f"exam-{term.pk}@127.0.0.1"]
    assert str(exam["SUMMARY"]) == "Quantum computing 101: Midterm; part 1, basics"  # escaped and unescaped
    assert exam.decoded("DTEND") - exam.decoded("DTSTART") == term.due_at.replace(microsecond=0) - term.release_at.replace(microsecond=0)
    assert "Secret final exam" not in body  # not released: not on a student's calendar
    assert "DTSTART:" in body and body.split("DTSTART:")[1][15] == "Z"  # UTC form


def test_another_students_token_gives_their_calendar_not_yours(client, cast, world, term) -> None:  # type: ignore[no-untyped-def]
    extension_grant(
        activity=world.assignment, user=cast.alice, due_at=timezone.now() + timedelta(days=20), by=cast.teacher
    )
    alice_url, bob_url = _feed(client, cast.alice), _feed(client, cast.bob)
    alice = Calendar.from_ical(client.get(alice_url).content)
    bob = Calendar.from_ical(client.get(bob_url).content)
    due = {str(e["UID"]).split("@")[0]: e.decoded("DTSTART") for e in bob.walk("VEVENT")}
    assert due[f"due-{world.assignment.pk}"] == world.assignment.due_at.replace(microsecond=0).astimezone(UTC)
    assert due != {str(e["UID"]).split("@")[0]: e.decoded("DTSTART") for e in alice.walk("VEVENT")}
    # guessing is hopeless and a wrong token tells nothing
    assert client.get(alice_url[:-8] + "AAAA.ics").status_code == 404


def test_revoked_token_is_404_and_a_new_one_works(client, cast, world) -> None:  # type: ignore[no-untyped-def]
    url = _feed(client, cast.alice)
    assert client.get(url).status_code == 200
    client.force_login(cast.alice)
    client.post(reverse("notifications:preferences"), {"action": "feed-revoke"})
    client.logout()
    assert client.get(url).status_code == 404
    new_url = _feed(client, cast.alice)
    assert new_url != url and client.get(new_url).status_code == 200 and client.get(url).status_code == 404
    cast.alice.is_active = False
    cast.alice.save()
    assert client.get(new_url).status_code == 404  # a deactivated account's feed stops too


def test_calendar_on_the_homes(client, cast, world, term) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.alice)
    home = client.get("/").content.decode()
    assert 'data-testid="calendar"' in home and 'data-activity="hw1"' in home and 'data-activity="midterm"' in home
    course_home = client.get(reverse("courses:home", args=["qc101"])).content.decode()
    assert 'data-testid="calendar"' in course_home and "exam window" in course_home
    month = (timezone.localdate().replace(day=1) + timedelta(days=40)).strftime("%Y-%m")
    assert client.get(f"/notifications/calendar/?month={month}").status_code == 200
    assert client.get("/notifications/calendar/?month=99999-77").status_code == 200  # nonsense: this month


def test_rfc5545_text_escaping_and_folding() -> None:
    assert escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    long = "SUMMARY:" + "量子" * 40
    folded = fold(long)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == long  # unfolds to the same line, no character split


def test_calendar_shows_the_students_offering_due_date_and_an_extension_beats_it(cast, world) -> None:  # type: ignore[no-untyped-def]
    """The one rule for the due time in force (courses.selectors.due_pick): extension, else the
    offering's date, else the activity's; a classmate in another offering sees the template's."""
    from datetime import date

    from courses.models import Enrollment
    from notifications.calendar import calendar_for
    from orgs.enums import OrgKind
    from orgs.models import Offering, OfferingDue, Organisation, Term

    school = Organisation.objects.create(kind=OrgKind.SCHOOL, slug="cal-school", name="Calendar School")
    term = Term.objects.create(org=school, name="Autumn", starts_on=date(2026, 9, 1))
    offering = Offering.objects.create(course=world.course, school=school, term=term)
    Enrollment.objects.filter(course=world.course, user=cast.alice).update(offering=offering)
    moved = (timezone.now() + timedelta(days=12)).replace(microsecond=0)
    OfferingDue.objects.create(offering=offering, activity=world.assignment, due_at=moved)

    def due_of(user):  # type: ignore[no-untyped-def]
        return {e.activity.pk: e.start for e in calendar_for(user=user)}.get(world.assignment.pk)

    assert due_of(cast.alice) == moved
    assert due_of(cast.bob) == world.assignment.due_at  # not in the offering: the template's date
    extended = (timezone.now() + timedelta(days=20)).replace(microsecond=0)
    extension_grant(activity=world.assignment, user=cast.alice, due_at=extended, by=cast.teacher)
    assert due_of(cast.alice) == extended
