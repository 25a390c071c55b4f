"""A lesson's prepared labs: the activity's notebook is written into each student's own lab before the
lesson, its warm kernel bound and answering, so the click goes straight into the lab. A fake hub that
keeps each server's files, sessions and kernels (no servers), except the one real-hub test at the end."""

from __future__ import annotations

import json
import posixpath
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from .fakehub import FakeHub

WARMUP = "courses/qc101/warmup/warmup.ipynb"


@dataclass
class PlacingHub(FakeHub):
    """FakeHub plus each server's contents, sessions and one warm kernel, and every call into a server."""

    files: dict[str, dict[str, bytes]] = field(default_factory=dict)  # name -> path -> bytes
    sessions: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> path -> kernel id
    kernel_ready: bool = True
    calls: list[tuple[str, str]] = field(default_factory=list)  # (server name, what)

    def _touch(self, name: str, what: str) -> None:
        assert self.servers.get(name) == "ready", f"{what} into {name}'s server, which is not running"
        self.calls.append((name, what))

    def contents_mkdir(self, name: str, path: str) -> None:
        self._touch(name, "mkdir")

    def contents_get(self, name: str, path: str, *, content: bool = False) -> dict[str, Any] | None:
        self._touch(name, "get")
        return {"path": path} if path in self.files.get(name, {}) else None

    def contents_put_notebook(self, name: str, path: str, data: bytes) -> dict[str, Any]:
        self._touch(name, "put")
        self.files.setdefault(name, {})[path] = data
        return {"path": path}

    def contents_put_file(self, name: str, path: str, data: bytes) -> dict[str, Any]:
        return self.contents_put_notebook(name, path, data)

    def contents_rename(self, name: str, old: str, new: str) -> None:
        self._touch(name, "rename")
        self.files[name][new] = self.files[name].pop(old)

    def session_bind(self, name: str, path: str) -> str | None:
        self._touch(name, "bind")
        return self.sessions.setdefault(name, {}).setdefault(path, f"warm-{name}")

    def session_kernel(self, name: str, path: str) -> str | None:
        self._touch(name, "sessions")
        return self.sessions.get(name, {}).get(path)

    def kernel_wait_ready(self, name: str, kernel_id: str, *, timeout: float = 60) -> bool:
        self._touch(name, "kernel_info")
        assert kernel_id == f"warm-{name}"
        return self.kernel_ready

    def lab_url(self, name: str, path: str | None = None) -> str:
        return f"http://hub.test/user/{name}/lab/tree/{path or ''}"


@pytest.fixture
def fake(monkeypatch, settings):  # type: ignore[no-untyped-def]
    from sandbox import services, tasks

    hub = PlacingHub()
    monkeypatch.setattr(services, "hub_client", lambda **_: hub)
    monkeypatch.setattr(tasks, "queue_drive_send", lambda: None)
    settings.LAB_START_CONCURRENCY = 10
    settings.LAB_PREWARM_MEMORY_BUDGET_MB = 100_000
    settings.LANGUAGE_CODE = "en"
    return hub


def _prepare(world: Any, fake: PlacingHub, activity: Any) -> None:
    """The lesson's labs started and ready (the hub's part faked), not yet placed."""
    from sandbox import services

    services.labs_prepare(course=world.course, activity=activity)
    services.queue_pump()
    fake.ready(*fake.starts)
    services.queue_pump(check_hub=True)


def _students(world: Any) -> list[Any]:
    from courses.models import Enrollment

    return [e.user for e in Enrollment.objects.filter(course=world.course, role="student").order_by("user__username")]


@pytest.mark.django_db
def test_prepared_labs_get_the_lessons_notebook_in_each_students_own_lab(world, cast, fake):  # type: ignore[no-untyped-def]
    from sandbox import services
    from sandbox.models import LabStart

    activity = world.course.activities.get(slug="warmup")
    _prepare(world, fake, activity)
    assert services.prepared_placing()
    assert services.prepared_place() == 3
    assert not services.prepared_placing()
    names = {u.hub_name for u in _students(world)}
    assert set(fake.files) == names and all(list(files) == [WARMUP] for files in fake.files.values())
    # each student's notebook went to that student's server, and its warm kernel is bound to it
    assert {name for name, _what in fake.calls} == names
    assert fake.sessions == {n: {WARMUP: f"warm-{n}"} for n in names}
    assert all(b'"quantum"' in data for files in fake.files.values() for data in files.values())
    rows = LabStart.objects.all()
    assert all(r.placed_at and r.placed_version_id == activity.current_version_id for r in rows)
    assert services.prepared_place() == 0  # once


