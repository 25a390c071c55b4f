"""Joining, roster management and CSV import."""

from __future__ import annotations

import pytest

from courses import services
from courses.enums import Role
from courses.models import Enrollment

pytestmark = pytest.mark.django_db


def test_join_with_code_enrols_a_student_once(world, cast) -> None:  # type: ignore[no-untyped-def]
    code = world.other_course.join_code
    course, created = services.course_join(user=cast.outsider, code=f" {code[:4].lower()}-{code[4:]} ")
    assert course == world.other_course and created
    _, again = services.course_join(user=cast.outsider, code=code)
    assert not again
    assert Enrollment.objects.get(course=course, user=cast.outsider).role == Role.STUDENT


def test_join_never_lowers_a_role(world, cast) -> None:  # type: ignore[no-untyped-def]
    services.course_join(user=cast.teacher, code=world.course.join_code)
    assert Enrollment.objects.get(course=world.course, user=cast.teacher).role == Role.TEACHER


def test_join_closed_or_wrong_code_is_refused(world, cast) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.RosterError, match="does not match"):
        services.course_join(user=cast.outsider, code="NOPE1234")
    world.course.join_open = False
    world.course.save()
    with pytest.raises(services.RosterError):
        services.course_join(user=cast.outsider, code=world.course.join_code)


def test_rotating_the_code_invalidates_the_old_one(world, cast) -> None:  # type: ignore[no-untyped-def]
    old = world.course.join_code
    new = services.course_rotate_join_code(course=world.course)
    assert new != old
    with pytest.raises(services.RosterError):
        services.course_join(user=cast.outsider, code=old)


def test_roster_add_and_change_role(world, cast) -> None:  # type: ignore[no-untyped-def]
    e = services.roster_add(course=world.course, username="OSCAR", role=Role.TA)
    assert e.user == cast.outsider and e.role == Role.TA
    services.roster_add(course=world.course, username="oscar", role=Role.STUDENT)
    assert Enrollment.objects.get(pk=e.pk).role == Role.STUDENT
    with pytest.raises(services.RosterError, match="No active user is called 'ghost'"):
        services.roster_add(course=world.course, username="ghost")


def test_the_last_teacher_cannot_leave(world, cast) -> None:  # type: ignore[no-untyped-def]
    teacher = Enrollment.objects.get(course=world.course, user=cast.teacher)
    with pytest.raises(services.RosterError, match="at least one teacher"):
        services.roster_remove(enrollment=teacher)
    with pytest.raises(services.RosterError):
        services.roster_set_role(enrollment=teacher, role=Role.STUDENT)
    services.roster_add(course=world.course, username="tina", role=Role.TEACHER)
    services.roster_remove(enrollment=teacher)
    assert not Enrollment.objects.filter(pk=teacher.pk).exists()


def test_csv_import_adds_updates_and_creates(world, cast) -> None:  # type: ignore[no-untyped-def]
    data = b"username,role,email,name\noscar,ta,,\nalice,student,,\nnewbie,student,new@example.edu,New Person\n"
    report = services.roster_import_csv(course=world.course, data=data, create_missing=True)
    assert report.errors == []
    assert report.added == ["oscar", "newbie"] and report.created_users == ["newbie"]
    newbie = Enrollment.objects.get(course=world.course, user__username="newbie").user
    assert newbie.email == "new@example.edu" and not newbie.has_usable_password()


def test_csv_import_is_all_or_nothing(world, cast) -> None:  # type: ignore[no-untyped-def]
    data = b"username,role\noscar,student\nghost,student\nalice,wizard\nbob,student\nbob,ta\n"
    report = services.roster_import_csv(course=world.course, data=data)
    assert report.errors == [
        "Line 4: unknown role 'wizard' (student, ta, teacher).",
        "Line 6: 'bob' appears twice.",
    ]
    report = services.roster_import_csv(course=world.course, data=b"username,role\noscar,student\nghost,student\n")
    assert report.errors == ["Line 3: no user is called 'ghost'."]
    assert not Enrollment.objects.filter(course=world.course, user=cast.outsider).exists()


def test_csv_without_header_or_not_utf8(world) -> None:  # type: ignore[no-untyped-def]
    assert services.roster_import_csv(course=world.course, data=b"alice\nbob\n").errors == [
        "The first row must be a header with a 'username' column."
    ]
    assert services.roster_import_csv(course=world.course, data="username\nåsa\n".encode("utf-16")).errors


def test_csv_import_refuses_bad_usernames_and_emails_line_by_line(world, cast) -> None:  # type: ignore[no-untyped-def]
    long_name = "x" * 151
    data = (
        "username,role,email,name\n"
        "has space,student,,\n"
        "slash/name,student,,\n"
        f"{long_name},student,,\n"
        "fine_user,student,not-an-email,\n"
        "ok.user,student,ok@example.edu,\n"
        "学生一,student,,\n"
    ).encode()
    report = services.roster_import_csv(course=world.course, data=data, create_missing=True)
    assert report.errors == [
        "Line 2: 'has space' is not a valid username (letters, digits and @ . + - _ only, no spaces or slashes).",
        "Line 3: 'slash/name' is not a valid username (letters, digits and @ . + - _ only, no spaces or slashes).",
        "Line 4: the username is longer than 150 characters.",
        "Line 5: 'not-an-email' is not an e-mail address.",
    ]
    # All or nothing: the good rows (including a Chinese name, which is a valid username) were not applied.
    assert report.created_users == [] and report.added == []
    assert not Enrollment.objects.filter(course=world.course, user__username__in=["ok.user", "学生一"]).exists()
    ok = services.roster_import_csv(course=world.course, data="username,email\nok.user,ok@example.edu\n学生一,\n".encode(), create_missing=True)
    assert ok.errors == [] and ok.created_users == ["ok.user", "学生一"]
