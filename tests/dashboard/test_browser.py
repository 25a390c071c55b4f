"""The dashboard in a real headless Chromium: charts render (an svg, not an empty div), offline."""

from __future__ import annotations

import pytest

from tests.dashboard.test_queries import _add_students

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _charts_rendered(page, ids: list[str]) -> None:  # type: ignore[no-untyped-def]
    for chart in ids:
        # plotted marks inside plotly's svg, not an empty div or an empty frame
        page.wait_for_selector(f'[data-plotly="fig-{chart}"] svg.main-svg .trace', timeout=15000)
        assert page.locator(f'[data-plotly="fig-{chart}"] svg.main-svg .trace').count() > 0, chart


def test_dashboard_gradebook_and_progress_render_in_chromium(graded, login_page, live_server, output_dir) -> None:  # type: ignore[no-untyped-def]
    from grading.services import scores_release

    _add_students(graded, 12, 0)
    scores_release(activity=graded.hw0, release=True, by=graded.cast.teacher)
    page = login_page(graded.cast.teacher)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith((live_server.url, "data:", "blob:")) else None,
    )
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/courses/qc101/dashboard/?activity=hw0")
    _charts_rendered(page, ["weekly", "rates", "histogram", "timeline", "questions"])
    assert page.locator("#at-risk").inner_text().count("missing 1 past-due") >= 1
    page.screenshot(path=str(output_dir / "dashboard-course.png"), full_page=True)

    page.goto(f"{live_server.url}/courses/qc101/gradebook/")
    page.wait_for_selector("#gradebook")
    assert page.locator("#gradebook tbody tr").count() == 15
    page.select_option("select[name=flag]", "missing")
    page.click("#gb-filters button")
    page.wait_for_url("**flag=missing**")
    assert page.locator("#gradebook tbody tr").count() == 1  # charlie
    page.goto(f"{live_server.url}/courses/qc101/gradebook/")
    page.screenshot(path=str(output_dir / "dashboard-gradebook.png"), full_page=True)

    student = login_page(graded.cast.alice)
    student.goto(f"{live_server.url}/courses/qc101/progress/")
    _charts_rendered(student, ["mastery"])
    assert "100%" in (student.locator("#mastery-table").text_content() or "")  # the table view, folded
    student.screenshot(path=str(output_dir / "dashboard-progress.png"), full_page=True)

    assert outside == []  # plotly.js came from the site: no CDN
    assert [e for e in errors if "favicon" not in e] == []


def test_dashboard_on_a_phone_does_not_scroll_sideways(graded, login_page, live_server, output_dir) -> None:  # type: ignore[no-untyped-def]
    page = login_page(graded.cast.teacher, viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/courses/qc101/dashboard/?activity=hw0")
    page.wait_for_selector('[data-plotly="fig-histogram"] svg.main-svg', timeout=15000)
    page.screenshot(path=str(output_dir / "dashboard-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
