"""A participant in a real browser: upload a decoder, watch it scored and the live leaderboard update."""

from __future__ import annotations

import pytest

from tests.competitions.conftest import PYMATCHING_DECODER

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_submit_a_decoder_and_watch_the_leaderboard_update(
    login_page, live_server, cup, cast, settings, tmp_path, output_dir
):  # type: ignore[no-untyped-def]
    settings.COMPETITIONS_LEADERBOARD_POLL_SECONDS = 1
    decoder = tmp_path / "my_decoder.py"
    decoder.write_bytes(PYMATCHING_DECODER)
    page = login_page(cast.alice)
    outside: list[str] = []
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((live_server.url, "data:")) else None)
    page.goto(f"{live_server.url}/competitions/{cup.slug}/")
    page.wait_for_selector("#leaderboard table")
    assert page.locator("#leaderboard").inner_text().count("Alice") == 0
    assert "PyMatching (baseline)" in page.locator("#leaderboard").inner_text()
    page.wait_for_selector(".js-plotly-plot")  # the score-over-time chart rendered by the vendored plotly.js
    page.set_input_files("#cmp-file", str(decoder))
    page.click("#submit-form button[type=submit]")
    # The submission list (htmx) shows it; the board polls and picks it up without a reload.
    page.wait_for_selector("#mine-list tr[data-status=graded]", timeout=60_000)
    page.wait_for_selector("#leaderboard tr.cmp-you", timeout=15_000)
    assert "Alice" in page.locator("#leaderboard").inner_text()
    assert "4 of 5 submissions left" in page.locator("#quota-line").inner_text()  # updated out of band
    row = page.locator("#leaderboard tr.cmp-you")
    assert "1.0000" in row.inner_text()  # PyMatching submitted: ratio to matching exactly 1
    page.screenshot(path=str(output_dir / "competition-leaderboard.png"), full_page=True)
    # No reload happened: the page's navigation count is still one.
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    # Over the daily limit: the refusal and the next allowed time appear beside the form.
    from competitions.models import Phase

    Phase.objects.filter(pk=cup.phases.get(slug="development").pk).update(daily_limit=1)
    page.set_input_files("#cmp-file", str(decoder))
    page.click("#submit-form button[type=submit]")
    try:
        page.wait_for_selector("#submit-error .cmp-refused", timeout=10_000)
    except Exception:
        print(console)
        print(page.content()[-3000:])
        raise
    assert "Next submission allowed at" in page.locator("#submit-error").inner_text()
    page.screenshot(path=str(output_dir / "competition-over-quota.png"))
    # The submission's own page: per-task rates with their intervals.
    page.click("#mine-list a")
    page.wait_for_selector("text=Per task (public shots)")
    assert page.locator("table tbody tr").count() == 6
    page.screenshot(path=str(output_dir / "competition-submission.png"), full_page=True)
    assert outside == []


def test_competition_page_fits_a_phone_in_chinese(login_page, live_server, cup, cast, output_dir):  # type: ignore[no-untyped-def]
    page = login_page(cast.alice, viewport={"width": 390, "height": 844})
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page.goto(f"{live_server.url}/competitions/{cup.slug}/")
    page.wait_for_selector("#leaderboard table")
    assert "排行榜" in page.content() and "解码器杯" in page.content()
    page.screenshot(path=str(output_dir / "competition-phone-zh.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling
