"""Shared fixtures: the cast (alice, bob, charlie, ta, teacher, other_teacher, outsider, admin) and a course.

``course`` has one unit with a released lesson, a released practice, a released assignment
(with a student notebook and an instructor source), and an assignment that is NOT released yet.
``other_course`` belongs to ``other_teacher``; nobody else is in it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "test-output"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """postgres-marked tests need PostgreSQL: skipped on SQLite unless CI demands them."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    require = os.environ.get("LIANGZHI_REQUIRE_POSTGRES") == "1"
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            if require:
                item.add_marker(pytest.mark.xfail(reason="LIANGZHI_REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL", strict=True, run=False))
            else:
                item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://..."))


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BLOB_ROOT = tmp_path_factory.getbasetemp() / "blobs"
    settings.CELERY_TASK_ALWAYS_EAGER = os.environ.get("LIANGZHI_TEST_EAGER", "1") == "1"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Sandboxed verification of assignments at import is tested on its own (tests/courses/test_verify.py).
    settings.COURSES_VERIFY_ASSIGNMENTS = False


@pytest.fixture(autouse=True)
def _site_language():  # type: ignore[no-untyped-def]
    """Each test starts in the site's language: a request in Chinese leaves its language active in
    the thread (LocaleMiddleware does not reset it), and selectors now return translated words."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_celery_pool():  # type: ignore[no-untyped-def]
    """A test that runs a real worker closes the app's broker pool on the way out; the next
    test must get a new one ("Acquire on closed pool" otherwise).

    It also undoes what the test wrote into ``app.conf`` (``app.conf.update(task_always_eager=False,
    broker_url=...)`` lands in Celery's change layer, which outranks Django's settings for the rest
    of the process: every later test would send its jobs to a broker nobody consumes), and stops
    the heartbeat thread an in-process ``start_worker`` began (its shutdown signal is not sent, so
    the thread kept writing rows into later tests' databases)."""
    from config.celery import app

    app.conf.get("broker_url")  # a pending configuration is read now: app.conf is the real one
    changes = dict(app.conf.changes)
    yield
    app.conf.changes.clear()
    app.conf.changes.update(changes)
    from core.tasks import heartbeat_finish

    heartbeat_finish()

    pool = app._pool
    try:
        if pool is not None:
            pool.force_close_all()
    finally:
        from kombu import pools

        pools.reset()  # kombu keeps closed pools in a process-wide registry, keyed by broker URL
        app._pool = None
        app.amqp._producer_pool = None  # it holds the (closed) connection pool too


@pytest.fixture
def output_dir() -> Path:
    """Where tests leave artefacts a person looks at (screenshots)."""
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


@dataclass
class Cast:
    alice: object
    bob: object
    charlie: object
    ta: object
    teacher: object
    other_teacher: object
    outsider: object
    admin: object


@pytest.fixture
def cast(db):  # type: ignore[no-untyped-def]
    from tests.factories import UserFactory

    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    return Cast(
        alice=UserFactory(username="alice", display_name="Alice"),
        bob=UserFactory(username="bob", display_name="Bob"),
        charlie=UserFactory(username="charlie", display_name="Charlie"),
        ta=UserFactory(username="tina", display_name="Tina the TA"),
        teacher=UserFactory(username="teacher", display_name="Prof. Wang", can_create_courses=True),
        other_teacher=UserFactory(username="olga", display_name="Olga", can_create_courses=True),
        outsider=UserFactory(username="oscar", display_name="Oscar"),
        admin=admin,
    )


@dataclass
class CourseWorld:
    course: object
    other_course: object
    lesson: object
    practice: object
    assignment: object
    hidden: object  # not released yet
    other_activity: object


STUDENT_NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
SOURCE_NOTEBOOK = b'{"cells": [{"cell_type": "code", "source": "### BEGIN HIDDEN TESTS\\nassert secret\\n", "metadata": {}, "outputs": [], "execution_count": null}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


@pytest.fixture
def world(cast):  # type: ignore[no-untyped-def]
    from courses.enums import ActivityKind, FileKind, Role
    from tests.factories import ActivityFactory, CourseFactory, EnrollmentFactory, UnitFactory, add_version, future

    course = CourseFactory(slug="qc101", title="Quantum computing 101", title_zh="量子计算 101")
    unit = UnitFactory(course=course, slug="basics", title="Basics")
    lesson = ActivityFactory(unit=unit, slug="intro", title="Introduction lesson", kind=ActivityKind.LESSON, concepts=["qubits"])
    add_version(lesson, body_html='<p>Euler: <span class="arithmatex">\\(e^{i\\pi}+1=0\\)</span></p>')
    practice = ActivityFactory(unit=unit, slug="warmup", title="Warm-up practice", kind=ActivityKind.PRACTICE)
    add_version(practice, files={"warmup.ipynb": (FileKind.NOTEBOOK, STUDENT_NOTEBOOK)})
    assignment = ActivityFactory(unit=unit, slug="hw1", title="Homework one", kind=ActivityKind.ASSIGNMENT, points=10, due_at=future(3))
    add_version(
        assignment,
        files={"hw1.ipynb": (FileKind.NOTEBOOK, STUDENT_NOTEBOOK), "source/hw1.ipynb": (FileKind.SOURCE, SOURCE_NOTEBOOK)},
    )
    hidden = ActivityFactory(unit=unit, slug="final-exam", title="Secret final exam", kind=ActivityKind.EXAM, release_at=future(10))
    add_version(hidden, body_html="<p>exam questions</p>")
    for user in (cast.alice, cast.bob, cast.charlie):
        EnrollmentFactory(course=course, user=user, role=Role.STUDENT)
    EnrollmentFactory(course=course, user=cast.ta, role=Role.TA)
    EnrollmentFactory(course=course, user=cast.teacher, role=Role.TEACHER)
    other_course = CourseFactory(slug="ml201", title="Machine learning 201")
    other_unit = UnitFactory(course=other_course, slug="ml", title="ML")
    other_activity = ActivityFactory(unit=other_unit, slug="ml-lesson", title="Other lesson")
    add_version(other_activity, body_html="<p>other</p>")
    EnrollmentFactory(course=other_course, user=cast.other_teacher, role=Role.TEACHER)
    return CourseWorld(course, other_course, lesson, practice, assignment, hidden, other_activity)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium; a developer machine without it skips browser tests, CI must have it."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        if os.environ.get("LIANGZHI_REQUIRE_E2E") == "1":
            pytest.fail("LIANGZHI_REQUIRE_E2E=1 but /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    return path


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser(chromium_path):  # type: ignore[no-untyped-def]
    """A real headless Chromium driven by Playwright (never Playwright's own browser download)."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def login_page(browser, live_server):  # type: ignore[no-untyped-def]
    """Returns ``open(user, password="pw-for-tests") -> page`` logged in through the real login form."""
    contexts = []

    def _open(user, password: str = "pw-for-tests", *, viewport=None):  # type: ignore[no-untyped-def]  # noqa: S107 (a test password)
        ctx = browser.new_context(viewport=viewport or {"width": 1280, "height": 860})
        # Playwright's 30 s default bites a correct run on a loaded machine (a page can take 15 s there).
        ctx.set_default_timeout(120_000)
        ctx.set_default_navigation_timeout(120_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield _open
    for ctx in contexts:
        ctx.close()
