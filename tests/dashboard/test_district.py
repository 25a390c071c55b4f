"""District dashboard, school dashboard and class gradebook: numbers, privacy, scope, query bounds.

A district with schools ``north`` and ``south``; each has class "Grade 11 Class 1" of three
students offered the district's course template (hw0 and hw1, 10 points each, released and
due in the past) in the autumn term. Hand-computed figures for north:

* nina: hw0 graded 8/10 (80 %), hw1 graded 10/10 on time and 0/10 late after it (the on-time
  one counts: 100 %);
* noah: hw0 in flight (handed in, no score);
* nora: nothing.

→ participation 2/3 (66.7 %), completion 3 handed in / 6 (50 %), average score (80 + 100) / 2 = 90 %.
South: sam hw0 5/10 (50 %), the others nothing → participation 33.3 %, completion 16.7 %, average 50 %.
District: enrolled 6, participation 3/6 = 50 %, completion 4/12 = 33.3 %, average (80+100+50)/3 = 76.7 %.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from courses.enums import ActivityKind, Role
from courses.models import Activity, ActivityVersion, Course, Enrollment, Unit
from orgs.enums import OrgKind, OrgRole
from orgs.models import Membership, Organisation, SchoolClass, Term
from orgs.services import offering_create
from tests.dashboard.builders import submission
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _user(**fields: Any) -> Any:
    return UserFactory(**fields)


@dataclass
class School:
    org: Organisation
    klass: SchoolClass
    students: list[Any]
    admin: Any
    teacher: Any  # teaches the offering of klass
    idle_teacher: Any  # a teacher of the school who does not teach klass
    offering: Any = None


@dataclass
class District:
    org: Organisation
    admin: Any
    course: Course
    hw0: Activity
    hw1: Activity
    schools: dict[str, School] = field(default_factory=dict)


def _activity(course: Course, unit: Unit, slug: str, order: int) -> Activity:
    now = timezone.now()
    a = Activity.objects.create(
        course=course,
        unit=unit,
        slug=slug,
        title=slug.upper(),
        kind=ActivityKind.ASSIGNMENT,
        order=order,
        points=10,
        release_at=now - timedelta(days=10),
        due_at=now - timedelta(days=3),
    )
    v = ActivityVersion.objects.create(activity=a, number=1, digest=f"{order:064d}", facts={"max_points": 10})
    a.current_version = v
    a.save(update_fields=["current_version"])
    return a


def _school(d: District, slug: str, names: list[str], term: Term) -> School:
    org = Organisation.objects.create(kind=OrgKind.SCHOOL, parent=d.org, name=f"{slug.title()} High", slug=slug)
    klass = SchoolClass.objects.create(school=org, name="Grade 11 Class 1", grade=11)
    students = []
    for n in names:
        u = _user(username=f"{slug}-{n}", display_name=n.title())
        Membership.objects.create(org=org, user=u, role=OrgRole.STUDENT, school_class=klass, student_number=f"{n}-42")
        students.append(u)
    admin = _user(username=f"{slug}-admin")
    Membership.objects.create(org=org, user=admin, role=OrgRole.ADMIN)
    teacher = _user(username=f"{slug}-teacher")
    Membership.objects.create(org=org, user=teacher, role=OrgRole.TEACHER)
    idle = _user(username=f"{slug}-idle")
    Membership.objects.create(org=org, user=idle, role=OrgRole.TEACHER)
    s = School(org, klass, students, admin, teacher, idle)
    s.offering = offering_create(course=d.course, school=org, term=term, classes=[klass], by=teacher)
    Enrollment.objects.create(course=d.course, user=teacher, role=Role.TEACHER, offering=s.offering)
    d.schools[slug] = s
    return s


def _district(extra_schools: int = 0) -> District:
    org = Organisation.objects.create(kind=OrgKind.DISTRICT, name="Haidian", slug="haidian")
    admin = _user(username="district-admin")
    Membership.objects.create(org=org, user=admin, role=OrgRole.ADMIN)
    course = Course.objects.create(slug="qc", title="Quantum computing")
    unit = Unit.objects.create(course=course, slug="u", title="Unit")
    d = District(org, admin, course, _activity(course, unit, "hw0", 0), _activity(course, unit, "hw1", 1))
    term = Term.objects.create(org=org, name="Autumn", starts_on=date.today() - timedelta(days=30))
    now = timezone.now()
    north = _school(d, "north", ["nina", "noah", "nora"], term)
    nina, noah, _nora = north.students
    submission(activity=d.hw0, user=nina, received_at=now - timedelta(days=5), auto_score=8, max_score=10)
    submission(activity=d.hw1, user=nina, received_at=now - timedelta(days=4), auto_score=10, max_score=10)
    submission(
        activity=d.hw1,
        user=nina,
        received_at=now - timedelta(days=1),
        auto_score=0,
        max_score=10,
        late_seconds=3600 * 48,
        penalty="0.1",
    )
    submission(activity=d.hw0, user=noah, received_at=now - timedelta(days=1), status="queued")
    south = _school(d, "south", ["sam", "sue", "sid"], term)
    submission(activity=d.hw0, user=south.students[0], received_at=now - timedelta(days=2), auto_score=5, max_score=10)
    for i in range(extra_schools):
        extra = _school(d, f"extra{i}", [f"e{i}a", f"e{i}b"], term)
        submission(
            activity=d.hw0, user=extra.students[0], received_at=now - timedelta(days=2), auto_score=7, max_score=10
        )
    return d


@pytest.fixture(autouse=True)
def _fresh_snapshots(settings):  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    cache.clear()
    settings.DASHBOARD_DISTRICT_SNAPSHOT_SECONDS = 0
    yield
    cache.clear()


@pytest.fixture
def district(db):  # type: ignore[no-untyped-def]
    return _district()


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _row(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start : html.index("</tr>", start)]


# ---------------------------------------------------------------------------------------
# numbers


def test_district_dashboard_aggregates_per_school_class_and_course(district: District) -> None:
    html = _client(district.admin).get("/orgs/haidian/dashboard/").content.decode()
    north = _row(html, 'data-school="north"')
    assert 'data-k="participation">67%' in north
    assert 'data-k="completion">50%' in north
    assert 'data-k="average">90%' in north
    south = _row(html, 'data-school="south"')
    assert 'data-k="participation">33%' in south and 'data-k="completion">17%' in south
    assert 'data-k="average">50%' in south
    assert '<div class="v" id="participation">50%</div>' in html
    assert '<div class="v" id="completion">33%</div>' in html
    assert '<div class="v" id="average">77%</div>' in html
    assert "Quantum computing" in html  # per course template
    assert 'data-plotly="fig-schools"' in html and 'id="fig-schools" type="application/json"' in html


def test_district_counts_lab_starts_and_grading_jobs_of_the_last_days(district: District) -> None:
    from sandbox.models import LabStart

    north = district.schools["north"]
    LabStart.objects.create(user=north.students[0], profile="default", state="ready")
    LabStart.objects.create(user=north.students[1], profile="default", state="ready")
    old = LabStart.objects.create(user=north.students[1], profile="default", state="ready")
    LabStart.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=9))
    html = _client(district.admin).get("/orgs/haidian/dashboard/").content.decode()
    row = _row(html, 'data-school="north"')
    assert 'data-k="lab">2<' in row
    assert 'data-k="jobs">4<' in row  # nina 3, noah 1, all within 7 days
    assert 'data-k="jobs">1<' in _row(html, 'data-school="south"')


def test_school_dashboard_per_class_and_offering(district: District) -> None:
    north = district.schools["north"]
    html = _client(north.admin).get("/orgs/north/dashboard/").content.decode()
    row = _row(html, f'data-class="{north.klass.pk}"')
    assert "Grade 11 Class 1" in row and 'data-k="average">90%' in row
    offering = _row(html, f'data-offering="{north.offering.pk}"')
    assert "Autumn" in offering and 'data-k="completion">50%' in offering
    assert "South" not in html and "sam" not in html


def test_class_gradebook_shows_the_gradebook_scores(district: District) -> None:
    north = district.schools["north"]
    html = _client(north.teacher).get(f"/orgs/north/classes/{north.klass.pk}/gradebook/").content.decode()
    nina = _row(html, ">Nina<")
    # hw0 8, hw1 the on-time 10 (the late 0 after it does not count): 18/20
    assert ">8<" in nina and ">10<" in nina and "18/20" in nina and "90%" in nina
    assert "…" in _row(html, ">Noah<")  # handed in, not graded yet
    assert "0/20" in _row(html, ">Nora<")


def test_class_gradebook_csv(district: District) -> None:
    north = district.schools["north"]
    text = _client(north.admin).get(f"/orgs/north/classes/{north.klass.pk}/gradebook.csv").content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "student,username,hw0,hw1,total,max,percent"
    assert "Nina,north-nina,8,10,18,20,90.0" in lines


def test_csv_exports_of_district_and_school(district: District) -> None:
    text = _client(district.admin).get("/orgs/haidian/dashboard.csv").content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("level,school,class,course,enrolled")
    assert "school,North High,,,3,2,66.7,50.0,90.0,2,0,4" in text
    assert "class,North High,Grade 11 Class 1,Quantum computing,3,2,66.7,50.0,90.0,2" in text
    school = _client(district.schools["south"].admin).get("/orgs/south/dashboard.csv").content.decode("utf-8-sig")
    assert "class,Grade 11 Class 1,Quantum computing,,3,1,33.3,16.7,50.0,1" in school


# ---------------------------------------------------------------------------------------
# privacy


def _personal(d: District) -> list[str]:
    out = []
    for s in d.schools.values():
        for u in s.students:
            out += [u.username, u.display_name]
    return [*out, "nina-42", "sam-42"]


def test_district_pages_and_csv_name_no_student(district: District) -> None:
    c = _client(district.admin)
    north = district.schools["north"]
    pages = {
        "district": c.get("/orgs/haidian/dashboard/").content.decode(),
        "district csv": c.get("/orgs/haidian/dashboard.csv").content.decode("utf-8-sig"),
        "school": c.get("/orgs/north/dashboard/").content.decode(),
        "school csv": c.get("/orgs/north/dashboard.csv").content.decode("utf-8-sig"),
        "gradebook": c.get(f"/orgs/north/classes/{north.klass.pk}/gradebook/").content.decode(),
        "gradebook csv": c.get(f"/orgs/north/classes/{north.klass.pk}/gradebook.csv").content.decode("utf-8-sig"),
    }
    for name, text in pages.items():
        assert "Quantum computing" in text or "hw0" in text, name  # the page has content
        for personal in _personal(district):
            assert personal not in text, (name, personal)
    assert "Student 1" in pages["gradebook"] and "18/20" in pages["gradebook"]  # numbered, scores kept
    assert "names-withheld" in pages["gradebook"]


def test_district_sees_names_when_the_district_allows(district: District) -> None:
    district.org.district_sees_names = True
    district.org.save()
    north = district.schools["north"]
    html = _client(district.admin).get(f"/orgs/north/classes/{north.klass.pk}/gradebook/").content.decode()
    assert ">Nina<" in html and "names-withheld" not in html


def test_school_admin_sees_own_school_names(district: District) -> None:
    north = district.schools["north"]
    html = _client(north.admin).get(f"/orgs/north/classes/{north.klass.pk}/gradebook/").content.decode()
    assert ">Nina<" in html and ">Noah<" in html and "Student 1" not in html


# ---------------------------------------------------------------------------------------
# scope


def test_district_dashboard_scope(district: District) -> None:
    north, south = district.schools["north"], district.schools["south"]
    admin = _user(username="root", is_superuser=True, is_staff=True)
    assert "North High" in _client(admin).get("/orgs/haidian/dashboard/").content.decode()
    assert "North High" in _client(district.admin).get("/orgs/haidian/dashboard/").content.decode()
    for user in (north.admin, north.teacher, north.students[0], _user(username="stranger")):
        response = _client(user).get("/orgs/haidian/dashboard/")
        assert response.status_code == 404, user
        assert b"North High" not in response.content
    # a member of the district without the admin role
    member = _user(username="district-teacher")
    Membership.objects.create(org=district.org, user=member, role=OrgRole.TEACHER)
    response = _client(member).get("/orgs/haidian/dashboard/")
    assert response.status_code == 403 and b"North High" not in response.content
    # another district's admin
    other = Organisation.objects.create(kind=OrgKind.DISTRICT, name="Chaoyang", slug="chaoyang")
    other_admin = _user(username="other-district-admin")
    Membership.objects.create(org=other, user=other_admin, role=OrgRole.ADMIN)
    assert _client(other_admin).get("/orgs/haidian/dashboard/").status_code == 404
    assert _client(south.admin).get("/orgs/haidian/dashboard.csv").status_code == 404
    assert _client(_user(username="anon-ish")).get("/orgs/nowhere/dashboard/").status_code == 404
    assert Client().get("/orgs/haidian/dashboard/").status_code == 302  # to the login page


def test_school_dashboard_scope(district: District) -> None:
    north, south = district.schools["north"], district.schools["south"]
    for user in (north.admin, district.admin):
        html = _client(user).get("/orgs/north/dashboard/").content.decode()
        assert "North High" in html and 'id="class-table"' in html
    for user in (south.admin, south.teacher):
        response = _client(user).get("/orgs/north/dashboard/")
        assert response.status_code == 404 and b"Grade 11" not in response.content
    for user in (north.teacher, north.students[0]):
        response = _client(user).get("/orgs/north/dashboard/")
        assert response.status_code == 403 and b'id="class-table"' not in response.content
    assert _client(north.teacher).get("/orgs/north/dashboard.csv").status_code == 403


def test_class_gradebook_scope(district: District) -> None:
    north, south = district.schools["north"], district.schools["south"]
    url = f"/orgs/north/classes/{north.klass.pk}/gradebook/"
    for user in (north.teacher, north.admin, district.admin):
        html = _client(user).get(url).content.decode()
        assert "18/20" in html, user
    for user in (north.idle_teacher, north.students[0]):
        response = _client(user).get(url)
        assert response.status_code == 403 and b"18/20" not in response.content
    for user in (south.teacher, south.admin):
        response = _client(user).get(url)
        assert response.status_code == 404 and b"18/20" not in response.content
    # the class must belong to the school in the address
    assert _client(south.admin).get(f"/orgs/south/classes/{north.klass.pk}/gradebook/").status_code == 404
    assert _client(north.teacher).get(f"/orgs/north/classes/{north.klass.pk}/gradebook.csv").status_code == 200
    assert _client(north.idle_teacher).get(f"/orgs/north/classes/{north.klass.pk}/gradebook.csv").status_code == 403


def test_refresh_takes_a_new_snapshot(district: District, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DASHBOARD_DISTRICT_SNAPSHOT_SECONDS = 300
    c = _client(district.admin)
    assert 'data-k="average">50%' in _row(c.get("/orgs/haidian/dashboard/").content.decode(), 'data-school="south"')
    sam = district.schools["south"].students[1]
    submission(activity=district.hw0, user=sam, received_at=timezone.now(), auto_score=10, max_score=10)
    html = c.get("/orgs/haidian/dashboard/").content.decode()
    assert 'data-k="average">50%' in _row(html, 'data-school="south"')  # the snapshot, as the page says
    assert 'id="snapshot"' in html
    assert c.post("/orgs/haidian/dashboard/refresh/").status_code == 302
    html = c.get("/orgs/haidian/dashboard/").content.decode()
    assert 'data-k="average">75%' in _row(html, 'data-school="south"')
    assert _client(district.schools["south"].admin).post("/orgs/haidian/dashboard/refresh/").status_code == 404


def test_school_dashboard_keeps_a_snapshot_and_refreshes(district: District, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DASHBOARD_DISTRICT_SNAPSHOT_SECONDS = 300
    south = district.schools["south"]
    c = _client(south.admin)
    row = f'data-class="{south.klass.pk}"'
    assert 'data-k="average">50%' in _row(c.get("/orgs/south/dashboard/").content.decode(), row)
    submission(activity=district.hw0, user=south.students[1], received_at=timezone.now(), auto_score=10, max_score=10)
    html = c.get("/orgs/south/dashboard/").content.decode()
    assert 'data-k="average">50%' in _row(html, row) and 'id="snapshot"' in html
    assert _client(south.teacher).post("/orgs/south/dashboard/refresh/").status_code == 403
    assert _client(district.schools["north"].admin).post("/orgs/south/dashboard/refresh/").status_code == 404
    assert c.post("/orgs/south/dashboard/refresh/").status_code == 302
    assert 'data-k="average">75%' in _row(c.get("/orgs/south/dashboard/").content.decode(), row)


def test_the_housekeeping_task_keeps_every_snapshot_warm(district: District, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The beat task takes every district's and school's snapshot again, so a viewer never waits for
    a rebuild: after it ran, the pages build nothing, and they show what it saw."""
    from dashboard import district as selectors
    from dashboard.tasks import snapshots_refresh

    settings.DASHBOARD_DISTRICT_SNAPSHOT_SECONDS = 300
    sam = district.schools["south"].students[1]
    submission(activity=district.hw0, user=sam, received_at=timezone.now(), auto_score=10, max_score=10)
    assert snapshots_refresh.apply().get() == 3  # the district and its two schools

    def no_rebuild(**_: Any) -> Any:
        raise AssertionError("a viewer waited for a rebuild")

    monkeypatch.setattr(selectors, "snapshot_build", no_rebuild)
    district_html = _client(district.admin).get("/orgs/haidian/dashboard/").content.decode()
    assert 'data-k="average">75%' in _row(district_html, 'data-school="south"')
    south = district.schools["south"]
    school_html = _client(south.admin).get("/orgs/south/dashboard/").content.decode()
    assert 'data-k="average">75%' in _row(school_html, f'data-class="{south.klass.pk}"')
    settings.DASHBOARD_DISTRICT_SNAPSHOT_SECONDS = 0
    assert snapshots_refresh.apply().get() == 0  # snapshots off: nothing to keep


