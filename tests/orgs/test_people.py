"""People in bulk (orgs.roster) and whole-class actions (orgs.services): import, re-import, move, graduate."""

from __future__ import annotations

import io
from datetime import date
from typing import cast

import pytest
from django.test import Client

from accounts.models import User
from courses.models import Course, Enrollment
from orgs import roster, services
from orgs.enums import OrgRole
from orgs.models import Membership, Organisation, SchoolClass
from tests.factories import CourseFactory
from tests.orgs.test_org_permissions import OrgWorld, build_world

pytestmark = pytest.mark.django_db

CSV = (
    "student_number,name,class,role,email\n"
    "2026001,Li Mei,Grade 10 Class 1,student,mei@school.example\n"
    "2026002,Zhang Wei,Grade 10 Class 1,,\n"
    "2026003,Wang Fang,Grade 10 Class 3,student,\n"
    "T100,Chen Laoshi,,teacher,chen@school.example\n"
)


@pytest.fixture
def w(db) -> OrgWorld:  # type: ignore[no-untyped-def]
    return build_world()


def _import(w: OrgWorld, text: str | bytes, *, name: str = "people.csv", create_classes: bool = True) -> roster.RosterResult:
    data = text.encode() if isinstance(text, str) else text
    rows, problems = roster.roster_read(name=name, data=data)
    assert problems == []
    return roster.roster_apply(school=w.school, rows=rows, create_classes=create_classes)


def _problems(w: OrgWorld, text: str, *, create_classes: bool = True) -> list[str]:
    rows, problems = roster.roster_read(name="p.csv", data=text.encode())
    if problems:
        return problems
    return roster.roster_plan(school=w.school, rows=rows, create_classes=create_classes).problems


def test_import_creates_people_in_their_classes_with_prefixed_usernames(w) -> None:  # type: ignore[no-untyped-def]
    result = _import(w, CSV)
    assert sorted(u.username for u in result.created) == ["hba-2026001", "hba-2026002", "hba-2026003", "hba-t100"]
    assert result.classes_created == ["Grade 10 Class 3"]
    mei = Membership.objects.get(org=w.school, student_number="2026001")
    assert mei.user.username == "hba-2026001" and mei.user.display_name == "Li Mei" and mei.user.email == "mei@school.example"
    assert mei.role == OrgRole.STUDENT and mei.school_class == w.klass
    assert Membership.objects.get(org=w.school, student_number="2026003").school_class == SchoolClass.objects.get(name="Grade 10 Class 3")
    teacher = Membership.objects.get(org=w.school, student_number="T100")
    assert teacher.role == OrgRole.TEACHER and teacher.school_class is None
    # new accounts cannot log in until they get a slip or an invitation
    assert not mei.user.has_usable_password()


def test_slips_give_one_time_passwords_that_log_in_and_must_be_changed(w) -> None:  # type: ignore[no-untyped-def]
    result = _import(w, CSV)
    slips, invited = roster.roster_onboard(users=result.created, how="slips")
    assert invited == 0 and len(slips) == 4
    user, password = slips[0]
    user.refresh_from_db()
    assert user.check_password(password) and user.must_change_password


