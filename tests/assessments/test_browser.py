"""Chromium: a Bell pair built with the composer (drag and drop, and keyboard), graded in the sandbox;
an exam that survives a reload and a dropped connection, then is closed by the server at its deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LEFT, TOP, CELL = 40, 14, 44  # composer.js geometry


def _cell(step: int, qubit: int) -> dict[str, float]:
    return {"x": LEFT + step * CELL + CELL / 2, "y": TOP + qubit * CELL + CELL / 2}


def _start(page, base: str, slug: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/quiz/quizcourse/{slug}/")
    page.click("[data-testid=start]")
    page.wait_for_selector("[data-testid=question]", timeout=60_000)


def _wait_saved(page) -> None:  # type: ignore[no-untyped-def]
    try:
        page.wait_for_selector("#quiz[data-unsent='0']", state="attached", timeout=60_000)
    except Exception as exc:
        # Say what the page showed (its unsent/closed state and status line), so a failure explains itself.
        state = page.evaluate(
            "() => { const q = document.querySelector('#quiz'); "
            "return q ? {data: Object.assign({}, q.dataset), text: q.innerText.slice(0, 400)} : null; }"
        )
        raise AssertionError(f"answers not saved within 60 s; the page: {state}") from exc


def test_bell_pair_with_the_composer_by_drag_and_by_keyboard(
    quiz_course, cast, login_page, live_server, output_dir
) -> None:  # type: ignore[no-untyped-def]
    from assessments.models import Answer

    # drag and drop (alice)
    page = login_page(cast.alice)
    _start(page, live_server.url, "circ")
    grid = page.locator("lz-circuit svg")
    page.locator(".lz-gate[data-gate=h]").drag_to(grid, target_position=_cell(0, 0))
    page.locator(".lz-gate[data-gate=cx]").drag_to(grid, target_position=_cell(1, 0))
    page.wait_for_selector("lz-circuit[data-ops='2']", timeout=30_000)
    _wait_saved(page)
    saved = Answer.objects.get(attempt__user=cast.alice, key="bell.c").value
    assert [op["gate"] for op in saved["ops"]] == ["h", "cx"] and saved["ops"][1]["targets"] == [1]
    page.screenshot(path=str(output_dir / "quiz-composer-drag.png"), full_page=True)
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=score]", timeout=240_000)
    assert "2" in page.inner_text("[data-testid=score]")
    assert "target state" in page.inner_text("[data-testid=feedback]")

    # keyboard only (bob), on a phone-sized screen
    page = login_page(cast.bob, viewport={"width": 390, "height": 844})
    _start(page, live_server.url, "circ")
    page.focus("lz-circuit svg")
    page.keyboard.press("h")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("c")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("x")
    page.keyboard.press("Delete")  # a slip, removed again
    page.wait_for_selector("lz-circuit[data-ops='2']", timeout=30_000)
    _wait_saved(page)
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=score]", timeout=240_000)
    assert "2" in page.inner_text("[data-testid=score]")
    page.screenshot(path=str(output_dir / "quiz-composer-keyboard-phone.png"), full_page=True)


def test_exam_survives_reload_and_network_drop_then_server_closes_it(
    quiz_course, cast, login_page, live_server, output_dir
) -> None:  # type: ignore[no-untyped-def]
    from assessments.models import Answer, Attempt

    page = login_page(cast.alice)
    _start(page, live_server.url, "ex")
    assert page.locator("[data-testid=timer]").count() == 1
    field = "input[name='angle.t']"
    page.fill(field, "0.25")
    _wait_saved(page)
    page.reload()
    assert page.input_value(field) == "0.25"  # from the server

    # the math keys type what a phone keyboard lacks
    keys = "[data-key='expr.e'] .quiz-mathkeys"
    page.click(f"{keys} button[data-insert='cos(']")
    page.keyboard.type("2*")
    page.click(f"{keys} button[data-insert='x']")
    page.click(f"{keys} button[data-insert=')']")
    assert page.input_value("input[name='expr.e']") == "cos(2*x)"
    page.wait_for_selector("#quiz[data-unsent='0']", state="attached", timeout=60_000)
    for _ in range(60):
        if Answer.objects.filter(attempt__user=cast.alice, key="expr.e", value="cos(2*x)").exists():
            break
        page.wait_for_timeout(500)
    assert Answer.objects.get(attempt__user=cast.alice, key="expr.e").value == "cos(2*x)"

    # the network drops: the answer stays on the device and is sent when it returns
    page.route("**/save/", lambda route: route.abort())
    page.fill(field, "0.5")
    page.wait_for_selector("#quiz[data-unsent='1']", state="attached", timeout=60_000)
    page.reload()  # still offline for saves
    assert page.input_value(field) == "0.5"  # put back from localStorage
    assert Answer.objects.get(attempt__user=cast.alice, key="angle.t").value == "0.25"
    page.unroute("**/save/")
    _wait_saved(page)
    assert Answer.objects.get(attempt__user=cast.alice, key="angle.t").value == "0.5"

    # the deadline passes (the attempt moved to have started 31 minutes ago: no waiting on a clock)
    Attempt.objects.filter(user=cast.alice).update(started_at=timezone.now() - timedelta(minutes=31))
    page.fill(field, "0.75")
    page.wait_for_selector("#quiz[data-closed='1']", timeout=240_000)
    assert Answer.objects.get(attempt__user=cast.alice, key="angle.t").value == "0.5"
    page.reload()
    page.wait_for_selector("[data-testid=closed-by]", timeout=60_000)
    assert "time limit" in page.inner_text("[data-testid=closed-by]")
    assert page.locator("[data-testid=submit]").count() == 0
    page.screenshot(path=str(output_dir / "quiz-exam-closed.png"), full_page=True)
