"""Who may reach which lab action (no hub needed: the checks come first)."""

from __future__ import annotations

import json
import stat

import pytest

URLS = ["panel", "open", "progress", "enter", "submit"]
POSTS = {"open", "enter", "submit"}


@pytest.fixture(autouse=True)
def _no_hub(settings):  # type: ignore[no-untyped-def]
    settings.HUB_URL = "http://127.0.0.1:9"  # discard port: nothing answers
    settings.HUB_API_URL = "http://127.0.0.1:9/hub/api"
    settings.HUB_API_TOKEN = "x"
    settings.HUB_TIMEOUT_SECONDS = 0.5


def _call(client, name: str, activity: str = "hw1", course: str = "qc101", data: dict | None = None):  # type: ignore[no-untyped-def]
    url = f"/lab/{course}/a/{activity}/{name}/"
    return client.post(url, data or {}) if name in POSTS else client.get(url)


@pytest.mark.parametrize("name", URLS)
def test_lab_views_outsider_gets_404(client, world, cast, name):  # type: ignore[no-untyped-def]
    client.force_login(cast.outsider)
    assert _call(client, name).status_code == 404


@pytest.mark.parametrize("name", URLS)
def test_lab_views_unreleased_activity_hidden_from_students(client, world, cast, name):  # type: ignore[no-untyped-def]
    client.force_login(cast.alice)
    assert _call(client, name, activity="final-exam").status_code == 404


@pytest.mark.parametrize("name", URLS)
def test_lab_views_anonymous_redirected_to_login(client, world, name):  # type: ignore[no-untyped-def]
    r = _call(client, name)
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


@pytest.mark.parametrize("name", sorted(POSTS))
def test_lab_views_actions_refuse_get(client, world, cast, name):  # type: ignore[no-untyped-def]
    client.force_login(cast.alice)
    assert client.get(f"/lab/qc101/a/hw1/{name}/").status_code == 405


def test_lab_submit_staff_refused(client, world, cast):  # type: ignore[no-untyped-def]
    client.force_login(cast.ta)
    r = client.post("/lab/qc101/a/hw1/submit/", {"path": "courses/qc101/hw1/hw1.ipynb", "idempotency_key": "k"})
    assert r.status_code == 403 and "Only students" in r.content.decode()


def test_lab_submit_other_path_refused_before_touching_the_lab(client, world, cast):  # type: ignore[no-untyped-def]
    client.force_login(cast.alice)
    r = client.post("/lab/qc101/a/hw1/submit/", {"path": "../../etc/passwd", "idempotency_key": "k"})
    assert r.status_code == 409 and "not part of this activity" in r.content.decode()


def test_lab_submit_needs_idempotency_key(client, world, cast):  # type: ignore[no-untyped-def]
    client.force_login(cast.alice)
    r = client.post("/lab/qc101/a/hw1/submit/", {"path": "courses/qc101/hw1/hw1.ipynb"})
    assert r.status_code == 400 and "incomplete" in r.content.decode()


def test_lab_open_lesson_without_notebook(client, world, cast):  # type: ignore[no-untyped-def]
    client.force_login(cast.alice)
    r = client.post("/lab/qc101/a/intro/open/")
    assert r.status_code == 400 and "no notebook" in r.content.decode()
    panel = client.get("/lab/qc101/a/intro/panel/").content.decode()
    assert "no notebook to open" in panel and "Open in JupyterLab" not in panel


def test_lab_panel_student_sees_submit_staff_does_not(client, world, cast):  # type: ignore[no-untyped-def]
    # the panel's own layout with a reachable hub: render the template directly
    from django.template.loader import render_to_string

    from courses.selectors import course_access
    from sandbox.client import ServerStatus
    from sandbox.selectors import LabStatus
    from sandbox.views import _context

    for user, expect in ((cast.alice, True), (cast.teacher, False)):
        access = course_access(user=user, slug="qc101")
        html = render_to_string(
            "sandbox/_panel.html", _context(access, world.assignment, status=LabStatus(True, ServerStatus("ready")))
        )
        assert "Open in JupyterLab" in html and 'data-lab-state="ready"' in html
        assert ("Submit from lab" in html) is expect


def test_hub_setup_writes_private_secrets(db, settings, tmp_path):  # type: ignore[no-untyped-def]
    from django.core.management import call_command
    from oauth2_provider.models import Application

    settings.HUB_SECRETS_FILE = tmp_path / "hub" / "secrets.json"
    call_command("hub_setup", hub_url="http://127.0.0.1:8001")
    data = json.loads(settings.HUB_SECRETS_FILE.read_text())
    assert set(data) == {"client_secret", "service_token", "proxy_token"} and all(len(v) >= 32 for v in data.values())
    assert stat.S_IMODE(settings.HUB_SECRETS_FILE.stat().st_mode) == 0o600
    app = Application.objects.get(client_id="liangzhi-hub")
    assert app.redirect_uris == "http://127.0.0.1:8001/hub/oauth_callback"
    call_command("hub_setup")  # idempotent: same secrets
    assert json.loads(settings.HUB_SECRETS_FILE.read_text()) == data
