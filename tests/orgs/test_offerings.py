"""Offerings from the course's side (issue #16 item 2): a teacher offers a course template to
classes of their school in a term, adds a class, moves due dates for one offering; one rule for
the due time in force; a teacher of one school's offering sees only its students; new courses
belong to their teacher's school.

The world: district Harbour with schools A and B, one template course "qt" taught by a teacher of
each school (plus its author, enrolled without an offering), classes A1, A2 (school A) and B1.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from courses.enums import ActivityKind, Role
from courses.models import Activity, Course, Enrollment
from orgs.enums import OrgKind, OrgRole
from orgs.models import Membership, Offering, OfferingDue, Organisation, SchoolClass, Term
from tests.factories import ActivityFactory, CourseFactory, EnrollmentFactory, UnitFactory, UserFactory, add_version

pytestmark = pytest.mark.django_db


@dataclass
class World:
    course: Any  # Course (factory-made)
    hw: Any  # Activity
    school_a: Organisation
    school_b: Organisation
    a1: SchoolClass
    a2: SchoolClass
    b1: SchoolClass
    term_a: Term
    past_a: Term
    term_b: Term
    users: dict[str, Any]


def build_world() -> World:
    today = timezone.localdate()
    district = Organisation.objects.create(kind=OrgKind.DISTRICT, name="Harbour District", slug="harbour")
    school_a = Organisation.objects.create(name="School A", name_zh="甲校", slug="school-a", parent=district, username_prefix="sa")
    school_b = Organisation.objects.create(name="School B", slug="school-b", parent=district, username_prefix="sb")
    a1 = SchoolClass.objects.create(school=school_a, name="Grade 11 Class 1", grade=11)
    a2 = SchoolClass.objects.create(school=school_a, name="Grade 11 Class 2", grade=11)
    b1 = SchoolClass.objects.create(school=school_b, name="Class B-1", grade=11)
    term_a = Term.objects.create(
        org=school_a, name="Autumn now", starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=60)
    )
    past_a = Term.objects.create(
        org=school_a, name="Spring past", starts_on=today - timedelta(days=300), ends_on=today - timedelta(days=1)
    )
    term_b = Term.objects.create(org=school_b, name="B autumn", starts_on=today - timedelta(days=30), ends_on=None)
    course: Any = CourseFactory(slug="qt", title="Quantum template", owner=district)
    unit = UnitFactory(course=course, slug="u1", title="Unit one")
    hw: Any = ActivityFactory(
        unit=unit, slug="hw", title="Homework", kind=ActivityKind.ASSIGNMENT, points=10,
        due_at=timezone.now() + timedelta(days=3),
    )
    add_version(hw)
    users: dict[str, Any] = {}
    for name, display in (
        ("author", "Template Author"), ("tea_a", "Teacher Ay"), ("tea_b", "Teacher Bee"),
        ("admin_a", "Admin Ay"), ("sa1", "Student Ay-one"), ("sa2", "Student Ay-two"), ("sb1", "Student Bee-one"),
        ("nobody", "No School Teacher"), ("outsider", "Out Sider"),
    ):
        users[name] = UserFactory(username=name, display_name=display)
    Membership.objects.create(org=school_a, user=users["tea_a"], role=OrgRole.TEACHER)
    Membership.objects.create(org=school_b, user=users["tea_b"], role=OrgRole.TEACHER)
    Membership.objects.create(org=school_a, user=users["admin_a"], role=OrgRole.ADMIN)
    Membership.objects.create(org=school_a, user=users["sa1"], role=OrgRole.STUDENT, school_class=a1, student_number="1")
    Membership.objects.create(org=school_a, user=users["sa2"], role=OrgRole.STUDENT, school_class=a2, student_number="2")
    Membership.objects.create(org=school_b, user=users["sb1"], role=OrgRole.STUDENT, school_class=b1, student_number="1")
    for name in ("author", "tea_a", "tea_b", "nobody"):
        EnrollmentFactory(course=course, user=users[name], role=Role.TEACHER)
    return World(course, hw, school_a, school_b, a1, a2, b1, term_a, past_a, term_b, users)


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    return build_world()


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _offer(world: World, teacher: str, school: Organisation, term: Term, classes: list[SchoolClass]) -> Offering:
    from orgs.services import offering_create, offering_teacher_enrol

    offering = offering_create(course=world.course, school=school, term=term, classes=classes, by=world.users[teacher])
    offering_teacher_enrol(offering=offering, teacher=world.users[teacher])
    return offering


URL = "/courses/qt/manage/offerings/"


# ---------------------------------------------------------------------------------------
# the page


def test_offering_page_offers_the_template_to_two_classes_and_enrols_their_students(world: World) -> None:
    c = _client(world.users["tea_a"])
    page = c.get(URL).content.decode()
    assert "Offer it at School A" in page and "School B" not in page  # only the teacher's own school
    assert "Grade 11 Class 1" in page and "Class B-1" not in page
    prefix = f"school-{world.school_a.pk}"
    response = c.post(
        URL,
        {"school": world.school_a.pk, f"{prefix}-term": world.term_a.pk, f"{prefix}-classes": [world.a1.pk, world.a2.pk]},
        follow=True,
    )
    page = response.content.decode()
    offering = Offering.objects.get(course=world.course)
    assert offering.school == world.school_a and offering.term == world.term_a and offering.created_by == world.users["tea_a"]
    assert set(offering.classes.all()) == {world.a1, world.a2}
    students = dict(Enrollment.objects.filter(course=world.course, role=Role.STUDENT).values_list("user__username", "offering_id"))
    assert students == {"sa1": offering.pk, "sa2": offering.pk}  # school B's student is not touched
    teacher = Enrollment.objects.get(course=world.course, user=world.users["tea_a"])
    assert teacher.role == Role.TEACHER and teacher.offering_id == offering.pk
    assert "The course is offered to Grade 11 Class 1, Grade 11 Class 2 in Autumn now." in page
    row = page[page.index(f'data-offering="{offering.pk}"'):]
    assert "Autumn now" in row and "School A" in row and "(1 student)" in row
    assert '<td data-testid="students">2</td>' in row


def test_offering_page_refuses_foreign_schools_terms_and_classes(world: World) -> None:
    c = _client(world.users["tea_a"])
    prefix_b = f"school-{world.school_b.pk}"
    assert c.post(URL, {"school": world.school_b.pk, f"{prefix_b}-term": world.term_b.pk, f"{prefix_b}-classes": [world.b1.pk]}).status_code == 404
    prefix = f"school-{world.school_a.pk}"
    page = c.post(URL, {"school": world.school_a.pk, f"{prefix}-term": world.term_b.pk, f"{prefix}-classes": [world.b1.pk]}).content.decode()
    assert "Select a valid choice" in page
    assert not Offering.objects.exists()
    assert not Enrollment.objects.filter(role=Role.STUDENT).exists()


def test_offering_page_roles(world: World) -> None:
    student = world.users["sa1"]
    EnrollmentFactory(course=world.course, user=student, role=Role.STUDENT)
    assert _client(world.users["outsider"]).get(URL).status_code == 404
    forbidden = _client(student).get(URL)
    assert forbidden.status_code == 403 and b"Offer it at" not in forbidden.content
    page = _client(world.users["nobody"]).get(URL).content.decode()  # teaches the course, at no school
    assert "You teach at no school" in page and "Offer it at" not in page
    admin_page = _client(world.users["admin_a"]).get(URL)  # a school admin who does not teach the course
    assert admin_page.status_code == 404


def test_a_class_is_added_to_an_offering_and_its_students_enrolled(world: World) -> None:
    offering = _offer(world, "tea_a", world.school_a, world.term_a, [world.a1])
    c = _client(world.users["tea_a"])
    response = c.post(f"{URL}{offering.pk}/classes/", {"school_class": world.a2.pk}, follow=True)
    assert "Grade 11 Class 2 added: 1 students enrolled." in response.content.decode()
    assert set(offering.classes.all()) == {world.a1, world.a2}
    assert Enrollment.objects.get(course=world.course, user=world.users["sa2"]).offering_id == offering.pk
    # another school's class is not a choice
    response = c.post(f"{URL}{offering.pk}/classes/", {"school_class": world.b1.pk}, follow=True)
    assert "Pick a class of the offering&#x27;s school." in response.content.decode()
    assert not Enrollment.objects.filter(user=world.users["sb1"]).exists()


def test_another_schools_offering_does_not_exist_for_a_teacher(world: World) -> None:
    offering_b = _offer(world, "tea_b", world.school_b, world.term_b, [world.b1])
    c = _client(world.users["tea_a"])
    assert c.get(f"{URL}{offering_b.pk}/dues/").status_code == 404
    assert c.post(f"{URL}{offering_b.pk}/classes/", {"school_class": world.a1.pk}).status_code == 404
    assert "School B" not in c.get(URL).content.decode()
    assert list(offering_b.classes.all()) == [world.b1]


def test_due_dates_are_moved_for_one_offering_only(world: World) -> None:
    offering_a = _offer(world, "tea_a", world.school_a, world.term_a, [world.a1])
    _offer(world, "tea_b", world.school_b, world.term_b, [world.b1])
    c = _client(world.users["tea_a"])
    page = c.get(f"{URL}{offering_a.pk}/dues/").content.decode()
    assert "Due dates for School A, Autumn now" in page and "Homework" in page
    local = timezone.localtime(world.hw.due_at + timedelta(days=2)).replace(second=0, microsecond=0)
    response = c.post(f"{URL}{offering_a.pk}/dues/", {f"a{world.hw.pk}-due_at": local.strftime("%Y-%m-%dT%H:%M")}, follow=True)
    assert "Due dates saved for this offering." in response.content.decode()
    assert OfferingDue.objects.get().due_at == local and OfferingDue.objects.get().offering == offering_a
    from courses.selectors import due_in_force

    assert due_in_force(activity=world.hw, user_id=world.users["sa1"].pk) == local
    assert due_in_force(activity=world.hw, user_id=world.users["sb1"].pk) == world.hw.due_at
    assert local.strftime("%Y-%m-%dT%H:%M") in c.get(f"{URL}{offering_a.pk}/dues/").content.decode()
    c.post(f"{URL}{offering_a.pk}/dues/", {f"a{world.hw.pk}-due_at": ""})  # empty: back to the template's
    assert not OfferingDue.objects.exists()


# ---------------------------------------------------------------------------------------
# one rule for the due time in force


def _dues_everywhere(world: World, user: Any) -> dict[str, object]:
    """The due time in force for one student and the homework, by every reader of it."""
    from assessments.models import Attempt
    from assessments.selectors import own_attempt_by_path
    from courses.selectors import due_in_force
    from dashboard.selectors import due_in_force as dashboard_due
    from grading.analytics import course_grades
    from grading.services import due_for

    attempt = Attempt.objects.filter(activity=world.hw, user=user).first() or Attempt.objects.create(
        activity=world.hw, version=world.hw.current_version, user=user, number=1, started_at=timezone.now()
    )
    grades = course_grades(activity_ids=[world.hw.pk])
    return {
        "selector": due_in_force(activity=world.hw, user_id=user.pk),
        "grading.due_for": due_for(activity=world.hw, user=user),
        "dashboard": dashboard_due(grades, world.hw, user.pk),
        "attempt annotation": Attempt.objects.with_deadline_inputs().get(pk=attempt.pk).__dict__["deadline_due"],
        "autosave lookup": own_attempt_by_path(user=user, course_slug="qt", activity_slug="hw", number=1).__dict__["deadline_due"],
    }


def test_every_reader_of_the_due_time_agrees_in_every_case(world: World) -> None:
    from grading.models import Extension

    offering = _offer(world, "tea_a", world.school_a, world.term_a, [world.a1])
    sa1 = world.users["sa1"]
    template_due = world.hw.due_at
    dues = _dues_everywhere(world, sa1)
    assert set(dues.values()) == {template_due}, dues  # no override
    override = template_due + timedelta(days=1)
    OfferingDue.objects.create(offering=offering, activity=world.hw, due_at=override)
    dues = _dues_everywhere(world, sa1)
    assert set(dues.values()) == {override}, dues  # the offering's
    extension = template_due + timedelta(hours=5)  # earlier than the override: still wins
    Extension.objects.create(activity=world.hw, user=sa1, due_at=extension, granted_by=world.users["tea_a"])
    dues = _dues_everywhere(world, sa1)
    assert set(dues.values()) == {extension}, dues  # the extension beats the offering's
    # another school's student of the same template keeps the template's due time
    _offer(world, "tea_b", world.school_b, world.term_b, [world.b1])
    assert set(_dues_everywhere(world, world.users["sb1"]).values()) == {template_due}


def test_the_gradebook_counts_missing_work_by_the_offerings_due_time(world: World) -> None:
    from courses.selectors import course_access
    from dashboard.selectors import gradebook

    offering = _offer(world, "tea_a", world.school_a, world.term_a, [world.a1, world.a2])
    Activity.objects.filter(pk=world.hw.pk).update(due_at=timezone.now() - timedelta(days=1))
    OfferingDue.objects.create(offering=offering, activity=world.hw, due_at=timezone.now() + timedelta(days=2))
    _offer(world, "tea_b", world.school_b, world.term_b, [world.b1])
    book = gradebook(access=course_access(user=world.users["author"], slug="qt"))
    missing = {r.student.username: r.missing for r in book.rows}
    assert missing == {"sa1": 0, "sa2": 0, "sb1": 1}


# ---------------------------------------------------------------------------------------
# a teacher of one school's offering sees its students only


def test_a_teacher_sees_only_their_offerings_students_in_gradebook_dashboard_and_csv(world: World) -> None:
    _offer(world, "tea_a", world.school_a, world.term_a, [world.a1, world.a2])
    _offer(world, "tea_b", world.school_b, world.term_b, [world.b1])
    a = _client(world.users["tea_a"])
    book = a.get("/courses/qt/gradebook/").content.decode()
    assert "Student Ay-one" in book and "Student Ay-two" in book and "Student Bee-one" not in book
    dashboard = a.get("/courses/qt/dashboard/").content.decode()
    assert '<div class="v" id="n-students">2</div>' in dashboard and "Student Bee-one" not in dashboard
    from courses.selectors import course_access
    from dashboard.selectors import course_dashboard

    built = course_dashboard(access=course_access(user=world.users["tea_a"], slug="qt"))
    assert sorted(s.username for s in built.students) == ["sa1", "sa2"]
    assert built.stats[0].students == 2
    rows = list(csv.reader(io.StringIO(a.get("/courses/qt/gradebook.csv").content.decode("utf-8-sig"))))
    assert sorted(r[0] for r in rows[1:]) == ["sa1", "sa2"]
    sb1 = world.users["sb1"]
    assert a.get(f"/courses/qt/gradebook/students/{sb1.pk}/").status_code == 404
    b_rows = list(csv.reader(io.StringIO(_client(world.users["tea_b"]).get("/courses/qt/gradebook.csv").content.decode("utf-8-sig"))))
    assert [r[0] for r in b_rows[1:]] == ["sb1"]
    # the template's author (no offering) and a school admin see more
    author_rows = list(csv.reader(io.StringIO(_client(world.users["author"]).get("/courses/qt/gradebook.csv").content.decode("utf-8-sig"))))
    assert sorted(r[0] for r in author_rows[1:]) == ["sa1", "sa2", "sb1"]


def test_a_school_admin_teaching_an_offering_sees_every_student() -> None:
    from courses.selectors import course_access, students_in_scope

    world = build_world()
    EnrollmentFactory(course=world.course, user=world.users["admin_a"], role=Role.TEACHER)
    offering = _offer(world, "admin_a", world.school_a, world.term_a, [world.a1])
    _offer(world, "tea_b", world.school_b, world.term_b, [world.b1])
    assert Enrollment.objects.get(user=world.users["admin_a"], course=world.course).offering == offering
    seen = {e.user.username for e in students_in_scope(access=course_access(user=world.users["admin_a"], slug="qt"))}
    assert seen == {"sa1", "sb1"}
    seen_b = {e.user.username for e in students_in_scope(access=course_access(user=world.users["tea_b"], slug="qt"))}
    assert seen_b == {"sb1"}


# ---------------------------------------------------------------------------------------
# new courses belong to their teacher's school


def test_a_new_course_belongs_to_its_teachers_school_or_to_nobody(world: World) -> None:
    from courses.services import course_create

    mine = course_create(slug="new-a", title="New A", teacher=world.users["tea_a"])
    assert mine.owner == world.school_a
    orphan = course_create(slug="new-x", title="New X", teacher=world.users["nobody"])
    assert orphan.owner is None
    assert Enrollment.objects.get(course=mine).role == Role.TEACHER


def test_the_offering_page_and_the_read_only_message_in_chinese(world: World) -> None:
    from django.utils import translation

    from courses.selectors import read_only_message

    c = _client(world.users["tea_a"])
    c.cookies["django_language"] = "zh-hans"
    page = c.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "在甲校开课" in page and "本课程尚未在你的学校开课。" in page
    with translation.override("zh-hans"):
        assert read_only_message() == "本课程的学期已结束，课程为只读。你的作业和成绩仍可查看。"


# ---------------------------------------------------------------------------------------
# the offering views × every role (a teacher and an admin of another school included)

ANON, OK, F, N = "login", 200, 403, 404


def test_offering_views_permission_matrix(world: World) -> None:
    from courses.models import Enrollment as E

    offering_a = _offer(world, "tea_a", world.school_a, world.term_a, [world.a1])
    offering_b = _offer(world, "tea_b", world.school_b, world.term_b, [world.b1])
    ta: Any = UserFactory(username="ta_a", display_name="TA Ay")
    Membership.objects.create(org=world.school_a, user=ta, role=OrgRole.TA)
    E.objects.create(course=world.course, user=ta, role=Role.TA, offering=offering_a)
    admin_b: Any = UserFactory(username="admin_b")
    Membership.objects.create(org=world.school_b, user=admin_b, role=OrgRole.ADMIN)
    site: Any = UserFactory(username="root", is_superuser=True, is_staff=True)
    who = {
        "anonymous": None, "outsider": world.users["outsider"], "student": world.users["sa1"], "ta": ta,
        "no_school_teacher": world.users["nobody"], "teacher_a": world.users["tea_a"], "teacher_b": world.users["tea_b"],
        "admin_a (not in the course)": world.users["admin_a"], "admin_b (not in the course)": admin_b, "site_admin": site,
    }
    a_dues, b_dues = f"{URL}{offering_a.pk}/dues/", f"{URL}{offering_b.pk}/dues/"
    expected = {
        URL: dict(anonymous=ANON, outsider=N, student=F, ta=F, no_school_teacher=OK, teacher_a=OK, teacher_b=OK, site_admin=OK),
        a_dues: dict(anonymous=ANON, outsider=N, student=F, ta=F, no_school_teacher=N, teacher_a=OK, teacher_b=N, site_admin=OK),
        b_dues: dict(anonymous=ANON, outsider=N, student=F, ta=F, no_school_teacher=N, teacher_a=N, teacher_b=OK, site_admin=OK),
    }
    for url, row in expected.items():
        row["admin_a (not in the course)"] = N  # a school admin outside the course: no course
        row["admin_b (not in the course)"] = N
        for name, user in who.items():
            c = Client()
            if user is not None:
                c.force_login(user)
            response = c.get(url)
            want = row[name]
            if want == ANON:
                assert response.status_code == 302 and "/accounts/login/" in response["Location"], (url, name)
            else:
                assert response.status_code == want, (url, name, response.status_code)
                if want == OK:
                    assert ("Offerings" if url == URL else "Due dates for") in response.content.decode(), (url, name)
    # writes: another school's teacher cannot add a class to, or move a due date of, offering A
    b = _client(world.users["tea_b"])
    assert b.post(f"{URL}{offering_a.pk}/classes/", {"school_class": world.a2.pk}).status_code == 404
    assert b.post(a_dues, {f"a{world.hw.pk}-due_at": "2030-01-01T10:00"}).status_code == 404
    assert _client(world.users["sa1"]).post(a_dues, {f"a{world.hw.pk}-due_at": "2030-01-01T10:00"}).status_code == 403
    assert not OfferingDue.objects.exists() and list(offering_a.classes.all()) == [world.a1]


def test_an_imported_course_belongs_to_its_teachers_school(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    from pathlib import Path

    from courses.importer import import_course

    demo = Path(__file__).resolve().parents[2] / "content" / "demo"
    shutil.copytree(demo, tmp_path / "course")
    report = import_course(tmp_path / "course", teacher=world.users["tea_b"])
    assert report.created and report.course.owner == world.school_b
    Course.objects.filter(pk=report.course.pk).update(owner=None)
    again = import_course(tmp_path / "course", teacher=world.users["tea_b"])  # an update leaves the owner alone
    assert not again.created and Course.objects.get(pk=report.course.pk).owner is None


def test_a_student_who_joined_by_code_is_seen_by_every_teacher_of_the_course(world: World) -> None:
    from courses.selectors import course_access, students_in_scope
    from courses.services import course_join

    _offer(world, "tea_a", world.school_a, world.term_a, [world.a1])
    _offer(world, "tea_b", world.school_b, world.term_b, [world.b1])
    course_join(user=world.users["outsider"], code=world.course.join_code)
    seen_a = {e.user.username for e in students_in_scope(access=course_access(user=world.users["tea_a"], slug="qt"))}
    seen_b = {e.user.username for e in students_in_scope(access=course_access(user=world.users["tea_b"], slug="qt"))}
    assert seen_a == {"sa1", "outsider"} and seen_b == {"sb1", "outsider"}


def test_a_site_admin_picks_the_school_then_offers(world: World) -> None:
    site: Any = UserFactory(username="root", is_superuser=True, is_staff=True)
    c = _client(site)
    page = c.get(URL).content.decode()
    assert 'data-testid="pick-school"' in page and "Offer it at School A" not in page  # no form per school
    assert "School A" in page and "School B" in page
    page = c.get(URL, {"school": world.school_b.pk}).content.decode()
    assert "Offer it at School B" in page and "Offer it at School A" not in page
    prefix = f"school-{world.school_b.pk}"
    c.post(URL, {"school": world.school_b.pk, f"{prefix}-term": world.term_b.pk, f"{prefix}-classes": [world.b1.pk]})
    offering = Offering.objects.get()
    assert offering.school == world.school_b and list(offering.classes.all()) == [world.b1]
    assert Enrollment.objects.get(user=world.users["sb1"]).offering == offering


def test_a_teachers_roster_and_sections_hold_only_their_offerings_students(world: World) -> None:
    """The Manage page's roster and the sections page list only the students in scope, and a
    teacher of one school cannot remove or re-role another school's student by id."""
    from courses.models import Enrollment

    _offer(world, "tea_a", world.school_a, world.term_a, [world.a1, world.a2])
    _offer(world, "tea_b", world.school_b, world.term_b, [world.b1])
    a = _client(world.users["tea_a"])
    manage = a.get("/courses/qt/manage/").content.decode()
    assert "Student Ay-one" in manage and "Student Bee-one" not in manage
    assert "Teacher Bee" in manage  # colleagues teaching the template stay listed
    sections = a.get("/grading/qt/sections/").content.decode()
    assert "Student Ay-two" in sections and "Student Bee-one" not in sections
    theirs = Enrollment.objects.get(course=world.course, user=world.users["sb1"])
    for data in ({"action": "remove"}, {"role": "ta"}):
        assert a.post(f"/courses/qt/manage/roster/{theirs.pk}/", data).status_code == 404
    theirs.refresh_from_db()
    assert theirs.role == Role.STUDENT
    # their own teacher still can
    b = _client(world.users["tea_b"])
    assert b.post(f"/courses/qt/manage/roster/{theirs.pk}/", {"role": "ta"}).status_code == 302
    theirs.refresh_from_db()
    assert theirs.role == Role.TA
