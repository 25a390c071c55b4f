"""In a real browser (Chromium): a district admin reads the district dashboard's charts, drills down to a
school and to a class's gradebook, where students are numbered (the district does not see names); the
school's own admin sees the same gradebook with names. Charts are plotly drawn offline from the site."""

from __future__ import annotations

import pytest

from tests.dashboard.test_district import _district

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _charts_rendered(page, ids: list[str]) -> None:  # type: ignore[no-untyped-def]
    for chart in ids:
        page.wait_for_selector(f'[data-plotly="fig-{chart}"] svg.main-svg .trace', state="attached", timeout=30000)
        assert page.locator(f'[data-plotly="fig-{chart}"] svg.main-svg .trace').count() > 0, chart


def test_district_drill_down_in_chromium(login_page, live_server, output_dir, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DASHBOARD_DISTRICT_SNAPSHOT_SECONDS = 0
    d = _district()
    north = d.schools["north"]
    page = login_page(d.admin)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith((live_server.url, "data:", "blob:")) else None,
    )
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/orgs/haidian/dashboard/")
    _charts_rendered(page, ["schools", "load", "courses"])
    assert "90%" in page.locator('#school-table tr[data-school="north"]').inner_text()
    page.screenshot(path=str(output_dir / "district-dashboard.png"), full_page=True)

    page.click('#school-table tr[data-school="north"] a')
    page.wait_for_url("**/orgs/north/dashboard/")
    _charts_rendered(page, ["classes", "offerings"])
    assert "Grade 11 Class 1" in page.locator("#class-table").inner_text()
    page.screenshot(path=str(output_dir / "district-school.png"), full_page=True)

    page.click(f'#class-table tr[data-class="{north.klass.pk}"] a')
    page.wait_for_selector("#gradebook")
    table = page.locator("#gradebook").inner_text()
    assert "Student 1" in table and "18/20" in table
    assert "Nina" not in page.content() and "north-nina" not in page.content()
    page.screenshot(path=str(output_dir / "district-class-gradebook.png"), full_page=True)

    school_admin = login_page(north.admin)
    school_admin.goto(f"{live_server.url}/orgs/north/classes/{north.klass.pk}/gradebook/")
    school_admin.wait_for_selector("#gradebook")
    assert "Nina" in school_admin.locator("#gradebook").inner_text()

    assert outside == []  # plotly.js came from the site: no CDN
    assert [e for e in errors if "favicon" not in e] == []
