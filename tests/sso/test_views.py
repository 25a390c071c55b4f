"""The provider settings page (/sso/<org>/settings/): who may see it, the write-only secret,
the discovery check on enabling; the login page's school picker."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.test import Client

from accounts.models import User
from orgs.enums import OrgKind, OrgRole
from orgs.models import Membership, Organisation
from sso.models import MatchBy, Provider
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = "s3cret-value-that-must-never-be-shown"


def _user(**fields: Any) -> User:
    return cast(User, UserFactory(**fields))


@pytest.fixture
def orgs() -> dict[str, Any]:
    district = Organisation.objects.create(kind=OrgKind.DISTRICT, slug="dist", name="District")
    a = Organisation.objects.create(kind=OrgKind.SCHOOL, slug="school-a", name="School A", parent=district, username_prefix="a")
    b = Organisation.objects.create(kind=OrgKind.SCHOOL, slug="school-b", name="School B", parent=district, username_prefix="b")
    people = {
        "site_admin": _user(username="root", is_superuser=True, is_staff=True),
        "district_admin": _user(username="d-admin"),
        "school_admin": _user(username="a-admin"),
        "teacher": _user(username="a-teacher"),
        "student": _user(username="a-student"),
        "other_admin": _user(username="b-admin"),
        "other_teacher": _user(username="b-teacher"),
        "outsider": _user(username="nobody"),
    }
    Membership.objects.create(org=district, user=people["district_admin"], role=OrgRole.ADMIN)
    Membership.objects.create(org=a, user=people["school_admin"], role=OrgRole.ADMIN)
    Membership.objects.create(org=a, user=people["teacher"], role=OrgRole.TEACHER)
    Membership.objects.create(org=a, user=people["student"], role=OrgRole.STUDENT, student_number="S1")
    Membership.objects.create(org=b, user=people["other_admin"], role=OrgRole.ADMIN)
    Membership.objects.create(org=b, user=people["other_teacher"], role=OrgRole.TEACHER)
    provider = Provider.objects.create(
        org=a, issuer="https://idp.a.example", client_id="lab", client_secret=SECRET, scopes="openid profile", claim="sn"
    )
    return {"district": district, "a": a, "b": b, "people": people, "provider": provider}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("site_admin", 200),
        ("district_admin", 200),
        ("school_admin", 200),
        ("teacher", 403),
        ("student", 403),
        ("other_admin", 404),
        ("other_teacher", 404),
        ("outsider", 404),
    ],
)
def test_settings_page_by_role(client: Client, orgs: dict[str, Any], who: str, status: int) -> None:
    client.force_login(orgs["people"][who])
    response = client.get("/sso/school-a/settings/")
    assert response.status_code == status
    page = response.content.decode()
    if status == 200:
        assert "https://idp.a.example" in page
        assert "http://testserver/sso/callback/" in page  # the redirect URI to register
        assert "A secret is saved." in page
        assert SECRET not in page
    else:
        assert "https://idp.a.example" not in page
    post = client.post("/sso/school-a/settings/", {"issuer": "https://evil.example", "client_id": "x", "scopes": "openid", "match_by": "email", "claim": "email"})
    if status != 200:
        assert post.status_code == status
        assert Provider.objects.get(pk=orgs["provider"].pk).issuer == "https://idp.a.example"


def test_settings_page_asks_anonymous_visitors_to_log_in(client: Client, orgs: dict[str, Any]) -> None:
    response = client.get("/sso/school-a/settings/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_settings_save_keeps_the_secret_when_left_empty_and_never_shows_it(client: Client, orgs: dict[str, Any]) -> None:
    admin = orgs["people"]["school_admin"]
    client.force_login(admin)
    data = {"issuer": "https://idp2.a.example/", "client_id": "lab2", "new_secret": "", "scopes": "profile openid email", "match_by": MatchBy.EMAIL, "claim": "email"}
    response = client.post("/sso/school-a/settings/", data)
    assert response.status_code == 302
    provider = Provider.objects.get(org=orgs["a"])
    assert (provider.issuer, provider.client_id, provider.client_secret) == ("https://idp2.a.example", "lab2", SECRET)
    assert provider.scopes == "openid profile email" and provider.updated_by == admin
    page = client.get("/sso/school-a/settings/").content.decode()
    assert "The sign-in settings are saved." in page
    assert SECRET not in page
    client.post("/sso/school-a/settings/", {**data, "new_secret": "rotated-secret"})
    assert Provider.objects.get(org=orgs["a"]).client_secret == "rotated-secret"
    assert "rotated-secret" not in client.get("/sso/school-a/settings/").content.decode()


def test_settings_refuses_to_enable_a_provider_whose_discovery_fails(client: Client, orgs: dict[str, Any]) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client.force_login(orgs["people"]["school_admin"])
    data = {"issuer": f"http://127.0.0.1:{port}/oauth", "client_id": "lab", "scopes": "openid", "match_by": "student_number", "claim": "sn", "enabled": "on"}
    response = client.post("/sso/school-a/settings/", data)
    assert response.status_code == 400
    assert "discovery document could not be read" in response.content.decode()
    assert not Provider.objects.get(org=orgs["a"]).enabled


def test_settings_refuses_bad_scopes_and_claims(client: Client, orgs: dict[str, Any]) -> None:
    client.force_login(orgs["people"]["school_admin"])
    data = {"issuer": "https://idp.a.example", "client_id": "lab", "scopes": 'openid "x"', "match_by": "student_number", "claim": "a claim"}
    page = client.post("/sso/school-a/settings/", data).content.decode()
    assert "Scopes are separated by spaces" in page
    assert "Enter the claim&#x27;s name" in page


def test_district_admin_configures_the_district_provider(client: Client, orgs: dict[str, Any]) -> None:
    client.force_login(orgs["people"]["district_admin"])
    response = client.get("/sso/dist/settings/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "/sso/school-a/login/" in page and "/sso/school-b/login/" in page
    assert client.post("/sso/dist/settings/", {"issuer": "https://idp.dist.example", "client_id": "lab", "scopes": "openid", "match_by": "student_number", "claim": "sn"}).status_code == 302
    assert Provider.objects.get(org=orgs["district"]).issuer == "https://idp.dist.example"
    client.force_login(orgs["people"]["school_admin"])
    assert client.get("/sso/dist/settings/").status_code == 404  # a school's admin is no member of the district


def test_login_page_folds_many_schools_by_district(client: Client, orgs: dict[str, Any]) -> None:
    """Links, never a form (a form's cross-origin redirect is blocked by the CSP's form-action)."""
    district = orgs["district"]
    for i in range(7):
        Organisation.objects.create(kind=OrgKind.SCHOOL, slug=f"s{i}", name=f"School {i}", parent=district, username_prefix=f"s{i}")
    lone = Organisation.objects.create(kind=OrgKind.SCHOOL, slug="lone", name="Lone School", username_prefix="lone")
    Provider.objects.create(org=district, issuer="https://idp.dist.example", client_id="lab", enabled=True)
    Provider.objects.create(org=lone, issuer="https://idp.lone.example", client_id="lab", enabled=True)
    page = client.get("/accounts/login/?next=/courses/").content.decode()
    section = page[page.index('class="sso-choices"') :]
    assert "<form" not in section.split("</section>")[0]
    assert "<details><summary>District</summary>" in section and "<details><summary>Other schools</summary>" in section
    assert section.count('href="/sso/') == 10  # 9 schools of the district, the lone school
    assert 'href="/sso/s3/login/?next=/courses/"' in section
    evil = client.get("/accounts/login/?next=https://evil.example/").content.decode()
    assert "evil.example" not in evil[evil.index('class="sso-choices"') :]


def test_login_page_translated(client: Client, orgs: dict[str, Any]) -> None:
    Provider.objects.filter(org=orgs["a"]).update(enabled=True)
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "使用学校账号登录" in page
