"""Only the OAuth/OIDC endpoints the hub needs are mounted; the toolkit's management pages are not.

A student who could register an OAuth client (named like the hub) and get a classmate to
"Authorize" it would receive the classmate's tokens.
"""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

MANAGEMENT = [
    "/oauth/applications/",
    "/oauth/applications/register/",
    "/oauth/applications/1/",
    "/oauth/applications/1/update/",
    "/oauth/applications/1/delete/",
    "/oauth/authorized_tokens/",
    "/oauth/authorized_tokens/1/delete/",
    "/oauth/device/",
    "/oauth/device-authorization/",
    "/oauth/device-confirm/liangzhi-hub/ABCD",
    "/oauth/device-grant-status/liangzhi-hub/ABCD",
    "/oauth/register/",
    "/oauth/register/liangzhi-hub/",
    "/oauth/logout/",
]


@pytest.mark.parametrize("who", ["student", "staff"])
@pytest.mark.parametrize("url", MANAGEMENT)
def test_management_urls_are_not_mounted(cast, who: str, url: str) -> None:
    client = Client()
    client.force_login(cast.alice if who == "student" else cast.admin)
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "liangzhi-hub", "client_type": "public"}).status_code in (403, 404)


def test_a_student_cannot_register_a_client(cast) -> None:
    from oauth2_provider.models import get_application_model

    client = Client(enforce_csrf_checks=False)
    client.force_login(cast.alice)
    before = get_application_model().objects.count()
    client.post(
        "/oauth/applications/register/",
        {
            "name": "liangzhi-hub",
            "client_id": "evil",
            "client_type": "confidential",
            "authorization_grant_type": "authorization-code",
            "redirect_uris": "http://127.0.0.1:9999/cb",
            "algorithm": "RS256",
        },
    )
    assert get_application_model().objects.count() == before


def test_the_endpoints_the_hub_uses_are_there(cast) -> None:
    client = Client()
    conf = client.get("/oauth/.well-known/openid-configuration")
    assert conf.status_code == 200
    data = conf.json()
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert data[key].startswith("http://testserver/oauth/"), key
    assert client.get("/oauth/.well-known/jwks.json").status_code == 200
    # token, revoke and introspect answer (an empty POST is a client error, not a 404)
    assert client.post("/oauth/token/").status_code in (400, 401)
    assert client.post("/oauth/revoke_token/").status_code in (400, 401)
    assert client.post("/oauth/introspect/").status_code in (400, 401, 403)
    assert client.get("/oauth/userinfo/").status_code == 401
    student = Client()
    student.force_login(cast.alice)
    assert student.get("/oauth/authorize/").status_code == 400  # no client_id: an error page, mounted