def test_invitations_go_to_those_with_email_and_slips_to_the_rest(w, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    result = _import(w, CSV)
    slips, invited = roster.roster_onboard(users=result.created, how="invite")
    assert invited == 2
    assert sorted(u.username for u, _p in slips) == ["hba-2026002", "hba-2026003"]
    assert sorted(m.to[0] for m in mailoutbox) == ["chen@school.example", "mei@school.example"]


def test_every_bad_row_is_reported_with_its_row_number_and_nothing_is_imported(w) -> None:  # type: ignore[no-untyped-def]
    text = (
        "student_number,name,class,role,email\n"
        "2026001,Li Mei,Grade 10 Class 1,student,\n"  # row 2: fine
        ",No Number,Grade 10 Class 1,student,\n"  # row 3
        "2026004,,Grade 10 Class 1,student,\n"  # row 4
        "2026005,Bad Role,Grade 10 Class 1,principal,\n"  # row 5
        "2026006,Bad Mail,Grade 10 Class 1,student,not-an-address\n"  # row 6
        "2026001,Twice,Grade 10 Class 1,student,\n"  # row 7: number of row 2 again
        "2026008,No Class,,student,\n"  # row 8
        "20 26/9,Bad Number,Grade 10 Class 1,student,\n"  # row 9
    )
    rows, problems = roster.roster_read(name="p.csv", data=text.encode())
    assert problems == []
    with pytest.raises(roster.RosterRefused) as refused:
        roster.roster_apply(school=w.school, rows=rows, create_classes=True)
    got = refused.value.problems
    assert [p.split(":")[0] for p in got] == [f"Row {n}" for n in (3, 4, 5, 6, 7, 8, 9)]
    assert "principal" in got[2] and "not-an-address" in got[3] and "row 2" in got[4]
    assert not User.objects.filter(username__startswith="hba-2026").exists()
    assert not Membership.objects.filter(org=w.school, student_number="2026001").exists()


def test_the_report_is_translated(w) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation

    with translation.override("zh-hans"):
        problems = _problems(w, "student_number,name,class\n2026001,,Grade 10 Class 1\n")
    assert problems and problems[0].startswith("第 2 行")


def test_reimporting_the_same_file_changes_nothing(w) -> None:  # type: ignore[no-untyped-def]
    _import(w, CSV)
    users, members, classes = User.objects.count(), Membership.objects.count(), SchoolClass.objects.count()
    again = _import(w, CSV)
    assert again.created == [] and again.updated == 0 and again.unchanged == 4 and again.classes_created == []
    assert (User.objects.count(), Membership.objects.count(), SchoolClass.objects.count()) == (users, members, classes)


def test_reimport_updates_names_and_moves_students_into_the_new_class_offerings(w) -> None:  # type: ignore[no-untyped-def]
    course = cast(Course, CourseFactory(slug="qc", title="QC"))
    first = services.offering_create(course=course, school=w.school, term=w.term, classes=[w.klass], by=None)
    second = services.offering_create(course=course, school=w.school, term=w.term, classes=[w.other_klass], by=None)
    _import(w, CSV)
    mei = User.objects.get(username="hba-2026001")
    assert Enrollment.objects.get(user=mei, course=course).offering == first
    changed = CSV.replace("2026001,Li Mei,Grade 10 Class 1", "2026001,Li Meimei,Grade 10 Class 2")
    rows, _ = roster.roster_read(name="p.csv", data=changed.encode())
    plan = roster.roster_plan(school=w.school, rows=rows, create_classes=True)
    assert [(i.username, i.changes) for i in plan.changed] == [("hba-2026001", ["name", "class"])]
    result = roster.roster_apply(school=w.school, rows=rows, create_classes=True)
    assert result.updated == 1 and result.created == []
    mei.refresh_from_db()
    assert mei.display_name == "Li Meimei"
    assert Membership.objects.get(user=mei).school_class == w.other_klass
    assert Enrollment.objects.filter(user=mei, course=course).count() == 1
    assert Enrollment.objects.get(user=mei, course=course).offering == second


def test_unknown_classes_are_refused_when_the_admin_does_not_allow_creating_them(w) -> None:  # type: ignore[no-untyped-def]
    problems = _problems(w, CSV, create_classes=False)
    assert len(problems) == 1 and problems[0].startswith("Row 4:") and "Grade 10 Class 3" in problems[0]
    assert not SchoolClass.objects.filter(name="Grade 10 Class 3").exists()


def test_classes_are_matched_by_their_chinese_name_and_case(w) -> None:  # type: ignore[no-untyped-def]
    w.klass.name_zh = "高一(1)班"
    w.klass.save()
    result = _import(w, "学号,姓名,班级,角色\n2026001,李梅,高一(1)班,学生\n2026002,张伟,grade 10 class 2,学生\n")
    assert result.classes_created == []
    assert Membership.objects.get(student_number="2026001").school_class == w.klass
    assert Membership.objects.get(student_number="2026002").school_class == w.other_klass


def test_gbk_csv_from_excel_and_semicolons(w) -> None:  # type: ignore[no-untyped-def]
    text = "学号;姓名;班级\n2026001;李梅;Grade 10 Class 1\n"
    result = _import(w, text.encode("gb18030"))
    assert result.created[0].display_name == "李梅"


def test_xlsx_import_reads_numbers_as_typed(w) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Student number", "Name", "Class", "Role", "Email"])
    sheet.append([2026001, "Li Mei", "Grade 10 Class 1", "student", None])
    sheet.append([None, None, None, None, None])  # formatted but empty
    sheet.append([2026002.0, "Zhang Wei", "Grade 10 Class 2", None, None])
    out = io.BytesIO()
    book.save(out)
    result = _import(w, out.getvalue(), name="class.xlsx")
    assert sorted(u.username for u in result.created) == ["hba-2026001", "hba-2026002"]


def test_a_file_never_changes_an_admin_an_archived_member_or_a_graduated_class(w) -> None:  # type: ignore[no-untyped-def]
    Membership.objects.filter(user=w.users["school_admin"]).update(student_number="A1")
    w.student_membership.archived = True
    w.student_membership.save()
    services.class_graduate(school_class=w.other_klass, on=date(2026, 7, 1))
    problems = _problems(
        w,
        "student_number,name,class,role\nA1,Admin,,teacher\ns1,Stu,Grade 10 Class 1,student\n"
        "2026009,New,Grade 10 Class 2,student\n",
    )
    assert [p.split(":")[0] for p in problems] == ["Row 2", "Row 3", "Row 4"]
    assert "administrator" in problems[0] and "archived member" in problems[1] and "archived" in problems[2]


def test_an_account_with_the_prefix_but_another_number_here_is_refused(w) -> None:  # type: ignore[no-untyped-def]
    # the student "hba-s1" has number s1; a row with number S1 is the same person (case-insensitive)
    assert _problems(w, "student_number,name,class\nS1,Stu Dent,Grade 10 Class 1\n") == []
    w.student_membership.student_number = "other"
    w.student_membership.save()
    problems = _problems(w, "student_number,name,class\ns1,Stu Dent,Grade 10 Class 1\n")
    assert len(problems) == 1 and "another number" in problems[0]


def test_a_school_without_prefix_cannot_import(w) -> None:  # type: ignore[no-untyped-def]
    w.school.username_prefix = None
    w.school.save()
    problems = _problems(w, CSV)
    assert len(problems) == 1 and "prefix" in problems[0]


def test_header_without_number_column_is_one_problem(w) -> None:  # type: ignore[no-untyped-def]
    rows, problems = roster.roster_read(name="p.csv", data=b"username,name\nx,y\n")
    assert rows == [] and len(problems) == 1 and "student_number" in problems[0]
    assert roster.roster_read(name="p.xlsx", data=b"PK\x03\x04 not really")[1] == ["The file is not an Excel workbook (.xlsx)."]


def test_signed_preview_is_bound_to_school_and_admin(w) -> None:  # type: ignore[no-untyped-def]
    from django.core import signing

    rows, _ = roster.roster_read(name="p.csv", data=CSV.encode())
    token = roster.roster_rows_sign(school=w.school, user_id=7, rows=rows, create_classes=False)
    assert roster.roster_rows_unsign(school=w.school, user_id=7, token=token) == (rows, False)
    with pytest.raises(signing.BadSignature):
        roster.roster_rows_unsign(school=w.other_school, user_id=7, token=token)
    with pytest.raises(signing.BadSignature):
        roster.roster_rows_unsign(school=w.school, user_id=8, token=token)


# --- whole classes -------------------------------------------------------------------------------


def test_move_a_whole_class_moves_its_students_offerings(w) -> None:  # type: ignore[no-untyped-def]
    course = cast(Course, CourseFactory(slug="qc", title="QC"))
    services.offering_create(course=course, school=w.school, term=w.term, classes=[w.klass], by=None)
    target = services.offering_create(course=course, school=w.school, term=w.term, classes=[w.other_klass], by=None)
    _import(w, CSV)
    moved = services.class_move_students(school_class=w.klass, to=w.other_klass)
    assert moved == 3  # s1 and the two imported students of class 1; the teacher has no class
    assert not Membership.objects.filter(school_class=w.klass, role=OrgRole.STUDENT).exists()
    assert set(Enrollment.objects.filter(course=course).values_list("offering_id", flat=True)) == {target.pk}
    with pytest.raises(services.OrgError):
        services.class_move_students(school_class=w.klass, to=w.klass)


def test_graduating_a_class_archives_it_and_its_students_but_keeps_grades(w) -> None:  # type: ignore[no-untyped-def]
    course = cast(Course, CourseFactory(slug="qc", title="QC"))
    offering = services.offering_create(course=course, school=w.school, term=w.term, classes=[w.klass], by=None)
    enrolled = Enrollment.objects.get(user=w.users["student"], course=course)
    n = services.class_graduate(school_class=w.klass, on=date(2027, 6, 30))
    assert n == 1
    w.klass.refresh_from_db()
    w.student_membership.refresh_from_db()
    assert w.klass.archived and w.klass.graduated_on == date(2027, 6, 30)
    assert w.student_membership.archived
    enrolled.refresh_from_db()
    assert enrolled.offering == offering  # their course, work and grades stay
    with pytest.raises(services.OrgError):
        services.class_archive(school_class=w.klass, archived=False)


def test_class_delete_only_when_empty(w) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.OrgError):
        services.class_delete(school_class=w.klass)
    empty = services.class_create(school=w.school, name="Empty")
    services.class_delete(school_class=empty)
    assert not SchoolClass.objects.filter(name="Empty").exists()
    with pytest.raises(services.OrgError):
        services.class_create(school=w.school, name="grade 10 class 1")


