"""Last term's offering is read-only (issue #16 item 2): its students cannot submit an assignment,
start, save or hand in a quiz or exam attempt, and its roster does not change; their grades stay
visible to them and in the gradebook. The same student in a current offering is not refused.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from courses.enums import Role
from courses.models import Enrollment
from orgs.models import Offering, OfferingDue
from tests.orgs.test_offerings import World, _offer, build_world

pytestmark = pytest.mark.django_db

MESSAGE = "This course&#x27;s term has ended: it is read-only. Your work and grades stay visible."
PLAIN = "This course's term has ended: it is read-only. Your work and grades stay visible."


@pytest.fixture
def past() -> tuple[World, Offering]:
    """sa1 (class A1) took the template last term: that offering has ended."""
    world = build_world()
    offering = Offering.objects.create(course=world.course, school=world.school_a, term=world.past_a)
    offering.classes.set([world.a1])
    Enrollment.objects.create(course=world.course, user=world.users["sa1"], role=Role.STUDENT, offering=offering)
    return world, offering


def _graded_submission(world: World, user: Any) -> Any:
    from core.blobs import blob_put
    from grading.enums import SubmissionSource, SubmissionStatus
    from grading.models import Submission

    return Submission.objects.create(
        activity=world.hw, version=world.hw.current_version, user=user, received_at=timezone.now() - timedelta(days=30),
        blob=blob_put(b"{}"), size=2, filename="hw.ipynb", source=SubmissionSource.UPLOAD, idempotency_key="k1",
        status=SubmissionStatus.GRADED, auto_score=Decimal("7.5"), max_score=Decimal(10), cells=[],
        graded_at=timezone.now(),
    )


def test_the_check_reads_the_students_offering(past: tuple[World, Offering]) -> None:
    from courses.selectors import enrollment_read_only

    world, offering = past
    assert offering.read_only
    assert enrollment_read_only(user=world.users["sa1"], course=world.course)
    _offer(world, "tea_a", world.school_a, world.term_a, [world.a2])
    assert not enrollment_read_only(user=world.users["sa2"], course=world.course)
    assert not enrollment_read_only(user=world.users["tea_a"], course=world.course)


def test_submitting_an_assignment_is_refused(past: tuple[World, Offering]) -> None:
    from grading.models import Submission
    from grading.services import SubmissionRejected, submission_receive

    world, _ = past
    with pytest.raises(SubmissionRejected) as refused:
        submission_receive(user=world.users["sa1"], activity=world.hw, data=b"{}", source="upload", idempotency_key="x")
    assert refused.value.reason == PLAIN
    assert not Submission.objects.exists()
    # a current offering's student gets past this check (refused later for the empty notebook, not the term)
    _offer(world, "tea_a", world.school_a, world.term_a, [world.a2])
    with pytest.raises(SubmissionRejected) as other:
        submission_receive(user=world.users["sa2"], activity=world.hw, data=b"{}", source="upload", idempotency_key="y")
    assert other.value.reason != PLAIN


def test_submitting_over_http_shows_the_message(past: tuple[World, Offering]) -> None:
    world, _ = past
    c = Client()
    c.force_login(world.users["sa1"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grading.models import Submission

    response = c.post(
        "/grading/qt/a/hw/submit/",
        {"notebook": SimpleUploadedFile("hw.ipynb", b"{}"), "idempotency_key": "h1"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400 and response.json() == {"error": PLAIN}
    assert not Submission.objects.exists()


def _attempt(world: World, user: Any) -> Any:
    from assessments.models import Attempt

    return Attempt.objects.create(
        activity=world.hw, version=world.hw.current_version, user=user, number=1,
        started_at=timezone.now() - timedelta(days=40),
    )


def test_starting_an_attempt_is_refused(past: tuple[World, Offering]) -> None:
    from assessments.models import Attempt
    from assessments.services import AssessmentError, attempt_start

    world, _ = past
    with pytest.raises(AssessmentError) as refused:
        attempt_start(activity=world.hw, user=world.users["sa1"])
    assert refused.value.code == "read_only" and str(refused.value.message) == PLAIN
    assert not Attempt.objects.exists()


def test_saving_an_answer_is_refused_in_the_service_and_the_autosave(past: tuple[World, Offering]) -> None:
    from assessments.models import Answer, Attempt, AttemptStatus
    from assessments.services import AssessmentError, answer_save

    world, _ = past
    attempt = _attempt(world, world.users["sa1"])
    with pytest.raises(AssessmentError) as refused:
        answer_save(attempt=Attempt.objects.get(pk=attempt.pk), key="q.a", value="1", seq=1)
    assert refused.value.code == "read_only"
    c = Client()
    c.force_login(world.users["sa1"])
    response = c.post(
        "/quiz/qt/hw/attempt/1/save/", json.dumps({"key": "q.a", "value": "1", "seq": 2}), content_type="application/json"
    )
    assert response.status_code == 409 and response.json() == {"error": PLAIN, "code": "read_only"}
    assert not Answer.objects.exists()
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.OPEN


def test_handing_in_an_attempt_is_refused(past: tuple[World, Offering]) -> None:
    from assessments.models import Attempt, AttemptStatus
    from assessments.services import AssessmentError, attempt_submit

    world, _ = past
    attempt = _attempt(world, world.users["sa1"])
    with pytest.raises(AssessmentError) as refused:
        attempt_submit(attempt=Attempt.objects.with_deadline_inputs().get(pk=attempt.pk))
    assert refused.value.code == "read_only"
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.OPEN


def test_roster_changes_of_the_offering_are_refused(past: tuple[World, Offering]) -> None:
    from courses.services import RosterError, roster_add, roster_remove, roster_set_role
    from orgs.services import OrgError, offering_add_class, offering_due_set

    world, offering = past
    enrollment = Enrollment.objects.get(user=world.users["sa1"], course=world.course)
    with pytest.raises(RosterError, match="read-only"):
        roster_set_role(enrollment=enrollment, role=Role.TA)
    with pytest.raises(RosterError, match="read-only"):
        roster_remove(enrollment=enrollment)
    with pytest.raises(RosterError, match="read-only"):
        roster_add(course=world.course, username="sa1", role=Role.TA)
    with pytest.raises(OrgError) as refused:
        offering_add_class(offering=offering, school_class=world.a2)
    assert refused.value.code == "read_only"
    with pytest.raises(OrgError):
        offering_due_set(offering=offering, activity_id=world.hw.pk, due_at=timezone.now())
    assert Enrollment.objects.get(pk=enrollment.pk).role == Role.STUDENT
    assert list(offering.classes.all()) == [world.a1] and not OfferingDue.objects.exists()
    assert not Enrollment.objects.filter(user=world.users["sa2"]).exists()
    # over HTTP: the teacher's roster form says why
    c = Client()
    c.force_login(world.users["author"])
    response = c.post(f"/courses/qt/manage/roster/{enrollment.pk}/", {"role": "ta"}, follow=True)
    assert "read-only" in response.content.decode()
    assert Enrollment.objects.get(pk=enrollment.pk).role == Role.STUDENT


def test_the_offering_page_marks_it_read_only_and_offers_no_class(past: tuple[World, Offering]) -> None:
    world, offering = past
    offering.created_by = world.users["tea_a"]
    offering.save()
    c = Client()
    c.force_login(world.users["tea_a"])
    page = c.get("/courses/qt/manage/offerings/").content.decode()
    row = page[page.index(f'data-offering="{offering.pk}"'):]
    assert 'data-testid="read-only"' in row.split("</tr>")[0]
    assert 'data-testid="add-class"' not in row.split("</tr>")[0]


def test_grades_stay_visible_to_the_student_and_in_the_gradebook(past: tuple[World, Offering]) -> None:
    from grading.models import ScoreRelease

    world, _ = past
    _graded_submission(world, world.users["sa1"])
    ScoreRelease.objects.create(activity=world.hw, hidden=False)
    teacher = Client()
    teacher.force_login(world.users["author"])
    csv_text = teacher.get("/courses/qt/gradebook.csv").content.decode("utf-8-sig")
    line = next(line for line in csv_text.splitlines() if line.startswith("sa1,"))
    assert "7.5" in line
    student = Client()
    student.force_login(world.users["sa1"])
    progress = student.get("/courses/qt/progress/")
    assert progress.status_code == 200 and "7.5" in progress.content.decode()
