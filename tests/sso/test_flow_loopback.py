"""Signing in through a school's OpenID Connect provider, end to end, against a real provider.

The provider is a second instance of this site on loopback (tests/sso/conftest.py). The first
site is driven by Django's test client; the browser's part at the provider (login form with its
CSRF token, the authorization endpoint) is played by requests; every redirect is followed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from accounts.models import User
from orgs.enums import OrgKind, OrgRole
from orgs.models import Membership, Organisation
from sso.models import Identity, MatchBy, Provider
from sso.services import SESSION_KEY
from tests.factories import UserFactory
from tests.sso.conftest import IdP, idp_sign_in

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db]


@dataclass
class World:
    district: Organisation
    a: Organisation
    b: Organisation
    ann: User  # School A, S1001
    bea: User  # School B, S1001 too (same number, another school)
    ben: User  # School B, S1002
    provider: Provider


def _user(**fields: Any) -> User:
    return cast(User, UserFactory(**fields))


@pytest.fixture
def world(idp: IdP) -> World:
    district = Organisation.objects.create(kind=OrgKind.DISTRICT, slug="haidian", name="Haidian District")
    a = Organisation.objects.create(kind=OrgKind.SCHOOL, slug="school-a", name="School A", parent=district, username_prefix="a")
    b = Organisation.objects.create(kind=OrgKind.SCHOOL, slug="school-b", name="School B", parent=district, username_prefix="b")
    ann = _user(username="a-S1001", display_name="Ann of A", email="ann@school-a.example")
    bea = _user(username="b-S1001", display_name="Bea of B")
    ben = _user(username="b-S1002", display_name="Ben of B")
    Membership.objects.create(org=a, user=ann, role=OrgRole.STUDENT, student_number="S1001")
    Membership.objects.create(org=b, user=bea, role=OrgRole.STUDENT, student_number="S1001")
    Membership.objects.create(org=b, user=ben, role=OrgRole.STUDENT, student_number="S1002")
    provider = Provider.objects.create(
        org=a,
        issuer=idp.issuer,
        client_id=idp.client_id,
        client_secret=idp.client_secret,
        scopes="openid profile",
        match_by=MatchBy.STUDENT_NUMBER,
        claim="liangzhi_username",  # the site's own claim: the provider's user name, here the student number
        enabled=True,
    )
    return World(district, a, b, ann, bea, ben, provider)


def _start(client: Client, slug: str, next_url: str = "") -> str:
    response = client.get(f"/sso/{slug}/login/" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.content[:500]
    return str(response["Location"])


def _callback(client: Client, location: str):  # type: ignore[no-untyped-def]
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}")


def _signed_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_login_page_offers_the_schools_with_a_provider(client: Client, world: World) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with your school" in page
    assert 'href="/sso/school-a/login/"' in page
    assert "/sso/school-b/login/" not in page  # no provider of its own, none in its district yet


def test_sso_signs_in_the_imported_student_of_that_school(client: Client, idp: IdP, world: World) -> None:
    authorize = _start(client, "school-a", next_url="/courses/")
    assert authorize.startswith(f"{idp.issuer}/authorize/?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["state"] and query["nonce"]
    assert query["redirect_uri"] == ["http://testserver/sso/callback/"]

    back = idp_sign_in(authorize, username="S1001")
    response = _callback(client, back)

    assert response.status_code == 302 and response["Location"] == "/courses/"
    assert _signed_in_as(client) == str(world.ann.pk)
    assert "Ann of A" in client.get("/").content.decode()
    identity = Identity.objects.get(provider=world.provider)
    assert identity.user_id == world.ann.pk
    assert identity.subject and identity.last_login_at is not None
    # a replayed callback is refused: the state was used up
    replay = _callback(client, back)
    assert replay.status_code == 403
    assert 'data-reason="state"' in replay.content.decode()


def test_sso_second_sign_in_keeps_the_same_binding(client: Client, world: World) -> None:
    for _ in range(2):
        _callback(client, idp_sign_in(_start(client, "school-a"), username="S1001"))
        assert _signed_in_as(client) == str(world.ann.pk)
        client.post("/accounts/logout/")
    assert Identity.objects.filter(provider=world.provider).count() == 1


def test_sso_refuses_a_student_of_another_school_with_a_number_unknown_here(client: Client, world: World) -> None:
    """S1002 exists only at School B: signing in to School A must not find Ben."""
    response = _callback(client, idp_sign_in(_start(client, "school-a"), username="S1002"))
    page = response.content.decode()
    assert response.status_code == 403
    assert 'data-reason="no_match"' in page
    assert "No account of this school matches your school sign-in" in page
    assert _signed_in_as(client) is None
    assert not Identity.objects.exists()


def test_sso_refuses_someone_the_provider_knows_but_the_school_never_imported(client: Client, world: World) -> None:
    response = _callback(client, idp_sign_in(_start(client, "school-a"), username="S9999"))
    assert response.status_code == 403
    assert 'data-reason="no_match"' in response.content.decode()
    assert _signed_in_as(client) is None


def test_district_provider_matches_only_the_school_signed_in_to(client: Client, world: World) -> None:
    """Same student number at two schools of one district: /sso/school-b/ finds Bea, never Ann."""
    world.provider.org = world.district
    world.provider.save()
    page = client.get("/accounts/login/").content.decode()
    assert "/sso/school-a/login/" in page and "/sso/school-b/login/" in page

    _callback(client, idp_sign_in(_start(client, "school-b"), username="S1001"))
    assert _signed_in_as(client) == str(world.bea.pk)

    other = Client()
    refused = _callback(other, idp_sign_in(_start(other, "school-a"), username="S1001"))
    assert 'data-reason="identity_conflict"' in refused.content.decode()
    assert other.session.get("_auth_user_id") is None  # the subject is bound to Bea now, Ann is another account
    assert Identity.objects.get(provider=world.provider).user_id == world.bea.pk


def test_sso_refuses_a_wrong_state(client: Client, world: World) -> None:
    back = idp_sign_in(_start(client, "school-a"), username="S1001")
    forged = back.replace("state=", "state=x", 1)
    response = _callback(client, forged)
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-reason="state"' in page and "This sign-in has expired or was already used" in page
    assert _signed_in_as(client) is None


def test_sso_refuses_a_callback_in_another_browser(client: Client, world: World) -> None:
    """The code arrives in a browser that never started this sign-in (login CSRF)."""
    back = idp_sign_in(_start(client, "school-a"), username="S1001")
    victim = Client()
    response = _callback(victim, back)
    assert response.status_code == 403 and 'data-reason="state"' in response.content.decode()
    assert victim.session.get("_auth_user_id") is None


def test_sso_refuses_an_id_token_with_another_nonce(client: Client, world: World) -> None:
    back = idp_sign_in(_start(client, "school-a"), username="S1001")
    session = client.session
    flows = session[SESSION_KEY]
    (state,) = flows
    flows[state]["nonce"] = "not-the-nonce-sent"
    session[SESSION_KEY] = flows
    session.save()
    response = _callback(client, back)
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-reason="nonce"' in page and "failed its security checks" in page
    assert _signed_in_as(client) is None


def test_sso_refuses_an_archived_member(client: Client, world: World) -> None:
    Membership.objects.filter(user=world.ann).update(archived=True)
    response = _callback(client, idp_sign_in(_start(client, "school-a"), username="S1001"))
    assert response.status_code == 403 and 'data-reason="inactive"' in response.content.decode()
    assert _signed_in_as(client) is None


def test_sso_refuses_a_deactivated_account(client: Client, world: World) -> None:
    world.ann.is_active = False
    world.ann.save()
    response = _callback(client, idp_sign_in(_start(client, "school-a"), username="S1001"))
    assert response.status_code == 403 and 'data-reason="inactive"' in response.content.decode()


def test_sso_matches_by_email_when_configured(client: Client, world: World) -> None:
    """The site's provider sends no e-mail claim, so this configuration names liangzhi_username
    as the claim and the school's records hold that value as the e-mail: the lookup path is the e-mail one."""
    world.ann.email = "S1001"
    world.ann.save()
    Membership.objects.filter(user=world.ann).update(student_number="")
    world.provider.match_by = MatchBy.EMAIL
    world.provider.save()
    _callback(client, idp_sign_in(_start(client, "school-a"), username="S1001"))
    assert _signed_in_as(client) == str(world.ann.pk)


