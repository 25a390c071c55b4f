"""Per-school lab quotas at the start queue (issue #16 item 3): a school's ``lab_concurrent_limit``
caps its students' labs running or starting at once (over it, a start waits in line with a message
saying the school's labs are full, and never fails); its ``lab_profile`` is its students' profile.
A fake hub client (no servers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from .fakehub import FakeHub

pytestmark = pytest.mark.django_db


@dataclass
class ProfileHub(FakeHub):
    """The fake hub, also recording the profile each start asked for."""

    profiles: dict[str, str] = field(default_factory=dict)

    def server_start(self, name: str, *, profile: str) -> str:
        self.profiles[name] = profile
        return super().server_start(name, profile=profile)


@pytest.fixture
def hub(monkeypatch, settings):  # type: ignore[no-untyped-def]
    from sandbox import quota, services

    fake = ProfileHub()
    monkeypatch.setattr(services, "hub_client", lambda **_: fake)
    settings.LAB_START_CONCURRENCY = 10  # the site has room: only the school's limit holds starts
    settings.LAB_QUEUE_POLL_SECONDS = 0
    quota.running_forget()
    yield fake
    quota.running_forget()


def _school(slug: str, **quotas):  # type: ignore[no-untyped-def]
    from orgs.models import Organisation

    return Organisation.objects.create(name=slug.title(), slug=slug, kind="school", **quotas)


def _students(school, n: int, prefix: str):  # type: ignore[no-untyped-def]
    from orgs.models import Membership
    from tests.factories import UserFactory

    users: list[Any] = [UserFactory(username=f"{prefix}{i}") for i in range(n)]
    for u in users:
        Membership.objects.create(org=school, user=u, role="student")
    return users


def _state(user) -> str:  # type: ignore[no-untyped-def]
    from sandbox.models import LabStart

    row = LabStart.objects.filter(user=user).order_by("-id").first()
    return row.state if row else "none"


def test_a_school_at_its_limit_waits_while_other_schools_and_people_without_one_start(hub):  # type: ignore[no-untyped-def]
    from sandbox import services
    from tests.factories import UserFactory

    north = _school("north", lab_concurrent_limit=2)
    south = _school("south")  # no limit
    n = _students(north, 4, "n")
    s = _students(south, 2, "s")
    loner: Any = UserFactory(username="loner")  # in no school

    outcomes = [services.lab_start(user=u) for u in [*n, *s, loner]]
    assert outcomes == ["pending", "pending", "queued", "queued", "pending", "pending", "pending"]
    assert hub.starts == [n[0].hub_name, n[1].hub_name, s[0].hub_name, s[1].hub_name, loner.hub_name]
    assert [_state(u) for u in n] == ["starting", "starting", "queued", "queued"]

    # moving the line again admits none of north's: its two labs still start
    services.queue_pump()
    assert [_state(u) for u in n[2:]] == ["queued", "queued"]

    # a lab that is ready and running still counts against the school
    hub.ready(n[0].hub_name)
    services.start_finish_for(user=n[0], ok=True)
    services.queue_pump()
    assert [_state(u) for u in n] == ["ready", "starting", "queued", "queued"]

    # once it stops, the first in line of that school takes the place (and only one)
    hub.server_stop(n[0].hub_name)
    services.queue_pump()
    assert [_state(u) for u in n] == ["ready", "starting", "starting", "queued"]
    assert hub.starts[-1] == n[2].hub_name


def test_a_running_lab_the_queue_never_started_counts_too(hub):  # type: ignore[no-untyped-def]
    from sandbox import services

    school = _school("east", lab_concurrent_limit=1)
    a, b = _students(school, 2, "e")
    hub.ready(a.hub_name)  # started earlier (before the quota, or by a preparation long done)
    assert services.lab_start(user=a) == "running"
    assert services.lab_start(user=b) == "queued"
    assert hub.starts == []
    hub.server_stop(a.hub_name)
    services.queue_pump()
    assert _state(b) == "starting" and hub.starts == [b.hub_name]


def test_over_quota_waits_with_a_message_and_never_fails(hub, settings):  # type: ignore[no-untyped-def]
    from sandbox import services
    from sandbox.models import LabStart, StartState
    from sandbox.views import _queue_event

    school = _school("west", name_zh="西校", lab_concurrent_limit=1)
    a, b = _students(school, 2, "w")
    services.lab_start(user=a)
    assert services.lab_start(user=b) == "queued"

    for _ in range(5):  # the waiting page polls; the start stays in line, with the school's words
        step = services.queue_wait_step(user=b)
        assert step.state == StartState.QUEUED
        assert step.school_full is not None and step.school_full.limit == 1
        event = _queue_event(step)
        assert event is not None and event["school_full"] is True and not event.get("failed")
        assert "school's labs are full (1 at once)" in event["message"]
        assert "number 1 in line" in event["message"]
    row = LabStart.objects.get(user=b)
    assert (row.state, row.error, row.admitted_at) == (StartState.QUEUED, "", None)

    # a's start fails: b's turn comes, the message goes
    services.start_finish_for(user=a, ok=False, error="boom")
    hub.server_stop(a.hub_name)
    step = services.queue_wait_step(user=b)
    assert step.state == StartState.STARTING and step.school_full is None


def test_a_student_without_a_full_school_sees_the_ordinary_place_in_line(hub, settings):  # type: ignore[no-untyped-def]
    from sandbox import services
    from sandbox.views import _queue_event

    settings.LAB_START_CONCURRENCY = 1  # the site's limit, not the school's
    school = _school("roomy", lab_concurrent_limit=5)
    a, b = _students(school, 2, "r")
    services.lab_start(user=a)
    assert services.lab_start(user=b) == "queued"
    step = services.queue_wait_step(user=b)
    assert step.school_full is None
    event = _queue_event(step)
    assert event is not None and event["school_full"] is False
    assert "full" not in event["message"] and "number 1 in line" in event["message"]


def test_the_open_page_says_the_school_is_full(hub, client, world, cast):  # type: ignore[no-untyped-def]
    from orgs.models import Membership

    school = _school("qc-school", lab_concurrent_limit=1)
    for u in (cast.alice, cast.bob):
        Membership.objects.create(org=school, user=u, role="student")
    client.force_login(cast.alice)
    first = client.post("/lab/qc101/a/hw1/open/")
    assert "labs are full" not in first.content.decode()
    client.force_login(cast.bob)
    page = client.post("/lab/qc101/a/hw1/open/").content.decode()
    assert "Your school&#x27;s labs are full (1 at once)" in page
    assert hub.starts == [cast.alice.hub_name]


def test_prepared_labs_respect_the_school_limit(hub, world, cast):  # type: ignore[no-untyped-def]
    from orgs.models import Membership
    from sandbox import services

    school = _school("prep", lab_concurrent_limit=2)
    for u in (cast.alice, cast.bob, cast.charlie):
        Membership.objects.create(org=school, user=u, role="student")
    result = services.labs_prepare(course=world.course, budget_mb=100_000)
    assert result.queued == 3
    services.queue_pump()
    assert sorted(_state(u) for u in (cast.alice, cast.bob, cast.charlie)) == ["queued", "starting", "starting"]
    assert len(hub.starts) == 2


def test_the_school_profile_is_forced_on_its_students(hub, world, cast):  # type: ignore[no-untyped-def]
    from orgs.models import Membership
    from sandbox import services
    from sandbox.models import LabStart

    big = _school("big", lab_profile="cpu-large")
    Membership.objects.create(org=big, user=cast.alice, role="student")
    services.lab_start(user=cast.alice, profile="cpu")  # asked for the small one
    services.lab_start(user=cast.bob, profile="cpu")  # no school: as asked
    row = LabStart.objects.get(user=cast.alice)
    assert (row.profile, row.memory_mb) == ("cpu-large", 2048)
    assert hub.profiles == {cast.alice.hub_name: "cpu-large", cast.bob.hub_name: "cpu"}
    # a preparation too
    services.lab_stop(user=cast.alice)
    LabStart.objects.filter(user=cast.alice).update(state="stopped")
    services.labs_prepare(course=world.course, profile="cpu", budget_mb=100_000)
    services.queue_pump()
    assert LabStart.objects.filter(user=cast.alice).latest("id").profile == "cpu-large"
    assert hub.profiles[cast.alice.hub_name] == "cpu-large"


def test_a_remembered_hub_list_never_lets_a_school_over_its_limit(hub, settings):  # type: ignore[no-untyped-def]
    """The hub's list is read once per poll period; a start handed to the hub after that read is
    ready before the next read: it still counts."""
    from django.utils import timezone

    from sandbox import quota, services
    from sandbox.models import LabStart

    settings.LAB_QUEUE_POLL_SECONDS = 3600  # one read for the whole test
    school = _school("memo", lab_concurrent_limit=1)
    a, b, c = _students(school, 3, "m")
    services.lab_start(user=a)
    services.lab_start(user=b)  # queued; this pump read the hub's list (a: pending)
    hub.ready(a.hub_name)
    services.start_finish_for(user=a, ok=True)
    services.queue_pump()
    assert _state(b) == "queued"
    # a list read before a's start (empty) is no better: a was handed to the hub after it
    quota.running_forget()
    hub.servers.clear()
    quota.running_read(hub)
    hub.ready(a.hub_name)
    LabStart.objects.filter(user=a).update(posted_at=timezone.now())
    services.queue_pump()
    assert [_state(u) for u in (b, c)] == ["queued", "none"]


def test_prepare_labs_counts_the_school_profile_against_its_budget(hub, world, cast):  # type: ignore[no-untyped-def]
    from orgs.models import Membership
    from sandbox import services

    big = _school("bigger", lab_profile="cpu-large")  # 2 GiB planned per lab
    Membership.objects.create(org=big, user=cast.alice, role="student")
    result = services.labs_prepare(course=world.course, profile="cpu", budget_mb=3072)
    # alice 2048 + bob 1024 fill the budget; charlie (1024 more) is skipped
    assert (result.queued, result.skipped_budget) == (2, 1)
    assert sorted(_state(u) for u in (cast.alice, cast.bob, cast.charlie)) == ["none", "queued", "queued"]
    assert _state(cast.charlie) == "none"