@pytest.mark.django_db
def test_the_click_on_a_prepared_lab_goes_straight_into_the_lab(client, world, cast, fake):  # type: ignore[no-untyped-def]
    from sandbox import services
    from sandbox.models import LabStart

    _prepare(world, fake, world.course.activities.get(slug="warmup"))
    services.prepared_place()
    fake.calls.clear()
    client.force_login(cast.alice)
    r = client.post("/lab/qc101/a/warmup/open/")
    assert r.status_code == 302
    assert r["Location"] == f"http://hub.test/user/{cast.alice.hub_name}/lab/tree/{WARMUP}"
    assert fake.calls == []  # nothing asked of the server: the notebook and the kernel were there
    row = LabStart.objects.get(user=cast.alice)
    assert row.opened_at is not None and row.placed_at is None  # in use now; the placement was taken
    # the next click is an ordinary one for a running lab: the student's copy is looked for, and kept
    fake.files[cast.alice.hub_name][WARMUP] = b"edited"
    r = client.post("/lab/qc101/a/warmup/open/")
    assert r.status_code == 302 and r["Location"].endswith(WARMUP)
    assert (cast.alice.hub_name, "get") in fake.calls and fake.files[cast.alice.hub_name][WARMUP] == b"edited"


@pytest.mark.django_db
def test_another_activity_or_a_reset_is_placed_as_before(client, world, cast, fake):  # type: ignore[no-untyped-def]
    _prepare(world, fake, world.course.activities.get(slug="warmup"))
    from sandbox import services

    services.prepared_place()
    fake.calls.clear()
    client.force_login(cast.alice)
    r = client.post("/lab/qc101/a/hw1/open/")  # not the lesson's activity: written now
    assert r.status_code == 302 and r["Location"].endswith("courses/qc101/hw1/hw1.ipynb")
    assert "courses/qc101/hw1/hw1.ipynb" in fake.files[cast.alice.hub_name]
    r = client.post("/lab/qc101/a/warmup/open/", {"reset": "1"})  # a fresh copy, the old one kept aside
    assert r.status_code == 302
    backups = [p for p in fake.files[cast.alice.hub_name] if ".backup-" in p]
    assert len(backups) == 1 and posixpath.dirname(backups[0]) == posixpath.dirname(WARMUP)


@pytest.mark.django_db
def test_a_student_never_enters_another_students_prepared_lab(client, world, cast, fake):  # type: ignore[no-untyped-def]
    from sandbox import services
    from sandbox.models import LabStart

    _prepare(world, fake, world.course.activities.get(slug="warmup"))
    services.prepared_place()
    fake.calls.clear()
    client.force_login(cast.alice)
    for url in ("/lab/qc101/a/warmup/open/", "/lab/qc101/a/warmup/enter/"):
        r = client.post(url, HTTP_ACCEPT="application/json")
        target = r["Location"] if r.status_code == 302 else r.json()["url"]
        assert cast.alice.hub_name in target and cast.bob.hub_name not in target
    assert {name for name, _what in fake.calls} <= {cast.alice.hub_name}
    # bob's placement is still his, untouched by alice's clicks
    assert LabStart.objects.get(user=cast.bob).placed_at is not None
    # an outsider reaches nothing, and a student of no course with a lab prepared takes no one's
    client.force_login(cast.outsider)
    assert client.post("/lab/qc101/a/warmup/open/").status_code == 404
    assert client.post("/lab/qc101/a/warmup/enter/").status_code == 404
    assert LabStart.objects.filter(placed_at__isnull=False).exclude(user=cast.alice).count() == 2


