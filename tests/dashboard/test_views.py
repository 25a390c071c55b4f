"""Every dashboard view × every role, and what each page shows (content, not only status)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

OK, FORBIDDEN, NOT_FOUND, LOGIN = 200, 403, 404, 302
ROLES = ("anonymous", "outsider", "alice", "ta", "other_teacher", "teacher", "admin")


def _client(graded, role):  # type: ignore[no-untyped-def]
    c = Client()
    if role != "anonymous":
        c.force_login(getattr(graded.cast, role))
    return c


def _urls(graded):  # type: ignore[no-untyped-def]
    bob = graded.cast.bob.pk
    return {
        "dashboard": "/courses/qc101/dashboard/",
        "gradebook": "/courses/qc101/gradebook/",
        "csv": "/courses/qc101/gradebook.csv",
        "student": f"/courses/qc101/gradebook/students/{bob}/",
    }


MATRIX = {
    #            anonymous outsider alice   ta   other_teacher teacher admin
    "dashboard": (LOGIN, NOT_FOUND, FORBIDDEN, OK, NOT_FOUND, OK, OK),
    "gradebook": (LOGIN, NOT_FOUND, FORBIDDEN, OK, NOT_FOUND, OK, OK),
    "csv": (LOGIN, NOT_FOUND, FORBIDDEN, OK, NOT_FOUND, OK, OK),
    "student": (LOGIN, NOT_FOUND, FORBIDDEN, OK, NOT_FOUND, OK, OK),
}


@pytest.mark.parametrize("view", sorted(MATRIX))
def test_dashboard_views_permission_matrix(graded, view):  # type: ignore[no-untyped-def]
    url = _urls(graded)[view]
    for role, expected in zip(ROLES, MATRIX[view], strict=True):
        response = _client(graded, role).get(url)
        assert response.status_code == expected, (view, role, response.status_code)
        if expected == OK and view != "csv":
            assert b"Bob" in response.content, (view, role)
        if expected != OK:
            assert b"13.6" not in response.content and b"3.6" not in response.content


def test_release_scores_only_teachers_and_via_grading_service(graded):  # type: ignore[no-untyped-def]
    from grading.models import ScoreRelease

    url = "/courses/qc101/gradebook/release/hw0/"
    for role, expected in (
        ("alice", FORBIDDEN),
        ("ta", FORBIDDEN),
        ("other_teacher", NOT_FOUND),
        ("outsider", NOT_FOUND),
    ):
        assert _client(graded, role).post(url, {"release": "1"}).status_code == expected, role
    assert not ScoreRelease.objects.filter(activity=graded.hw0).exists()
    assert _client(graded, "teacher").get(url).status_code == 405
    response = _client(graded, "teacher").post(url, {"release": "1"})
    assert response.status_code == 302 and response["Location"].endswith("/courses/qc101/gradebook/")
    row = ScoreRelease.objects.get(activity=graded.hw0)
    assert row.hidden is False and row.released_by == graded.cast.teacher
    page = _client(graded, "alice").get("/courses/qc101/progress/").content.decode()
    assert "10/10" in page  # alice now sees her released hw0 score
    _client(graded, "teacher").post(url, {"release": "0"})
    assert ScoreRelease.objects.get(activity=graded.hw0).hidden is True
    assert (
        _client(graded, "teacher").post("/courses/qc101/gradebook/release/nope/", {"release": "1"}).status_code == 404
    )


def test_ta_of_one_course_sees_nothing_of_another(graded):  # type: ignore[no-untyped-def]
    c = _client(graded, "ta")
    for url in (
        "/courses/ml201/dashboard/",
        "/courses/ml201/gradebook/",
        "/courses/ml201/gradebook.csv",
        "/courses/ml201/progress/",
    ):
        assert c.get(url).status_code == NOT_FOUND, url
    # a student of another course is not a student of this one
    assert c.get(f"/courses/qc101/gradebook/students/{graded.cast.other_teacher.pk}/").status_code == NOT_FOUND
    assert c.get(f"/courses/qc101/progress/?student={graded.cast.other_teacher.pk}").status_code == NOT_FOUND


def test_student_never_sees_another_students_data(graded):  # type: ignore[no-untyped-def]
    from grading.services import scores_release

    scores_release(activity=graded.hw0, release=True, by=graded.cast.teacher)
    c = _client(graded, "alice")
    own = c.get("/courses/qc101/progress/").content.decode()
    sneaky = c.get(f"/courses/qc101/progress/?student={graded.cast.bob.pk}").content.decode()
    assert "My progress" in own and "My progress" in sneaky
    for page in (own, sneaky):
        assert "3.6" not in page and "Bob" not in page  # bob's score and name never appear
        assert "10/10" in page


def test_progress_hides_unreleased_scores_from_the_student(graded):  # type: ignore[no-untyped-def]
    from grading.services import scores_release

    scores_release(activity=graded.hw0, release=False, by=graded.cast.teacher)
    page = _client(graded, "bob").get("/courses/qc101/progress/").content.decode()
    assert "not released" in page and "3.6" not in page
    staff = _client(graded, "teacher").get(f"/courses/qc101/progress/?student={graded.cast.bob.pk}").content.decode()
    assert "Progress of Bob" in staff and "3.6" in staff


def test_dashboard_page_shows_figures_charts_and_tables(graded):  # type: ignore[no-untyped-def]
    page = _client(graded, "teacher").get("/courses/qc101/dashboard/?activity=hw0").content.decode()
    assert "Course dashboard" in page
    for chart in ("weekly", "rates", "histogram", "timeline", "questions"):
        assert f'data-plotly="fig-{chart}"' in page and f'id="fig-{chart}"' in page
    assert "vendor/plotly/plotly.min.js" in page and "cdn" not in page.lower()
    assert '<td class="num">2/3</td>' in page and "67%" in page  # hw0 submitted and rate
    assert "AssertionError: not normalised" in page
    assert "missing 1 past-due" in page
    assert 'id="n-queued">1<' in page
    assert "Lab usage is unavailable" in page
    assert "<script>" not in page  # no inline script: the CSP forbids it


def test_gradebook_page_and_csv_agree(graded):  # type: ignore[no-untyped-def]
    c = _client(graded, "teacher")
    page = c.get("/courses/qc101/gradebook/?sort=total&desc=1").content.decode()
    assert page.index('data-student="bob"') < page.index('data-student="alice"') < page.index('data-student="charlie"')
    assert "13.6/20" in page and 'class="mk mk-late"' in page and 'class="mk mk-pending"' in page
    assert 'href="/courses/qc101/gradebook.csv?sort=total&amp;desc=1"' in page
    response = c.get("/courses/qc101/gradebook.csv?sort=total&desc=1")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["bob", "alice", "charlie"]
    assert rows[1][-3:] == ["13.6", "20", "68"]
    filtered = list(
        csv.reader(io.StringIO(c.get("/courses/qc101/gradebook.csv?flag=missing").content.decode("utf-8-sig")))
    )
    assert [r[0] for r in filtered[1:]] == ["charlie"]


@pytest.mark.parametrize("hostile", ['=HYPERLINK("http://evil")', "@SUM(1)", "+1", "-1+2", "\t=1"])
def test_csv_neutralises_formulas(graded, hostile):  # type: ignore[no-untyped-def]
    graded.cast.alice.display_name = hostile
    graded.cast.alice.save()
    body = _client(graded, "teacher").get("/courses/qc101/gradebook.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {r["username"]: r["name"] for r in rows}["alice"] == "'" + hostile


def test_student_drill_down_shows_attempts_feedback_and_log(graded):  # type: ignore[no-untyped-def]
    from core.blobs import blob_put
    from grading.models import Submission

    Submission.objects.filter(pk=graded.bob_hw0.pk).update(
        feedback_blob=blob_put(b"<p>feedback for bob</p>"), log="kernel said hello"
    )
    c = _client(graded, "ta")
    page = c.get(f"/courses/qc101/gradebook/students/{graded.cast.bob.pk}/").content.decode()
    assert page.count("data-submission=") == 3  # two hw0 attempts and one hw1
    page = c.get(
        f"/courses/qc101/gradebook/students/{graded.cast.bob.pk}/?attempt={graded.bob_hw0.pk}"
    ).content.decode()
    assert "feedback for bob" in page and "kernel said hello" in page
    assert "<code>q2</code>" in page and "0/4" in page  # the per-cell table of the shown attempt


def test_site_overview_counts_and_probes(graded):  # type: ignore[no-untyped-def]
    c = _client(graded, "admin")
    page = c.get("/site/").content.decode()
    assert "Site overview" in page and 'id="n-courses">2<' in page
    assert 'hx-get="/site/probes/"' in page
    probes = c.get("/site/probes/").content.decode()
    assert (
        "JupyterHub" in probes and "unavailable" in probes and "Grading sandbox" in probes and "Celery worker" in probes
    )
    assert _client(graded, "teacher").get("/site/probes/").status_code == FORBIDDEN


def test_home_still_shows_due_next(graded):  # type: ignore[no-untyped-def]
    page = _client(graded, "alice").get("/").content.decode()
    assert "Due next" in page and "Homework one" in page


def test_dashboard_speaks_chinese(graded):  # type: ignore[no-untyped-def]
    from django.conf import settings

    c = _client(graded, "teacher")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = c.get("/courses/qc101/gradebook/").content.decode()
    assert "成绩册" in page and "导出 CSV" in page
    page = c.get("/courses/qc101/dashboard/").content.decode()
    assert "需关注的学生" in page and "各题难度" in page


def test_empty_course_pages_render_their_empty_states(graded):  # type: ignore[no-untyped-def]
    c = _client(graded, "other_teacher")
    page = c.get("/courses/ml201/dashboard/").content.decode()
    assert "This course has no assignments or exams yet" in page and "Nobody is falling behind." in page
    assert "No students match." in c.get("/courses/ml201/gradebook/").content.decode()
    rows = c.get("/courses/ml201/gradebook.csv").content.decode("utf-8-sig").strip().splitlines()
    assert rows == ["username,name,total,max,percent"]
    assert "No submissions yet." in c.get("/courses/ml201/progress/").content.decode()


def _competition_column(graded, mapped: dict[str, float]):  # type: ignore[no-untyped-def]
    """A ``kind: competition`` activity whose points a teacher mapped (rows written directly; the
    mapping itself is tested in tests/competitions/test_grade_mapping.py)."""
    from django.utils import timezone

    from competitions.models import CompetitionGrade
    from courses.enums import ActivityKind
    from tests.factories import ActivityFactory

    activity = ActivityFactory(
        unit=graded.hw0.unit,
        slug="cup",
        title="Decoder Cup",
        kind=ActivityKind.COMPETITION,
        points=10,
        options={"competition": "decoder-cup"},
    )
    for username, points in mapped.items():
        CompetitionGrade.objects.create(
            activity=activity,
            user=getattr(graded.cast, username),
            points=points,
            computed_at=timezone.now(),
            rule="development:public top=1 floor=5/10 max=10",
        )
    return activity


def test_gradebook_shows_mapped_competition_points_in_page_and_csv(graded):  # type: ignore[no-untyped-def]
    _competition_column(graded, {"alice": 10, "charlie": 6.5})
    c = _client(graded, "teacher")
    page = c.get("/courses/qc101/gradebook/?sort=cup").content.decode()
    assert '<th class="num" data-activity="cup" data-competition="1">' in page
    # Sorted by the column like any other: lowest first, not mapped last.
    assert page.index('data-student="charlie"') < page.index('data-student="alice"') < page.index('data-student="bob"')
    alice = page[page.index('data-student="alice"') :].split("</tr>")[0]
    bob = page[page.index('data-student="bob"') :].split("</tr>")[0]
    assert 'data-competition="1">10</td>' in alice and "/30</td>" in alice  # hw0 10 + hw1 10 + cup 10
    assert 'data-competition="1"><span class="muted">·</span></td>' in bob  # not mapped yet
    rows = list(csv.reader(io.StringIO(c.get("/courses/qc101/gradebook.csv").content.decode("utf-8-sig"))))
    col = rows[0].index("cup")
    assert rows[0][col + 1 :] == ["total", "max", "percent"]
    assert {r[0]: r[col] for r in rows[1:]} == {"alice": "10", "bob": "", "charlie": "6.5"}
    assert {r[0]: r[-2] for r in rows[1:]} == {"alice": "30", "bob": "30", "charlie": "30"}
    only = list(csv.reader(io.StringIO(c.get("/courses/qc101/gradebook.csv?activity=cup").content.decode("utf-8-sig"))))
    assert only[0] == ["username", "name", "cup", "total", "max", "percent"]


def test_ta_reads_competition_points_but_cannot_apply_them(graded):  # type: ignore[no-untyped-def]
    _competition_column(graded, {"alice": 7})
    page = _client(graded, "ta").get("/courses/qc101/gradebook/").content.decode()
    assert 'data-competition="1">7</td>' in page
    assert "course-grades" not in page  # applying lives on the competition's grades page, teachers only


def test_drill_down_and_failure_groups_show_staff_messages_and_untrusted_cells(graded):  # type: ignore[no-untyped-def]
    """The trusted runner's per-cell message (hidden tests included) reaches staff pages only."""
    from grading.models import Submission

    sub = Submission.objects.get(pk=graded.bob_hw0.pk)
    cells = []
    for c in sub.cells:
        c = dict(c)
        if c["grade_id"] == "q2":
            c["staff_message"] = "AssertionError: hidden check: norm is 1.3"
            c["trusted"] = False
        cells.append(c)
    Submission.objects.filter(pk=sub.pk).update(cells=cells)
    staff = _client(graded, "ta")
    page = staff.get(f"/courses/qc101/gradebook/students/{graded.cast.bob.pk}/?attempt={sub.pk}").content.decode()
    assert "hidden check: norm is 1.3" in page and 'data-testid="untrusted"' in page
    dashboard = staff.get("/courses/qc101/dashboard/?activity=hw0").content.decode()
    assert "hidden check: norm is 1.3" in dashboard
    bob = _client(graded, "bob")
    progress = bob.get("/courses/qc101/progress/").content.decode()
    assert "hidden check" not in progress


def test_gradebook_header_names_a_non_default_counting(graded):  # type: ignore[no-untyped-def]
    from courses.models import Activity

    Activity.objects.filter(pk=graded.hw0.pk).update(counting="best")
    page = _client(graded, "teacher").get("/courses/qc101/gradebook/").content.decode()
    assert 'data-counting="best"' in page and "Best attempt" in page
    assert page.count("data-counting=") == 1  # hw1 counts the default way, unmarked