def test_class_slips_only_for_students_who_never_logged_in(w) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    _import(w, CSV)
    User.objects.filter(username="hba-2026001").update(last_login=timezone.now())
    slips = roster.class_slips(school_class=w.klass)
    assert sorted(u.username for u, _p in slips) == ["hba-2026002", "hba-s1"]


def test_school_prefix_must_be_free(w) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.OrgError) as taken:
        services.school_create(district=w.district, name="X", slug="x", username_prefix="hba")
    assert taken.value.code == "prefix_taken"
    User.objects.create(username="zz-1")
    with pytest.raises(services.OrgError) as used:
        services.school_create(district=w.district, name="X", slug="x", username_prefix="zz")
    assert used.value.code == "prefix_in_use"


def test_load_district_demo_is_idempotent(db) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    call_command("load_district", stdout=io.StringIO())
    counts = (Organisation.objects.count(), SchoolClass.objects.count(), User.objects.count(), Membership.objects.count())
    assert counts == (3, 4, 1 + 2 + 2 + 12, 1 + 2 + 2 + 12)  # district admin, school admins, teachers, students
    call_command("load_district", stdout=io.StringIO())
    assert (Organisation.objects.count(), SchoolClass.objects.count(), User.objects.count(), Membership.objects.count()) == counts
    student = User.objects.get(username="hb1-2026101")
    assert student.check_password("quantum-demo") and not student.must_change_password
    m = Membership.objects.get(user=student)
    assert m.org.slug == "harbour-no1" and m.org.parent is not None and m.org.parent.name_zh == "海港区"
    assert m.school_class is not None and m.school_class.name_zh == "高一(1)班"
    client = Client()
    client.force_login(User.objects.get(username="harbour-admin"))
    assert "Harbour Experimental School" in client.get("/orgs/harbour/").content.decode()


def test_an_existing_account_named_like_the_school_is_never_adopted(w) -> None:  # type: ignore[no-untyped-def]
    User.objects.create(username="hba-2026001", display_name="Made by a course roster")
    problems = _problems(w, CSV)
    assert len(problems) == 1 and problems[0].startswith("Row 2:") and "people page" in problems[0]
    assert User.objects.get(username="hba-2026001").display_name == "Made by a course roster"


def test_export_reads_back_unchanged_and_defuses_formulas(w) -> None:  # type: ignore[no-untyped-def]
    _import(w, CSV + "2026010,=HYPERLINK(\"http://x\"),Grade 10 Class 1,student,\n")
    text = roster.roster_export(school=w.school)
    assert text.splitlines()[0] == "student_number,name,class,role,email"
    assert "'=HYPERLINK" in text and "sadmin" not in text and "School Admin" not in text  # no admins in it
    rows, problems = roster.roster_read(name="export.csv", data=text.encode())
    assert problems == []
    plan = roster.roster_plan(school=w.school, rows=rows, create_classes=False)
    # the defused cell reads back as a new name for that one student; everyone else is unchanged
    assert plan.problems == [] and plan.new == []
    assert [i.username for i in plan.changed] == ["hba-2026010"] and plan.unchanged == len(rows) - 1
