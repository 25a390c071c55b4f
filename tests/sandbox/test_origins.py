"""The site's cookies never reach the hub or a student's server, in a real Chromium.

The site runs on 127.0.0.1 and the hub on localhost (as in ``make demo``). The browser logs
into the site, then requests a URL on the hub's public address that the real proxy routes to a
recording server standing in for a student's server (``/user/<name>/``): the recorder sees
every header the browser sent there. A control request to the same proxy under the site's host
name shows that the recorder would have seen the cookies.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from .recording import proxy_route, recording_server

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _cookie_header(seen) -> str:  # type: ignore[no-untyped-def]
    return seen.headers.get("cookie", "")


def test_site_cookies_do_not_reach_a_students_server(lab, login_page, live_server, cast, settings) -> None:  # type: ignore[no-untyped-def]
    assert urlsplit(lab.url).hostname == "localhost" and urlsplit(live_server.url).hostname == "127.0.0.1"
    settings.SITE_URL = live_server.url
    page = login_page(cast.alice)
    site_cookies = {c["name"]: c["value"] for c in page.context.cookies(live_server.url)}
    assert {"sessionid", "csrftoken"} <= set(site_cookies), site_cookies

    cast.alice.refresh_from_db()
    name = cast.alice.hub_name
    hub_port = urlsplit(lab.url).port
    with recording_server() as rec, proxy_route(lab, f"/user/{name}", rec.url):
        page.goto(f"{lab.url}/user/{name}/api/contents?probe=1")
        assert "recorded" in page.content() or "No such file" in page.content()
        # the same proxy, reached under the site's host name: the cookies would travel (control)
        page.goto(f"http://127.0.0.1:{hub_port}/user/{name}/api/contents?control=1")
    probe = [s for s in rec.seen if "probe=1" in s.path]
    control = [s for s in rec.seen if "control=1" in s.path]
    assert probe and control, rec.seen
    for seen in probe:
        header = _cookie_header(seen)
        assert site_cookies["sessionid"] not in header and "sessionid" not in header, header
        assert site_cookies["csrftoken"] not in header and "csrftoken" not in header, header
    assert site_cookies["sessionid"] in _cookie_header(control[0]), "control: the recorder sees cookies"


def test_the_site_is_not_served_under_the_hubs_host_name(lab, browser, live_server, cast, settings) -> None:  # type: ignore[no-untyped-def]
    """http://localhost:<site port> redirects to the site's own address before setting any cookie."""
    settings.SITE_URL = live_server.url
    port = urlsplit(live_server.url).port
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(f"http://localhost:{port}/accounts/login/")
        assert page.url.startswith(f"{live_server.url}/accounts/login/"), page.url
        assert ctx.cookies(f"http://localhost:{port}") == []
        assert any(c["name"] == "csrftoken" for c in ctx.cookies(live_server.url))
    finally:
        ctx.close()