def test_local_password_still_works_beside_sso(client: Client, world: World) -> None:
    response = client.post("/accounts/login/", {"username": "b-S1002", "password": "pw-for-tests"})
    assert response.status_code == 302
    assert _signed_in_as(client) == str(world.ben.pk)


def test_school_without_a_provider_has_no_sso_login(client: Client, world: World) -> None:
    response = client.get("/sso/school-b/login/")
    assert response.status_code == 404
    world.provider.enabled = False
    world.provider.save()
    assert client.get("/sso/school-a/login/").status_code == 404
    assert "Sign in with your school" not in client.get("/accounts/login/").content.decode()


def test_school_admin_enables_the_provider_after_its_discovery_answers(client: Client, idp: IdP, world: World) -> None:
    admin = _user(username="a-admin")
    Membership.objects.create(org=world.b, user=admin, role=OrgRole.ADMIN)
    client.force_login(admin)
    data = {"issuer": idp.issuer + "/", "client_id": idp.client_id, "new_secret": idp.client_secret, "scopes": "openid profile", "match_by": "student_number", "claim": "liangzhi_username", "enabled": "on"}
    response = client.post("/sso/school-b/settings/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    provider = Provider.objects.get(org=world.b)
    assert provider.enabled and provider.issuer == idp.issuer and provider.client_secret == idp.client_secret
    client.post("/accounts/logout/")
    _callback(client, idp_sign_in(_start(client, "school-b"), username="S1002"))
    assert _signed_in_as(client) == str(world.ben.pk)
