"""School sign-in in a real browser (headless Chromium): the login page's school link, the school's
provider's login form (a second instance of this site on loopback), and back, signed in as the
imported student; in Chinese, an unknown student reads the refusal."""

from __future__ import annotations

from typing import Any, cast

import pytest

from accounts.models import User
from orgs.enums import OrgKind, OrgRole
from orgs.models import Membership, Organisation
from sso.models import MatchBy, Provider
from tests.factories import UserFactory
from tests.sso.conftest import IDP_PASSWORD, IdP

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def school(idp_for_browser: IdP) -> Organisation:
    a = Organisation.objects.create(kind=OrgKind.SCHOOL, slug="school-a", name="School A", name_zh="甲中学", username_prefix="a")
    ann = cast(User, UserFactory(username="a-S1001", display_name="Ann of A"))
    Membership.objects.create(org=a, user=ann, role=OrgRole.STUDENT, student_number="S1001")
    Provider.objects.create(
        org=a,
        issuer=idp_for_browser.issuer,
        client_id=idp_for_browser.client_id,
        client_secret=idp_for_browser.client_secret,
        scopes="openid profile",
        match_by=MatchBy.STUDENT_NUMBER,
        claim="liangzhi_username",
        enabled=True,
    )
    return a


def _context(browser: Any) -> Any:
    ctx = browser.new_context(viewport={"width": 1280, "height": 860})
    ctx.set_default_timeout(120_000)
    ctx.set_default_navigation_timeout(120_000)
    return ctx


def test_student_signs_in_with_the_school_account(browser: Any, live_server: Any, idp_for_browser: IdP, school: Organisation, output_dir: Any) -> None:
    ctx = _context(browser)
    try:
        page = ctx.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        assert "Sign in with your school" in page.inner_text(".sso-choices")
        page.click(".sso-choices a:has-text('School A')")
        page.wait_for_url(f"{idp_for_browser.base}/accounts/login/**")  # the school's provider asks
        page.fill("input[name=username]", "S1001")
        page.fill("input[name=password]", IDP_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        assert "Ann of A" in page.content()
        page.screenshot(path=str(output_dir / "sso-signed-in.png"))
    finally:
        ctx.close()


def test_unknown_student_reads_the_refusal_in_chinese(browser: Any, live_server: Any, idp_for_browser: IdP, school: Organisation) -> None:
    ctx = _context(browser)
    try:
        page = ctx.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.click("button[name=language][value=zh-hans]")
        page.wait_for_selector("html[lang=zh-hans]")
        assert "使用学校账号登录" in page.inner_text(".sso-choices")
        page.click(".sso-choices a:has-text('甲中学')")
        page.wait_for_url(f"{idp_for_browser.base}/accounts/login/**")
        page.fill("input[name=username]", "S9999")  # known to the provider, never imported by the school
        page.fill("input[name=password]", IDP_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#sso-refused")
        text = page.inner_text("#sso-refused")
        assert "学校账号登录被拒绝" in text and "本校没有与你的学校登录身份相匹配的账号" in text
        assert page.locator("#sso-refused").get_attribute("data-reason") == "no_match"
        page.goto(f"{live_server.url}/")
        assert "/accounts/login/" in page.url  # not signed in
    finally:
        ctx.close()
