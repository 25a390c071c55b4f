"""Matching a verified identity to an account (sso.services), the identity binding, discovery checks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest
from django.contrib.sessions.backends.db import SessionStore

from accounts.models import User
from orgs.enums import OrgKind, OrgRole
from orgs.models import Membership, Organisation
from sso import oidc
from sso.models import Identity, MatchBy, Provider
from sso.services import SESSION_KEY, SSOError, account_match, identity_bind, login_complete
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _user(**fields: Any) -> User:
    return cast(User, UserFactory(**fields))


@pytest.fixture
def school() -> Organisation:
    return Organisation.objects.create(kind=OrgKind.SCHOOL, slug="school-a", name="School A", username_prefix="a")


@pytest.fixture
def provider(school: Organisation) -> Provider:
    return Provider.objects.create(org=school, issuer="https://idp.example", client_id="lab", claim="student_number", enabled=True)


def _member(school: Organisation, username: str, number: str = "", **user: Any) -> User:
    person = _user(username=username, **user)
    Membership.objects.create(org=school, user=person, role=OrgRole.STUDENT, student_number=number)
    return person


def _refusal(provider: Provider, school: Organisation, claims: dict[str, Any]) -> str:
    with pytest.raises(SSOError) as caught:
        account_match(provider=provider, school=school, claims=claims)
    return caught.value.code


def test_match_by_student_number_including_a_numeric_claim(provider: Provider, school: Organisation) -> None:
    ann = _member(school, "a-20230001", "20230001")
    assert account_match(provider=provider, school=school, claims={"sub": "1", "student_number": " 20230001 "}) == ann
    assert account_match(provider=provider, school=school, claims={"sub": "1", "student_number": 20230001}) == ann


def test_match_refuses_a_missing_or_empty_claim(provider: Provider, school: Organisation) -> None:
    _member(school, "a-1", "1")
    assert _refusal(provider, school, {"sub": "1"}) == "no_claim"
    assert _refusal(provider, school, {"sub": "1", "student_number": "  "}) == "no_claim"
    assert _refusal(provider, school, {"sub": "1", "student_number": True}) == "no_claim"


def test_match_never_finds_a_member_of_another_school(provider: Provider, school: Organisation) -> None:
    other = Organisation.objects.create(kind=OrgKind.SCHOOL, slug="school-b", name="School B", username_prefix="b")
    _member(other, "b-7", "7")
    assert _refusal(provider, school, {"sub": "1", "student_number": "7"}) == "no_match"


def test_match_by_email_is_case_insensitive_and_refuses_unverified_or_ambiguous(provider: Provider, school: Organisation) -> None:
    provider.match_by, provider.claim = MatchBy.EMAIL, "email"
    ann = _member(school, "a-ann", email="Ann@School.example")
    assert account_match(provider=provider, school=school, claims={"sub": "1", "email": "ann@school.example"}) == ann
    assert _refusal(provider, school, {"sub": "1", "email": "ann@school.example", "email_verified": False}) == "email_unverified"
    _member(school, "a-ann2", email="ann@school.example")
    assert _refusal(provider, school, {"sub": "1", "email": "ann@school.example"}) == "ambiguous"


def test_match_refuses_site_admins_and_people_of_other_organisations(provider: Provider, school: Organisation) -> None:
    _member(school, "a-root", "1", is_superuser=True)
    assert _refusal(provider, school, {"sub": "1", "student_number": "1"}) == "privileged"
    teacher = _member(school, "a-t", "T2")
    other = Organisation.objects.create(kind=OrgKind.SCHOOL, slug="school-b", name="School B", username_prefix="b")
    Membership.objects.create(org=other, user=teacher, role=OrgRole.TEACHER)
    assert _refusal(provider, school, {"sub": "2", "student_number": "T2"}) == "privileged"
    Membership.objects.filter(org=other, user=teacher).update(archived=True)  # left that school
    assert account_match(provider=provider, school=school, claims={"sub": "2", "student_number": "T2"}) == teacher


def test_bind_refuses_a_subject_of_another_account_and_an_account_of_another_subject(provider: Provider, school: Organisation) -> None:
    ann = _member(school, "a-1", "1")
    bob = _member(school, "a-2", "2")
    identity_bind(provider=provider, subject="sub-ann", user=ann)
    with pytest.raises(SSOError) as caught:
        identity_bind(provider=provider, subject="sub-ann", user=bob)
    assert caught.value.code == "identity_conflict"
    with pytest.raises(SSOError) as caught:
        identity_bind(provider=provider, subject="sub-new", user=ann)
    assert caught.value.code == "identity_conflict"
    assert list(Identity.objects.values_list("subject", "user_id")) == [("sub-ann", ann.pk)]


def test_bind_withdraws_a_pending_one_time_password(provider: Provider, school: Organisation) -> None:
    ann = _member(school, "a-1", "1")
    ann.set_password("slip-0001")
    ann.must_change_password = True
    ann.save()
    identity_bind(provider=provider, subject="s", user=ann)
    ann.refresh_from_db()
    assert not ann.must_change_password
    assert not ann.has_usable_password() and not ann.check_password("slip-0001")


def test_complete_refuses_an_unknown_state_and_a_provider_error(provider: Provider, school: Organisation) -> None:
    session = SessionStore()
    with pytest.raises(SSOError) as caught:
        login_complete(session=session, params={"state": "nope", "code": "c"})
    assert caught.value.code == "state"
    import time

    session[SESSION_KEY] = {"st": {"t": time.time(), "school": school.pk, "provider": provider.pk, "issuer": "https://idp.example", "nonce": "n", "verifier": "v", "redirect_uri": "r", "next": ""}}
    with pytest.raises(SSOError) as caught:
        login_complete(session=session, params={"state": "st", "error": "access_denied"})
    assert caught.value.code == "provider_error"
    assert session[SESSION_KEY] == {}  # used up


def test_complete_refuses_an_expired_flow(provider: Provider, school: Organisation) -> None:
    session = SessionStore()
    session[SESSION_KEY] = {"st": {"t": 0, "school": school.pk, "provider": provider.pk, "issuer": "i", "nonce": "n", "verifier": "v", "redirect_uri": "r", "next": ""}}
    with pytest.raises(SSOError) as caught:
        login_complete(session=session, params={"state": "st", "code": "c"})
    assert caught.value.code == "state"


def test_complete_refuses_a_response_naming_another_issuer(provider: Provider, school: Organisation) -> None:
    """RFC 9207 mix-up defence: the callback's iss parameter must be the provider asked."""
    import time

    session = SessionStore()
    session[SESSION_KEY] = {"st": {"t": time.time(), "school": school.pk, "provider": provider.pk, "issuer": "https://idp.example", "nonce": "n", "verifier": "v", "redirect_uri": "r", "next": ""}}
    with pytest.raises(SSOError) as caught:
        login_complete(session=session, params={"state": "st", "code": "c", "iss": "https://evil.example"})
    assert caught.value.code == "issuer"