@pytest.mark.django_db
def test_an_activity_students_may_not_see_yet_is_not_placed(world, cast, fake):  # type: ignore[no-untyped-def]
    from courses.enums import ActivityKind, FileKind
    from sandbox import services
    from sandbox.models import LabStart
    from tests.factories import ActivityFactory, add_version, future

    from .conftest import GRADED_NOTEBOOK

    secret = ActivityFactory(
        unit=world.course.units.first(), slug="later", kind=ActivityKind.PRACTICE, release_at=future(5)
    )
    add_version(secret, files={"later.ipynb": (FileKind.NOTEBOOK, json.dumps(GRADED_NOTEBOOK).encode())})
    _prepare(world, fake, secret)
    assert services.prepared_place() == 0
    assert fake.files == {} and fake.calls == []
    assert not services.prepared_placing()  # given up: the students' clicks decide
    assert not LabStart.objects.filter(placed_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_kernel_still_importing_is_waited_for(world, cast, fake):  # type: ignore[no-untyped-def]
    from sandbox import services

    _prepare(world, fake, world.course.activities.get(slug="warmup"))
    fake.kernel_ready = False
    assert services.prepared_place() == 0 and services.prepared_placing()
    fake.kernel_ready = True
    assert services.prepared_place() == 3
    assert all(list(files) == [WARMUP] for files in fake.files.values())  # written once, kept


@pytest.mark.django_db
def test_a_kernel_that_never_answers_is_given_up_and_left_to_the_click(world, cast, fake, settings):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from sandbox import services
    from sandbox.models import LabStart

    _prepare(world, fake, world.course.activities.get(slug="warmup"))
    fake.kernel_ready = False
    LabStart.objects.update(finished_at=timezone.now() - timedelta(seconds=settings.LAB_START_SLOT_SECONDS + 1))
    for _ in range(services.PLACE_TRIES):
        assert services.prepared_place() == 0
    assert not services.prepared_placing()
    assert set(LabStart.objects.values_list("place_tries", flat=True)) == {services.PLACE_TRIES}


@pytest.mark.django_db
def test_a_lab_started_again_or_stopped_is_not_taken_as_placed(client, world, cast, fake):  # type: ignore[no-untyped-def]
    from sandbox import services
    from sandbox.models import LabStart

    _prepare(world, fake, world.course.activities.get(slug="warmup"))
    services.prepared_place()
    services.lab_stop(user=cast.alice)
    assert LabStart.objects.get(user=cast.alice).placed_at is None
    fake.ready(cast.alice.hub_name)  # running again (started another way): the notebook is looked for
    fake.calls.clear()
    client.force_login(cast.alice)
    assert client.post("/lab/qc101/a/warmup/open/").status_code == 302
    assert (cast.alice.hub_name, "get") in fake.calls


@pytest.mark.django_db
def test_a_student_in_another_language_gets_the_notebook_in_theirs(client, world, cast, fake):  # type: ignore[no-untyped-def]
    from sandbox import services

    _prepare(world, fake, world.course.activities.get(slug="warmup"))
    services.prepared_place()
    fake.calls.clear()
    client.force_login(cast.alice)
    r = client.post("/lab/qc101/a/warmup/open/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 302 and r["Location"].endswith(WARMUP)
    assert fake.calls == [(cast.alice.hub_name, "put")]  # written again, nothing else asked


@pytest.mark.django_db
def test_a_lesson_and_a_preparation_name_only_the_courses_lab_activities(client, world, cast, fake):  # type: ignore[no-untyped-def]
    from sandbox.models import LabPreparation, ScheduledLesson

    foreign = world.other_course.activities.first()
    lesson = world.course.activities.get(slug="intro")  # a lesson page: nothing opens in the lab
    client.force_login(cast.teacher)
    page = client.get("/lab/qc101/prepare/").content.decode()
    assert "data-prepare-activity" in page and "Warm-up practice" in page
    for act in (foreign, lesson):
        r = client.post("/lab/qc101/lessons/", {"starts_at": "2030-01-01T10:00", "activity": act.pk})
        assert r.status_code == 400 and "Select a valid choice." in r.content.decode()
        assert client.post("/lab/qc101/prepare/start/", {"activity": act.pk}).status_code == 404
    assert not ScheduledLesson.objects.exists() and not LabPreparation.objects.exists()
    warmup = world.course.activities.get(slug="warmup")
    r = client.post("/lab/qc101/lessons/", {"starts_at": "2030-01-01T10:00", "activity": warmup.pk})
    assert r.status_code == 302 and ScheduledLesson.objects.get().activity == warmup
    assert client.post("/lab/qc101/prepare/start/", {"activity": warmup.pk}).status_code == 302
    assert LabPreparation.objects.get().activity == warmup


@pytest.mark.django_db
def test_a_scheduled_lessons_activity_is_placed_by_the_queue_drive(world, cast, fake, monkeypatch):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from sandbox import services, tasks
    from sandbox.models import LabStart, ScheduledLesson

    warmup = world.course.activities.get(slug="warmup")
    ScheduledLesson.objects.create(
        course=world.course, starts_at=timezone.now() + timedelta(minutes=5), activity=warmup
    )
    [result] = services.lessons_due()
    assert result.preparation.activity == warmup
    real_pump = services.queue_pump

    def pump(**kw: Any) -> dict[int, str]:  # the hub brings each started server up at once
        outcomes = real_pump(**kw)
        fake.ready(*fake.starts)
        return outcomes

    monkeypatch.setattr(services, "queue_pump", pump)
    tasks.queue_drive(seconds=60.0)
    assert LabStart.objects.filter(placed_at__isnull=False).count() == 3
    assert not services.drive_claimed()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_prepared_lab_on_the_real_hub_has_the_notebook_and_a_ready_kernel(lab, hub_client, world, cast, client):  # type: ignore[no-untyped-def]
    """One student's lab prepared for the warm-up: the notebook is in her server, bound to the warm
    kernel, which answers; her click is a redirect into the lab, and the import in that kernel works."""
    from sandbox import services
    from sandbox.models import LabStart

    from .conftest import stop_quietly

    alice = cast.alice
    alice.refresh_from_db()
    name = alice.hub_name
    try:
        services.labs_prepare(course=world.course, activity=world.course.activities.get(slug="warmup"))
        LabStart.objects.exclude(user=alice).delete()  # one lab is enough here
        deadline = time.monotonic() + 300  # generous: a loaded machine starts slowly
        while time.monotonic() < deadline and not LabStart.objects.filter(placed_at__isnull=False).exists():
            services.queue_pump(check_hub=True)
            services.prepared_place()
            time.sleep(1)
        assert LabStart.objects.get(user=alice).placed_at is not None
        assert hub_client.contents_get(name, WARMUP) is not None
        kernel = hub_client.session_kernel(name, WARMUP)
        assert kernel is not None
        client.force_login(alice)
        r = client.post("/lab/qc101/a/warmup/open/")
        assert r.status_code == 302 and r["Location"].endswith(f"/user/{name}/lab/tree/{WARMUP}")
        result = hub_client.kernel_execute(name, kernel, "import torch, qiskit; print('ok')", timeout=120)
        assert result.status == "ok" and "ok" in result.stdout
    finally:
        stop_quietly(hub_client, name)


@pytest.mark.django_db
def test_the_site_keeps_one_hub_client_per_configuration_and_no_cookies(settings):  # type: ignore[no-untyped-def]
    """Clicks reuse one pooled client (its connections stay open); a cookie one student's server sets
    is never sent to another's."""
    import requests

    from sandbox import services

    settings.HUB_URL, settings.HUB_API_URL, settings.HUB_API_TOKEN = "http://hub.test", "http://hub.test/hub/api", "t1"
    first = services.hub_client()
    assert services.hub_client() is first
    assert services.hub_client(timeout=2.0) is not first
    settings.HUB_API_TOKEN = "t2"
    assert services.hub_client() is not first  # another service token: another client
    # what a server's Set-Cookie would become: refused by the client's jar
    cookie = requests.cookies.create_cookie("_xsrf", "abc", domain="hub.test", path="/user/lz-alice/")
    request = requests.Request("GET", "http://hub.test/user/lz-alice/api/contents").prepare()
    jar = first._session.cookies
    jar.set_cookie_if_ok(cookie, requests.cookies.MockRequest(request))  # type: ignore[arg-type]
    assert len(jar) == 0
