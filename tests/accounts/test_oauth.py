"""The site as OAuth2/OIDC provider for JupyterHub: code flow with PKCE, claims, deactivation."""

from __future__ import annotations

import base64
import hashlib
import secrets
import stat
from urllib.parse import parse_qs, urlparse

import pytest

REDIRECT = "http://127.0.0.1:8001/hub/oauth_callback"


@pytest.fixture
def hub_app(db):  # type: ignore[no-untyped-def]
    from accounts.oauth import hub_application_ensure

    app, secret = hub_application_ensure(redirect_uri=REDIRECT, client_secret="s3cret-for-tests")
    return app, secret


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _authorize(client, *, challenge: str | None) -> object:  # type: ignore[no-untyped-def]
    params = {
        "response_type": "code",
        "client_id": "liangzhi-hub",
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "xyz",
    }
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return client.get("/oauth/authorize/", params)


def _token(client, code: str, verifier: str, secret: str) -> object:  # type: ignore[no-untyped-def]
    basic = base64.b64encode(f"liangzhi-hub:{secret}".encode()).decode()
    return client.post(
        "/oauth/token/",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )


def _login_to_token(client, user, secret: str) -> dict:  # type: ignore[no-untyped-def]
    client.force_login(user)
    verifier, challenge = _pkce()
    r = _authorize(client, challenge=challenge)
    assert r.status_code == 302 and r["Location"].startswith(REDIRECT), r  # no consent page: first party
    query = parse_qs(urlparse(r["Location"]).query)
    assert query["state"] == ["xyz"]
    t = _token(client, query["code"][0], verifier, secret)
    assert t.status_code == 200, t.content
    return t.json()


def test_oauth_code_flow_gives_hub_name_claim(client, cast, hub_app):  # type: ignore[no-untyped-def]
    _, secret = hub_app
    alice = cast.alice
    alice.refresh_from_db()
    tokens = _login_to_token(client, alice, secret)
    assert tokens["token_type"] == "Bearer" and "id_token" in tokens
    client.logout()
    info = client.get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert info.status_code == 200
    claims = info.json()
    assert claims["preferred_username"] == alice.hub_name
    assert claims["preferred_username"].startswith(f"lz{alice.pk}-alice")
    assert claims["sub"] == str(alice.pk) and claims["name"] == "Alice"


def test_oauth_pkce_is_required(client, cast, hub_app):  # type: ignore[no-untyped-def]
    client.force_login(cast.alice)
    r = _authorize(client, challenge=None)
    assert "code=" not in r.get("Location", "")
    assert "error" in r.get("Location", "") or r.status_code == 400


def test_oauth_unknown_redirect_refused(client, cast, hub_app):  # type: ignore[no-untyped-def]
    client.force_login(cast.alice)
    _, challenge = _pkce()
    r = client.get(
        "/oauth/authorize/",
        {
            "response_type": "code",
            "client_id": "liangzhi-hub",
            "redirect_uri": "http://evil.example/cb",
            "scope": "openid",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert r.status_code == 400 or "evil.example" not in r.get("Location", "")


def test_oauth_deactivated_user_token_stops_working(client, cast, hub_app):  # type: ignore[no-untyped-def]
    _, secret = hub_app
    bob = cast.bob
    tokens = _login_to_token(client, bob, secret)
    client.logout()
    bob.is_active = False
    bob.save()  # sandbox's signal revokes the tokens; the validator refuses inactive users anyway
    info = client.get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert info.status_code in (401, 403)


def test_oauth_inactive_user_refused_even_with_live_token(client, cast, hub_app):  # type: ignore[no-untyped-def]
    from oauth2_provider.models import AccessToken

    _, secret = hub_app
    charlie = cast.charlie
    tokens = _login_to_token(client, charlie, secret)
    client.logout()
    type(charlie).objects.filter(pk=charlie.pk).update(is_active=False)  # bypasses signals
    assert AccessToken.objects.filter(user=charlie).exists()
    info = client.get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert info.status_code in (401, 403)


def test_oauth_discovery_and_rs256_keys(client, db):  # type: ignore[no-untyped-def]
    conf = client.get("/oauth/.well-known/openid-configuration").json()
    assert conf["userinfo_endpoint"].endswith("/oauth/userinfo/")
    assert "S256" in conf.get("code_challenge_methods_supported", ["S256"])
    jwks = client.get("/oauth/.well-known/jwks.json").json()
    assert jwks["keys"] and jwks["keys"][0]["kty"] == "RSA"


def test_oauth_hub_application_is_idempotent_and_hashes_secret(db):  # type: ignore[no-untyped-def]
    from oauth2_provider.models import Application

    from accounts.oauth import hub_application_ensure

    app1, _ = hub_application_ensure(redirect_uri=REDIRECT, client_secret="one")
    app2, s2 = hub_application_ensure(redirect_uri=REDIRECT, client_secret="two")
    assert app1.pk == app2.pk and Application.objects.filter(client_id="liangzhi-hub").count() == 1
    app2.refresh_from_db()
    assert app2.client_secret != "two" and s2 == "two"  # stored hashed
    assert app2.skip_authorization and app2.algorithm == "RS256" and app2.redirect_uris == REDIRECT


def test_oidc_private_key_generated_private(tmp_path):  # type: ignore[no-untyped-def]
    from accounts.oidc_keys import oidc_private_key

    path = tmp_path / "oidc" / "key.pem"
    pem = oidc_private_key(path=path)
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert oidc_private_key(path=path) == pem  # stable across restarts
