"""The lab start queue: admitted in order, never more starting than the limit, a visible place in
line, the hub asked only at admission (its start timeout counts from there). A fake hub client."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .fakehub import FakeHub

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub(monkeypatch, settings):  # type: ignore[no-untyped-def]
    from sandbox import services

    fake = FakeHub()
    monkeypatch.setattr(services, "hub_client", lambda **_: fake)
    settings.LAB_START_CONCURRENCY = 2
    settings.LAB_QUEUE_POLL_SECONDS = 0
    return fake


@pytest.fixture
def students(cast):  # type: ignore[no-untyped-def]
    from tests.factories import UserFactory

    extra = [UserFactory(username=f"s{i}") for i in range(3)]
    return [cast.alice, cast.bob, cast.charlie, *extra]


def _row(user):  # type: ignore[no-untyped-def]
    from sandbox.models import LabStart

    return LabStart.objects.filter(user=user).order_by("-id").first()


def test_starts_beyond_the_limit_wait_in_order_with_their_place(hub, students):  # type: ignore[no-untyped-def]
    from sandbox import selectors, services

    outcomes = [services.lab_start(user=u) for u in students[:5]]
    assert outcomes == ["pending", "pending", "queued", "queued", "queued"]
    # the hub was asked for the first two only: the others' start timeout has not begun
    assert hub.starts == [students[0].hub_name, students[1].hub_name]
    places = [selectors.queue_place(user=u) for u in students[2:5]]
    assert [p[0] for p in places if p] == [1, 2, 3]
    assert all(p and p[1] > 0 for p in places)
    assert places[2] and places[0] and places[2][1] > places[0][1]  # further back, longer estimate
    assert selectors.queue_place(user=students[0]) is None


def test_a_finished_start_gives_its_place_to_the_next_in_line(hub, students):  # type: ignore[no-untyped-def]
    from sandbox import services
    from sandbox.models import StartState

    for u in students[:4]:
        services.lab_start(user=u)
    services.start_finish_for(user=students[0], ok=True)
    services.queue_pump()
    assert hub.starts == [u.hub_name for u in students[:3]]
    assert _row(students[2]).state == StartState.STARTING and _row(students[2]).admitted_at is not None
    assert _row(students[3]).state == StartState.QUEUED and _row(students[3]).admitted_at is None
    # a failed start frees its place too
    services.start_finish_for(user=students[1], ok=False, error="boom")
    services.queue_pump()
    assert hub.starts[-1] == students[3].hub_name


def test_the_limit_is_never_exceeded_while_a_class_starts(hub, students, settings):  # type: ignore[no-untyped-def]
    from sandbox import services
    from sandbox.models import LabStart, StartState

    settings.LAB_START_CONCURRENCY = 3
    for u in students:
        services.lab_start(user=u)
    for _ in range(10):  # the hub finishes whatever it has, the line moves, repeatedly
        assert LabStart.objects.filter(state=StartState.STARTING).count() <= 3
        hub.ready(*[n for n, s in hub.servers.items() if s == "pending"])
        services.queue_pump(check_hub=True)
    assert hub.most_pending == 3
    assert sorted(hub.starts) == sorted(u.hub_name for u in students)
    assert hub.starts == [u.hub_name for u in students]  # first come, first started
    assert set(LabStart.objects.values_list("state", flat=True)) == {StartState.READY}


def test_one_row_per_student_however_often_they_click(hub, students):  # type: ignore[no-untyped-def]
    from sandbox import services
    from sandbox.models import LabStart

    for u in students[:3]:
        services.lab_start(user=u)
    assert services.lab_start(user=students[2]) == "queued"
    assert LabStart.objects.filter(user=students[2]).count() == 1
    # a lab that already runs is reused without the queue
    hub.ready(students[0].hub_name)
    assert services.lab_start(user=students[0]) == "running"
    assert LabStart.objects.filter(user=students[0]).count() == 1


def test_a_waiting_student_goes_before_labs_prepared_ahead(hub, students):  # type: ignore[no-untyped-def]
    from sandbox import services
    from sandbox.models import StartReason

    for u in students[:2]:
        services.lab_start(user=u)  # the two places are taken
    for u in students[2:5]:
        services.queue_enqueue(user=u, profile="cpu", reason=StartReason.PREPARE)
    assert services.lab_start(user=students[5]) == "queued"
    services.start_finish_for(user=students[0], ok=True)
    services.queue_pump()
    assert hub.starts[-1] == students[5].hub_name
    # a prepared student who clicks moves up too, and their lab counts as opened
    services.lab_start(user=students[4])
    row = _row(students[4])
    assert row.priority == 0 and row.opened_at is not None


def test_left_the_line_and_stuck_starts_free_their_places(hub, students, settings):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from sandbox import selectors, services
    from sandbox.models import LabStart, StartState

    for u in students[:4]:
        services.lab_start(user=u)
    old = timezone.now() - timedelta(seconds=settings.LAB_QUEUE_ABANDON_SECONDS + 5)
    LabStart.objects.filter(user=students[2]).update(seen_at=old)  # the page was closed
    assert selectors.queue_place(user=students[3]) == (2, pytest.approx(selectors.queue_place(user=students[3])[1]))
    services.queue_pump()
    assert _row(students[2]).state == StartState.CANCELLED
    assert selectors.queue_place(user=students[3])[0] == 1
    stuck = timezone.now() - timedelta(seconds=settings.LAB_START_SLOT_SECONDS + 5)
    LabStart.objects.filter(user=students[0]).update(admitted_at=stuck)
    services.queue_pump()
    assert _row(students[0]).state == StartState.FAILED
    assert hub.starts[-1] == students[3].hub_name


def test_the_estimate_follows_recent_start_times(hub, students, settings):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from sandbox import selectors
    from sandbox.models import LabStart, StartState

    settings.LAB_START_CONCURRENCY = 1
    now = timezone.now()
    for u in students[:2]:
        LabStart.objects.create(
            user=u, profile="cpu", state=StartState.READY, admitted_at=now - timedelta(seconds=40), finished_at=now
        )
    assert selectors.start_seconds_typical() == pytest.approx(40)
    row = LabStart.objects.create(user=students[3], profile="cpu")
    LabStart.objects.create(user=students[4], profile="cpu")
    assert selectors.queue_position(row=row) == (1, 40)
    assert selectors.queue_position(row=_row(students[4])) == (2, 80)


def test_the_progress_page_shows_the_place_in_line_then_the_lab(hub, students, client, world):  # type: ignore[no-untyped-def]
    from sandbox import services

    for u in students[:2]:
        services.lab_start(user=u)
    charlie = students[2]
    client.force_login(charlie)
    page = client.post("/lab/qc101/a/hw1/open/")
    assert page.status_code == 200
    assert "You are number 1 in line" in page.content.decode()
    response = client.get("/lab/qc101/a/hw1/progress/")
    events = iter(response.streaming_content)
    first = next(events).decode()
    assert '"queued": true' in first and '"position": 1' in first and "number 1 in line" in first
    services.start_finish_for(user=students[0], ok=True)  # a place frees up
    rest = "".join(e.decode() for e in events)
    assert hub.starts[-1] == charlie.hub_name
    assert '"ready": true' in rest and "Your lab is ready" in rest
    from sandbox.models import StartState

    assert _row(charlie).state == StartState.READY


def test_the_place_in_line_is_said_in_chinese(hub, students, client, world):  # type: ignore[no-untyped-def]
    from sandbox import services

    for u in students[:2]:
        services.lab_start(user=u)
    client.force_login(students[2])
    page = client.post("/lab/qc101/a/hw1/open/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert "You are number" not in text and "排在第 1 位" in text


@pytest.mark.django_db(transaction=True)
def test_the_asgi_progress_stream_waits_in_line_too(hub, students, world):  # type: ignore[no-untyped-def]
    """Production serves the stream over ASGI: the same place in line, awaited, then the lab."""
    import asyncio

    from django.test import AsyncRequestFactory

    from sandbox import services, views

    for u in students[:3]:
        services.lab_start(user=u)
    request = AsyncRequestFactory().get("/lab/qc101/a/hw1/progress/")
    request.user = students[2]
    response = views.progress(request, "qc101", "hw1")

    async def read() -> list[str]:
        chunks: list[str] = []
        async for chunk in response.streaming_content:
            text = chunk.decode() if isinstance(chunk, bytes) else str(chunk)
            chunks.append(text)
            if len(chunks) == 1:  # a place frees up once the page has said where the student stands
                await asyncio.to_thread(services.start_finish_for, user=students[0], ok=True)
        return chunks

    # in a thread of its own: a session's browser (Playwright's sync API) may keep an event loop
    # running in this one, where asyncio.run() refuses to start
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        chunks = pool.submit(asyncio.run, read()).result(timeout=600)
    assert "number 1 in line" in chunks[0]
    assert '"ready": true' in chunks[-1]
    assert hub.starts[-1] == students[2].hub_name


@pytest.mark.django_db(transaction=True)
def test_admitters_at_the_same_moment_never_exceed_the_limit(hub, students, settings):  # type: ignore[no-untyped-def]
    """Eight pages moving the line at once (threads, each with its own connection): two admitted."""
    import threading
    import time

    from django.db import OperationalError, connection

    from sandbox import services
    from sandbox.models import LabStart, StartState

    for u in students:
        LabStart.objects.create(user=u, profile="cpu")
    barrier = threading.Barrier(8)
    admitted: list[int] = []
    errors: list[BaseException] = []

    def admit() -> None:
        try:
            barrier.wait(timeout=60)
            for _ in range(600):
                try:
                    admitted.extend(r.pk for r in services.queue_admit())
                    return
                except OperationalError as exc:
                    # the test database is SQLite in shared-cache memory, whose table locks do not
                    # wait like a file database's busy timeout (the site's setting): wait here instead
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.05)
            raise AssertionError("the admission never got its turn")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=admit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    first_two = list(LabStart.objects.order_by("id").values_list("pk", flat=True)[:2])
    assert sorted(admitted) == first_two
    assert LabStart.objects.filter(state=StartState.STARTING).count() == 2
