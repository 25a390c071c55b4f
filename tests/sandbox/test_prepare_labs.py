"""Preparing a class's labs: who may, the memory budget, unused labs stopped after the grace period,
scheduled lessons prepared ahead. A fake hub client, except the one real-hub test at the end."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from .fakehub import FakeHub

PREPARE = "/lab/qc101/prepare/start/"


@pytest.fixture
def fake(monkeypatch, settings):  # type: ignore[no-untyped-def]
    from sandbox import services, tasks

    hub = FakeHub()
    monkeypatch.setattr(services, "hub_client", lambda **_: hub)
    monkeypatch.setattr(tasks, "queue_drive_send", lambda: None)
    settings.LAB_START_CONCURRENCY = 10
    settings.LAB_PREWARM_MEMORY_BUDGET_MB = 100_000
    return hub


def _students(world):  # type: ignore[no-untyped-def]
    from courses.models import Enrollment

    return [e.user for e in Enrollment.objects.filter(course=world.course, role="student").order_by("user__username")]


@pytest.mark.django_db
@pytest.mark.parametrize("who,status", [("alice", 403), ("other_teacher", 404), ("outsider", 404)])
def test_only_the_courses_staff_may_prepare_labs(client, world, cast, fake, who, status):  # type: ignore[no-untyped-def]
    client.force_login(getattr(cast, who))
    assert client.post(PREPARE).status_code == status
    assert client.get("/lab/qc101/prepare/").status_code == status
    assert client.post("/lab/qc101/lessons/", {"starts_at": "2030-01-01T10:00"}).status_code == status
    assert fake.starts == []
    from sandbox.models import LabPreparation, ScheduledLesson

    assert not LabPreparation.objects.exists() and not ScheduledLesson.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["ta", "teacher", "admin"])
def test_the_courses_staff_prepare_every_students_lab(client, world, cast, fake, who):  # type: ignore[no-untyped-def]
    client.force_login(getattr(cast, who))
    r = client.post(PREPARE)
    assert r.status_code == 302 and r["Location"].endswith("/lab/qc101/prepare/")
    assert sorted(fake.starts) == sorted(u.hub_name for u in _students(world))
    assert cast.ta.hub_name not in fake.starts and cast.teacher.hub_name not in fake.starts
    page = client.get("/lab/qc101/prepare/").content.decode()
    assert 'data-count="starting">3<' in page and 'data-count="skipped">0<' in page


@pytest.mark.django_db
def test_the_manage_page_has_the_button(client, world, cast, fake):  # type: ignore[no-untyped-def]
    client.force_login(cast.teacher)
    page = client.get("/courses/qc101/manage/").content.decode()
    assert "data-prepare-labs" in page and PREPARE in page


@pytest.mark.django_db
def test_labs_over_the_memory_budget_are_skipped_and_counted(client, world, cast, fake, settings):  # type: ignore[no-untyped-def]
    from sandbox import selectors, services

    # the cpu profile is planned at its 1 GiB guarantee: one lab already running + one more fit in 2 GiB
    settings.LAB_PREWARM_MEMORY_BUDGET_MB = 2048
    students = _students(world)
    fake.ready(students[0].hub_name)
    result = services.labs_prepare(course=world.course)
    assert (result.queued, result.already_running, result.skipped_budget) == (1, 1, 1)
    services.queue_pump()
    assert fake.starts == [students[1].hub_name]  # in name order: alice runs, bob fits, charlie not
    client.force_login(cast.teacher)
    page = client.get("/lab/qc101/prepare/").content.decode()
    assert 'data-count="skipped">1<' in page and 'data-count="running">1<' in page
    summary = selectors.preparation_latest(course=world.course)
    assert summary and summary.starting == 1 and summary.skipped_budget == 1


@pytest.mark.django_db
def test_a_section_prepares_only_its_students(client, world, cast, fake):  # type: ignore[no-untyped-def]
    from courses.models import Enrollment
    from grading.models import Section

    section = Section.objects.create(course=world.course, name="Class A")
    section.students.add(Enrollment.objects.get(course=world.course, user=cast.bob))
    client.force_login(cast.teacher)
    assert client.post(PREPARE, {"section": section.pk}).status_code == 302
    assert fake.starts == [cast.bob.hub_name]


@pytest.mark.django_db
def test_unused_prepared_labs_stop_after_the_grace_period(world, cast, fake, settings):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from sandbox import services
    from sandbox.models import LabStart, StartState

    services.labs_prepare(course=world.course)
    services.queue_pump()
    fake.ready(*fake.starts)
    services.queue_pump(check_hub=True)
    assert set(LabStart.objects.values_list("state", flat=True)) == {StartState.READY}
    services.lab_start(user=cast.alice)  # alice opens hers
    assert services.prepared_unused_stop() == 0  # still within the grace period
    past = timezone.now() - timedelta(minutes=settings.LAB_PREWARM_GRACE_MINUTES + 1)
    LabStart.objects.update(finished_at=past)
    assert services.prepared_unused_stop() == 2
    assert sorted(fake.stops) == sorted([cast.bob.hub_name, cast.charlie.hub_name])
    assert fake.server_status(cast.alice.hub_name).state == "ready"
    assert LabStart.objects.get(user=cast.bob).state == StartState.STOPPED
    assert services.prepared_unused_stop() == 0  # once


@pytest.mark.django_db
def test_a_scheduled_lesson_prepares_its_labs_shortly_before(client, world, cast, fake, settings):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from sandbox import services, tasks
    from sandbox.models import LabStart, ScheduledLesson

    settings.LAB_PREPARE_MINUTES_BEFORE = 10
    client.force_login(cast.teacher)
    soon = timezone.localtime() + timedelta(minutes=30)
    r = client.post("/lab/qc101/lessons/", {"starts_at": soon.strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 302
    lesson = ScheduledLesson.objects.get()
    assert lesson.section is None and lesson.created_by == cast.teacher
    assert tasks.housekeeping()["lessons"] == 0 and fake.starts == []  # 30 min ahead: not yet
    later = timezone.now() + timedelta(minutes=21)
    assert len(services.lessons_due(now=later)) == 1
    assert services.lessons_due(now=later) == []  # prepared once
    assert tasks.housekeeping()["started"] == 3
    assert sorted(fake.starts) == sorted(u.hub_name for u in _students(world))
    assert set(LabStart.objects.values_list("preparation__lesson", flat=True)) == {lesson.pk}
    # an unused lab's grace period counts from the lesson's start, not from when it was ready
    fake.ready(*fake.starts)
    services.queue_pump(check_hub=True)
    LabStart.objects.update(finished_at=timezone.now() - timedelta(hours=2))
    assert services.prepared_unused_stop() == 0


@pytest.mark.django_db
def test_a_lesson_long_over_is_not_prepared(world, fake, settings):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from sandbox import services
    from sandbox.models import ScheduledLesson

    ScheduledLesson.objects.create(course=world.course, starts_at=timezone.now() - timedelta(hours=3))
    assert services.lessons_due() == [] and fake.starts == []
    assert ScheduledLesson.objects.get().prepared_at is not None


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_prepared_labs_run_on_the_real_hub(lab, hub_client, world, cast, settings):  # type: ignore[no-untyped-def]
    """Two students of a section, prepared through the queue (one start at a time), both running."""
    from courses.models import Enrollment
    from grading.models import Section
    from sandbox import services
    from sandbox.models import LabStart, StartState

    from .conftest import stop_quietly

    settings.LAB_START_CONCURRENCY = 1
    settings.LAB_PREWARM_MEMORY_BUDGET_MB = 100_000
    section = Section.objects.create(course=world.course, name="Class A")
    pair = [cast.alice, cast.bob]
    for user in pair:
        user.refresh_from_db()
        section.students.add(Enrollment.objects.get(course=world.course, user=user))
    names = [u.hub_name for u in pair]
    try:
        result = services.labs_prepare(course=world.course, section=section)
        assert result.queued == 2
        deadline = time.monotonic() + 300  # generous: a loaded machine starts slowly
        while time.monotonic() < deadline:
            services.queue_pump(check_hub=True)
            assert LabStart.objects.filter(state=StartState.STARTING).count() <= 1
            if LabStart.objects.filter(state__in=(StartState.QUEUED, StartState.STARTING)).count() == 0:
                break
            time.sleep(1)
        states = dict(LabStart.objects.values_list("user__hub_name", "state"))
        assert states == {n: StartState.READY for n in names}
        for name in names:
            assert hub_client.server_status(name).state == "ready"
    finally:
        stop_quietly(hub_client, *names)


@pytest.mark.django_db
def test_a_hub_that_is_down_says_so_and_the_lesson_is_tried_again(client, world, cast, fake, monkeypatch):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from sandbox import services
    from sandbox.client import HubUnavailable
    from sandbox.models import LabStart, ScheduledLesson

    def down() -> list[dict[str, object]]:
        raise HubUnavailable("The lab is unavailable right now.")

    monkeypatch.setattr(fake, "users_active", down)
    client.force_login(cast.teacher)
    r = client.post(PREPARE)
    assert r.status_code == 503 and "unavailable right now" in r.content.decode()
    assert not LabStart.objects.exists()
    ScheduledLesson.objects.create(course=world.course, starts_at=timezone.now() + timedelta(minutes=5))
    assert services.lessons_due() == []
    assert ScheduledLesson.objects.get().prepared_at is None  # the next housekeeping tries again


@pytest.mark.django_db
def test_bad_input_to_prepare_and_schedule_is_a_clear_refusal_that_changes_nothing(client, world, cast, fake):  # type: ignore[no-untyped-def]
    """A teacher's malformed or foreign input: a 4xx with the form's own message, no lesson, no start."""
    from grading.models import Section
    from sandbox.models import LabStart, ScheduledLesson

    foreign = Section.objects.create(course=world.other_course, name="Not yours")
    client.force_login(cast.teacher)
    for data in ({"starts_at": "next tuesday"}, {"starts_at": ""}, {}, {"starts_at": "2030-02-30T10:00"}):
        r = client.post("/lab/qc101/lessons/", data)
        text = r.content.decode()
        assert r.status_code == 400, data
        assert "Enter a valid date/time." in text or "This field is required." in text, data
    r = client.post("/lab/qc101/lessons/", {"starts_at": "2030-01-01T10:00", "section": foreign.pk})
    assert r.status_code == 400 and "Select a valid choice." in r.content.decode()
    assert client.post(PREPARE, {"section": foreign.pk}).status_code == 404
    assert client.post(PREPARE, {"section": "1; DROP TABLE"}).status_code == 404
    assert not ScheduledLesson.objects.exists() and not LabStart.objects.exists() and fake.starts == []
