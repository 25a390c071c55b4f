"""A district's competition in a real browser (Chromium): a student registers for her school, waits
through a synchronised start's countdown (the server's clock: the page reloads at zero and the submit
form appears), reads the schools ranking and filters the leaderboard by school."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from competitions.enums import SchoolRanking
from tests.competitions.test_schools import make_competition, make_district, scored

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_student_registers_waits_for_the_synchronised_start_and_reads_the_schools_ranking(login_page, live_server):  # type: ignore[no-untyped-def]
    d = make_district()
    phase = make_competition(
        org=d.north, synchronised=True, school_ranking=SchoolRanking.TOPK_MEAN, school_ranking_k=2,
        starts=timedelta(seconds=45), ends=timedelta(hours=1),
    )  # fmt: skip
    scored(phase, d.ann, 0.8, minutes=1)
    scored(phase, d.abe, 3.0, minutes=2)  # School A: mean 1.9
    scored(phase, d.ben, 1.0, minutes=3)  # School B: 1.0 on the one entry it has
    page = login_page(d.amy)
    page.goto(f"{live_server.url}/competitions/{phase.competition.slug}/")

    countdown = page.locator("[data-testid=countdown]")
    assert "Opens for everyone in" in countdown.inner_text()
    assert page.locator("input[name=file]").count() == 0
    page.click("#registration-card button[type=submit]")
    page.wait_for_selector("[data-testid=registered]")
    assert "Your entries count for School A. Grade 11." in page.inner_text("[data-testid=registered]")

    # The schools ranking: B's single 1.0 beats A's mean of 1.9 (lower is better).
    schools = page.locator("#schools-board tbody tr")
    assert schools.count() == 2
    assert schools.nth(0).get_attribute("data-school") == str(d.b.pk)
    assert "School B" in schools.nth(0).inner_text() and "1.9000" in schools.nth(1).inner_text()

    # The countdown ticks, and at zero the page reloads into the open phase.
    left = int(page.locator("[data-testid=countdown]").get_attribute("data-left") or "0")
    assert left > 0
    page.wait_for_function(
        f"() => parseInt(document.querySelector('[data-testid=countdown]').getAttribute('data-left')) < {left}"
    )
    page.wait_for_selector("input[name=file]", timeout=180_000)
    assert "Closes for everyone in" in page.inner_text("[data-testid=countdown]")

    # Filter the leaderboard by school.
    page.select_option("#cmp-school", str(d.b.pk))
    page.click(".cmp-school-filter button")
    page.wait_for_url(re.compile(rf"school={d.b.pk}"))
    board = page.inner_text("#leaderboard")
    assert "Ben" in board and "Ann" not in board
