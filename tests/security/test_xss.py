"""No user-controlled string breaks out of a page's JSON or HTML, in a real Chromium.

Course and activity titles, concept names, display names, team names and competition titles
carry ``</script>`` / ``<!--`` / ``&`` / quotes / U+2028 payloads into every chart and page
that shows them. The browser context bypasses the Content-Security-Policy on purpose: the
site's CSP would stop an injected ``onerror`` from running, and this test must see the
escaping itself hold, not the second line of defence.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.dashboard.conftest import _no_hub, graded  # noqa: F401 -- fixtures used below

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

P = {
    "script": "</script><img src=x onerror=window.__xss=1>",
    "comment": "<!--<script></script><img src=x onerror=window.__xss=2>",
    "amp": "&lt;/script&gt; & \"dq\" 'sq' <img src=x onerror=window.__xss=3>",
    "ls": "\u2028\u2029</script><svg onload=window.__xss=4>",
}

INJECTED = "img[src='x'], svg[onload], [onerror], [onload]"


@pytest.fixture
def hostile(graded):  # type: ignore[no-untyped-def]  # noqa: F811
    """The dashboard's graded course, a competition with a team, every name a payload."""
    from django.utils import timezone

    from competitions.definitions_loader import DEFINITIONS, load_definition
    from competitions.models import Submission, SubmissionStatus, Team, TeamMembership
    from grading.services import scores_release

    world, cast = graded.world, graded.cast
    world.course.title = P["script"]
    world.course.title_zh = P["script"]
    world.course.save()
    graded.hw0.title = P["comment"]
    graded.hw0.concepts = [P["ls"], "measurement"]
    graded.hw0.save()
    graded.hw1.title = P["script"]
    graded.hw1.save()
    cast.alice.display_name = P["amp"]
    cast.alice.save()
    cast.bob.display_name = P["script"]
    cast.bob.save()
    scores_release(activity=graded.hw0, release=True, by=cast.teacher)

    cup = load_definition(DEFINITIONS / "decoder-cup", scale=0.002, course_slug="qc101")
    cup.title = P["ls"]
    cup.title_zh = P["ls"]
    cup.save()
    team = Team.objects.create(competition=cup, name=P["comment"], created_by=cast.bob)
    TeamMembership.objects.create(competition=cup, team=team, user=cast.bob)
    dev = cup.phases.get(slug="development")
    now = timezone.now()
    for i, (user, participant, score) in enumerate(
        [(cast.alice, f"u{cast.alice.pk}", 0.1), (cast.bob, f"t{team.pk}", 0.2)]
    ):
        Submission.objects.create(
            phase=dev,
            user=user,
            team=team if participant.startswith("t") else None,
            participant=participant,
            received_at=now - timedelta(minutes=10 - i),
            kind=dev.submission_kind,
            status=SubmissionStatus.GRADED,
            public_score=score,
            public_tiebreak=1.0,
        )
    return graded, cup


def _open(browser, live_server, user):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(bypass_csp=True)
    page = ctx.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw-for-tests")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return ctx, page


def _clean(page, where: str) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("typeof window.__xss") == "undefined", where
    assert page.locator(INJECTED).count() == 0, f"{where}: an injected element is in the DOM"


def _charts(page, ids: list[str]) -> None:  # type: ignore[no-untyped-def]
    for source in ids:
        page.wait_for_selector(f'[data-plotly="{source}"] svg.main-svg', timeout=30000)


def _json(page, element_id: str):  # type: ignore[no-untyped-def]
    return page.evaluate(f"JSON.parse(document.getElementById({element_id!r}).textContent)")


def test_the_detector_sees_an_injection(browser, live_server, cast) -> None:  # type: ignore[no-untyped-def]
    """Control: with the CSP bypassed, injected markup does run and is found."""
    ctx, page = _open(browser, live_server, cast.alice)
    try:
        page.evaluate("html => document.body.insertAdjacentHTML('beforeend', html)", P["script"])
        page.wait_for_function("window.__xss === 1", timeout=10000)
        assert page.locator(INJECTED).count() == 1
    finally:
        ctx.close()


def test_payloads_stay_text_in_every_chart_and_page(hostile, browser, live_server) -> None:  # type: ignore[no-untyped-def]
    graded_world, cup = hostile
    cast = graded_world.cast
    site = live_server.url
    ctx, page = _open(browser, live_server, cast.teacher)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{site}/")
        _clean(page, "home")
        assert P["script"] in page.inner_text("body")  # the course title, as text

        page.goto(f"{site}/courses/qc101/dashboard/?activity=hw0")
        _clean(page, "course dashboard, as loaded")
        _charts(page, ["fig-weekly", "fig-rates", "fig-histogram", "fig-timeline"])
        _clean(page, "course dashboard")
        rates = _json(page, "fig-rates")
        assert P["comment"] in json.dumps(rates, ensure_ascii=False), "the activity title reached the chart intact"
        assert P["script"] in page.inner_text("body")

        page.goto(f"{site}/courses/qc101/gradebook/")
        page.wait_for_selector("#gradebook")
        _clean(page, "gradebook")
        body = page.inner_text("body")
        assert P["amp"] in body and P["script"] in body  # display names, literally

        page.goto(f"{site}/competitions/")
        _clean(page, "competition list")
        page.goto(f"{site}/competitions/{cup.slug}/")
        _clean(page, "competition home, as loaded")
        _charts(page, ["cmp-chart"])
        _clean(page, "competition home")
        names = {trace.get("name") for trace in _json(page, "cmp-chart")["data"]}
        assert P["comment"] in names and P["amp"] in names, names  # team and display name, intact
        board = page.inner_text("#leaderboard")
        assert P["comment"] in board and P["amp"] in board
        # plotly drew the legend from the same strings, as SVG text
        legend = page.locator('[data-plotly="cmp-chart"] .legendtext').all_text_contents()
        assert any("<img src=x onerror=window.__xss=2>" in t for t in legend), legend
        page.wait_for_timeout(500)  # any image error handler would have fired by now
        _clean(page, "competition home, after drawing")
    finally:
        ctx.close()

    ctx, student = _open(browser, live_server, cast.alice)
    student.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        student.goto(f"{site}/courses/qc101/progress/")
        _clean(student, "progress, as loaded")
        _charts(student, ["fig-mastery"])
        _clean(student, "progress")
        mastery = _json(student, "fig-mastery")
        assert P["ls"] in json.dumps(mastery, ensure_ascii=False), "the concept name reached the chart intact"
        student.goto(f"{site}/competitions/{cup.slug}/")
        _charts(student, ["cmp-chart"])
        _clean(student, "competition home (student)")
    finally:
        ctx.close()
    assert errors == []