class _Discovery(BaseHTTPRequestHandler):
    document: dict[str, Any] = {}

    def do_GET(self) -> None:
        body = json.dumps(self.document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def discovery_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Discovery)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_discovery_refuses_a_document_of_another_issuer(discovery_server: str) -> None:
    _Discovery.document = {
        "issuer": "https://someone-else.example",
        "authorization_endpoint": f"{discovery_server}/a",
        "token_endpoint": f"{discovery_server}/t",
        "jwks_uri": f"{discovery_server}/k",
    }
    with pytest.raises(oidc.OIDCError) as caught:
        oidc.discover(issuer=discovery_server, allow_http=True)
    assert caught.value.code == "discovery" and "someone-else" in caught.value.detail


def test_discovery_insists_on_https_unless_allowed(discovery_server: str) -> None:
    _Discovery.document = {
        "issuer": discovery_server,
        "authorization_endpoint": f"{discovery_server}/a",
        "token_endpoint": f"{discovery_server}/t",
        "jwks_uri": f"{discovery_server}/k",
    }
    assert oidc.discover(issuer=discovery_server + "/", allow_http=True).token_endpoint == f"{discovery_server}/t"
    with pytest.raises(oidc.OIDCError) as caught:
        oidc.discover(issuer=discovery_server, allow_http=False)
    assert caught.value.code == "discovery"
