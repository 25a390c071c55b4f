"""Times in the viewer's zone, with the zone named, on every main page."""

from __future__ import annotations

import re
import zoneinfo
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.dashboard.builders import cell, submission

pytestmark = pytest.mark.django_db

# A date and time as the pages print them, and what follows it.
STAMP = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?)(\s+[^\s<]+)?")
ZONE = re.compile(r"^\s+(?:[A-Z]{2,5}|[+-]\d{2}(?:\d{2})?)$")


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _unzoned(html: str) -> list[str]:
    return [m.group(0) for m in STAMP.finditer(_text(html)) if not (m.group(2) and ZONE.match(m.group(2)))]


def _pages(world, cast) -> dict[str, tuple[Client, str]]:  # type: ignore[no-untyped-def]
    graded = submission(
        activity=world.assignment, user=cast.alice, received_at=timezone.now() - timedelta(hours=2),
        cells=[cell("q1", "autograded_test", 10, 8, "passed")],
    )
    student, teacher = Client(), Client()
    student.force_login(cast.alice)
    teacher.force_login(cast.teacher)
    return {
        "activity": (student, "/courses/qc101/a/hw1/"),
        "activity panel": (student, "/grading/qc101/a/hw1/panel/"),
        "course home": (student, "/courses/qc101/"),
        "student home": (student, "/"),
        "submission": (student, f"/grading/qc101/s/{graded.pk}/"),
        "submission (staff)": (teacher, f"/grading/qc101/s/{graded.pk}/"),
        "gradebook": (teacher, "/courses/qc101/gradebook/"),
        "activity gradebook": (teacher, "/grading/qc101/a/hw1/gradebook/"),
        "dashboard": (teacher, "/courses/qc101/dashboard/"),
        "manage": (teacher, "/courses/qc101/manage/"),
    }


def test_main_pages_name_the_zone_of_every_time(world, cast) -> None:  # type: ignore[no-untyped-def]
    seen = 0
    for name, (client, url) in _pages(world, cast).items():
        html = client.get(url).content.decode()
        assert _unzoned(html) == [], name
        seen += len(STAMP.findall(_text(html)))
    assert seen >= 8  # the pages do show times: the check is not vacuous


def test_the_check_catches_a_time_without_zone() -> None:
    assert _unzoned("<td>2026-12-03 14:00</td>") == ["2026-12-03 14:00"]
    assert _unzoned("<td>2026-12-03 14:00 CST</td><td>2026-12-03 14:00:05 +04</td>") == []


def test_user_time_zone_setting_moves_the_due_time(world, cast) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(cast.alice)
    page = client.get("/accounts/settings/").content.decode()
    assert 'name="time_zone"' in page and "Asia/Shanghai" in page and "The site&#x27;s zone (UTC)" in page
    assert client.post("/accounts/settings/", {"display_name": "Alice", "time_zone": "Mars/Olympus"}).status_code == 400
    assert client.post("/accounts/settings/", {"display_name": "Alice", "time_zone": "Asia/Shanghai"}).status_code == 302
    cast.alice.refresh_from_db()
    assert cast.alice.time_zone == "Asia/Shanghai"
    due = world.assignment.due_at.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai"))
    html = client.get("/courses/qc101/a/hw1/").content.decode()
    assert f"{due:%Y-%m-%d %H:%M} CST" in html
    utc = world.assignment.due_at.astimezone(zoneinfo.ZoneInfo("UTC"))
    other = Client()
    other.force_login(cast.bob)  # the site's zone for everyone else
    assert f"{utc:%Y-%m-%d %H:%M} UTC" in other.get("/courses/qc101/a/hw1/").content.decode()
    # back to the site's zone
    client.post("/accounts/settings/", {"display_name": "Alice", "time_zone": ""})
    assert f"{utc:%Y-%m-%d %H:%M} UTC" in client.get("/courses/qc101/a/hw1/").content.decode()