def test_the_snapshot_task_runs_on_the_housekeeping_queue_only_where_the_cache_is_shared() -> None:
    import os

    from django.conf import settings as conf

    assert conf.CELERY_TASK_ROUTES["dashboard.*"] == {"queue": "celery"}
    scheduled = "dashboard-snapshots" in conf.CELERY_BEAT_SCHEDULE
    # the schedule is fixed when settings load, from the environment (this module's autouse fixture
    # turns snapshots off afterwards, for the other tests)
    lifetime = int(os.environ.get("DASHBOARD_DISTRICT_SNAPSHOT_SECONDS", "300"))
    assert scheduled == bool(conf.REDIS_URL and lifetime > 0)


# ---------------------------------------------------------------------------------------
# queries


@pytest.mark.parametrize(
    "url",
    ["/orgs/haidian/dashboard/", "/orgs/haidian/dashboard.csv", "/orgs/north/dashboard/"],
)
def test_query_count_does_not_grow_with_schools(url: str, django_assert_max_num_queries: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for extra in (0, 4):  # 2 schools, then 6
        d = _district(extra_schools=extra)
        c = _client(d.admin)
        c.get(url)  # session, first-use imports
        with CaptureQueriesContext(connection) as ctx:
            response = c.get(url)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
        with django_assert_max_num_queries(counts[0]):
            c.get(url)
        _teardown()
    assert counts[0] == counts[1], counts


def test_class_gradebook_query_count_does_not_grow_with_students(django_assert_max_num_queries: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    d = _district()
    north = d.schools["north"]
    url = f"/orgs/north/classes/{north.klass.pk}/gradebook/"
    c = _client(north.teacher)
    c.get(url)
    with CaptureQueriesContext(connection) as ctx:
        c.get(url)
    before = len(ctx.captured_queries)
    for i in range(5):
        u = _user(username=f"north-more{i}", display_name=f"More {i}")
        Membership.objects.create(org=north.org, user=u, role=OrgRole.STUDENT, school_class=north.klass)
        Enrollment.objects.create(course=d.course, user=u, role=Role.STUDENT, offering=north.offering)
        submission(activity=d.hw0, user=u, received_at=timezone.now(), auto_score=6, max_score=10)
    with django_assert_max_num_queries(before):
        html = c.get(url).content.decode()
    assert "More 4" in html


def _teardown() -> None:
    from grading.models import Submission

    Submission.objects.all().delete()
    Enrollment.objects.all().delete()
    from orgs.models import Offering

    Offering.objects.all().delete()
    Term.objects.all().delete()
    Membership.objects.all().delete()
    SchoolClass.objects.all().delete()
    Organisation.objects.filter(kind=OrgKind.SCHOOL).delete()
    Organisation.objects.all().delete()
    Activity.objects.all().delete()
    Course.objects.all().delete()


def test_district_dashboard_in_chinese(district: District, settings) -> None:  # type: ignore[no-untyped-def]
    c = _client(district.admin)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = c.get("/orgs/haidian/dashboard/").content.decode()
    assert "学区看板" in html and "参与率" in html and "仅显示汇总数据" in html
    north = district.schools["north"]
    html = c.get(f"/orgs/north/classes/{north.klass.pk}/gradebook/").content.decode()
    assert "学生 1" in html and "班级成绩册" in html


def test_counted_results_agree_with_the_gradebooks_reader(district: District) -> None:
    """The district's lean reader gives every (student, activity) the score course_grades gives it:
    manual grades, overrides, late penalties and the counted attempt included."""
    from decimal import Decimal

    from dashboard.district import counted_results
    from grading import analytics
    from grading.models import ManualGrade, Override

    north = district.schools["north"]
    nina, noah, nora = north.students
    now = timezone.now()
    manual = submission(
        activity=district.hw1,
        user=nora,
        received_at=now - timedelta(days=2),
        cells=[
            {"grade_id": "q1", "kind": "autograded_test", "max_points": 6, "score": 6.0},
            {"grade_id": "q2", "kind": "manual", "max_points": 4, "score": None},
        ],
        late_seconds=3600,
        penalty="0.25",
    )
    ManualGrade.objects.create(submission=manual, grade_id="q2", score=Decimal(1), graded_by=north.teacher)
    ManualGrade.objects.create(submission=manual, grade_id="q2", score=Decimal(3), graded_by=north.teacher)
    later = submission(
        activity=district.hw0, user=noah, received_at=now - timedelta(hours=1), auto_score=4, max_score=10
    )
    Override.objects.create(submission=later, score=Decimal("9.5"), reason="re-marked", created_by=north.teacher)
    ids = [district.hw0.pk, district.hw1.pk]
    ours = counted_results(activity_ids=ids)
    theirs = analytics.course_grades(activity_ids=ids).counted_by_key
    assert set(ours) == set(theirs)
    assert {k: (c.score, c.max_score, c.id) for k, c in ours.items()} == {
        k: (c.score, c.max_score, c.id) for k, c in theirs.items()
    }
    assert ours[(nora.pk, district.hw1.pk)].score == Decimal("6.75")  # (6 + 3) × 0.75
    assert ours[(noah.pk, district.hw0.pk)].score == Decimal("9.50")
    assert ours[(nina.pk, district.hw1.pk)].score == Decimal("10.00")  # the on-time attempt
    only = counted_results(activity_ids=ids, user_ids=[nora.pk])
    assert set(only) == {(nora.pk, district.hw1.pk)}


# ---------------------------------------------------------------------------------------
# the permission matrix: every district view × method × role (the orgs matrix's cast)

ALLOWED_PAGE = {"site_admin", "district_admin"}
MATRIX_ROLES = (
    "outsider",
    "student",
    "teacher",
    "other_teacher",
    "school_admin",
    "other_admin",
    "district_admin",
    "other_district_admin",
    "site_admin",
)


def _expected(view: str, role: str) -> int:
    if view.startswith("district"):
        return 302 if role in ALLOWED_PAGE and view == "district refresh" else 200 if role in ALLOWED_PAGE else 404
    admins = {"site_admin", "district_admin", "school_admin"}
    members = {"teacher", "student"}
    if view.startswith("gradebook"):
        return 200 if role in admins | {"teacher"} else 403 if role in members else 404
    if role in admins:
        return 302 if view == "school refresh" else 200
    return 403 if role in members else 404


def test_permission_matrix_of_the_district_views() -> None:
    from tests.orgs.test_org_permissions import build_world

    world = build_world()
    course = Course.objects.create(slug="matrix-course", title="Matrix course")
    offering = offering_create(course=course, school=world.school, term=world.term, classes=[world.klass], by=None)
    Enrollment.objects.create(course=course, user=world.users["teacher"], role=Role.TEACHER, offering=offering)
    k = world.klass.pk
    views = {
        "district page": ("get", "/orgs/harbour/dashboard/", 'id="school-table"'),
        "district csv": ("get", "/orgs/harbour/dashboard.csv", "level,school,class"),
        "district refresh": ("post", "/orgs/harbour/dashboard/refresh/", "never in a page"),
        "school page": ("get", "/orgs/harbour-a/dashboard/", 'id="class-table"'),
        "school csv": ("get", "/orgs/harbour-a/dashboard.csv", "level,class,course"),
        "school refresh": ("post", "/orgs/harbour-a/dashboard/refresh/", "never in a page"),
        "gradebook page": ("get", f"/orgs/harbour-a/classes/{k}/gradebook/", 'id="gradebook"'),
        "gradebook csv": ("get", f"/orgs/harbour-a/classes/{k}/gradebook.csv", "total,max,percent"),
    }
    seen = []
    for role in MATRIX_ROLES:
        client = _client(world.users[role])
        for view, (method, url, marker) in views.items():
            response = getattr(client, method)(url)
            body = response.content.decode("utf-8-sig")
            want = _expected(view, role)
            seen.append((view, role, response.status_code))
            assert response.status_code == want, (view, role, response.status_code)
            if want == 200:
                assert marker in body, (view, role)
            else:
                assert marker not in body, (view, role)  # nothing of the page (the header may name the viewer)
    anonymous = Client()
    for view, (method, url, _marker) in views.items():
        response = getattr(anonymous, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], view
    assert len(seen) == len(views) * len(MATRIX_ROLES)
