"""Every failure reaches the person: the submit panel when the server answers 500 or the network drops."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.dashboard.builders import cell, submission

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


@pytest.fixture(autouse=True)
def _no_hub(settings):  # type: ignore[no-untyped-def]
    settings.HUB_URL = "http://127.0.0.1:9"
    settings.HUB_API_URL = "http://127.0.0.1:9/hub/api"
    settings.HUB_API_TOKEN = "test-token-not-a-hub"


def _graded_page(world, cast, login_page):  # type: ignore[no-untyped-def]
    # an earlier attempt shows "Graded" with its score: the stale result a failure must not leave as current
    submission(
        activity=world.assignment,
        user=cast.alice,
        received_at=timezone.now() - timedelta(hours=1),
        cells=[cell("q1", "autograded_test", 10, 8, "passed")],
    )
    page = login_page(cast.alice)
    page.goto(page.url.rstrip("/") + "/courses/qc101/a/hw1/")
    page.wait_for_selector("[data-grading-panel] [data-testid=my-submissions] [data-status=graded]", timeout=60_000)
    page.set_input_files("[data-grading-panel] input[type=file]", files=[{"name": "hw1.ipynb", "mimeType": "application/json", "buffer": NOTEBOOK}])
    return page


@pytest.mark.parametrize("failure", ["server-500", "network-drop"])
def test_submit_panel_tells_the_student_and_marks_the_old_score(world, cast, login_page, output_dir, failure) -> None:  # type: ignore[no-untyped-def]
    page = _graded_page(world, cast, login_page)
    if failure == "server-500":
        page.route("**/grading/qc101/a/hw1/submit/", lambda route: route.fulfill(status=500, body="<h1>Server Error (500)</h1>", content_type="text/html"))
    else:
        page.route("**/grading/qc101/a/hw1/submit/", lambda route: route.abort("internetdisconnected"))
    page.click("[data-grading-panel] button[type=submit]")
    alert = page.locator("[data-testid=request-error]")
    alert.wait_for(timeout=60_000)
    text = alert.inner_text()
    if failure == "server-500":
        assert "error 500" in text and "not confirmed as received" in text
    else:
        assert "connection to the server was lost" in text and "not confirmed as received" in text
    assert alert.get_attribute("role") == "alert"
    old = page.locator("[data-testid=my-submissions]")
    assert old.get_attribute("data-stale") == "1"
    assert "Not current" in old.inner_text()
    assert page.locator("[data-testid=receipt]").count() == 0  # no receipt pretends it was received
    page.screenshot(path=str(output_dir / f"submit-{failure}.png"), full_page=True)

    # the network is back: a real submission clears the message and the stale mark
    page.unroute("**/grading/qc101/a/hw1/submit/")
    page.set_input_files("[data-grading-panel] input[type=file]", files=[{"name": "hw1.ipynb", "mimeType": "application/json", "buffer": NOTEBOOK}])
    page.click("[data-grading-panel] button[type=submit]")
    page.wait_for_selector("[data-grading-panel] [data-testid=submit-error], [data-grading-panel] [data-testid=receipt]", timeout=60_000)
    assert page.locator("[data-testid=request-error]").count() == 0
    stale = page.locator("[data-stale]")
    assert stale.count() == 0, [stale.nth(i).evaluate("e => e.outerHTML.slice(0, 300)") for i in range(stale.count())]


def test_submit_panel_messages_are_in_chinese(world, cast, login_page) -> None:  # type: ignore[no-untyped-def]
    page = _graded_page(world, cast, login_page)
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": page.url}])
    page.reload()
    page.wait_for_selector("[data-grading-panel] [data-testid=my-submissions]", timeout=60_000)
    page.set_input_files("[data-grading-panel] input[type=file]", files=[{"name": "hw1.ipynb", "mimeType": "application/json", "buffer": NOTEBOOK}])
    page.route("**/grading/qc101/a/hw1/submit/", lambda route: route.fulfill(status=503, body="busy"))
    page.click("[data-grading-panel] button[type=submit]")
    alert = page.locator("[data-testid=request-error]")
    alert.wait_for(timeout=60_000)
    assert "503" in alert.inner_text() and "服务器" in alert.inner_text()
