"""The ID token verifier (sso.oidc.id_token_verify) against tokens signed with keys made here."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from jwcrypto import jwk, jwt

from sso import oidc

pytestmark = pytest.mark.unit

ISSUER = "https://idp.school.example/oauth"
CLIENT = "liangzhi-lab"
NONCE = "n-0S6_WzA2Mj"


@pytest.fixture(scope="module")
def key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048, kid="k1")


@pytest.fixture(scope="module")
def other_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048, kid="k1")  # same kid, another key: an impostor


def _jwks(*keys: jwk.JWK) -> dict[str, Any]:
    return {"keys": [json.loads(k.export_public()) for k in keys]}


def _claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "42", "exp": now + 300, "iat": now, "nonce": NONCE, "student_number": "S1001"}
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(key: jwk.JWK, claims: dict[str, Any], alg: str = "RS256") -> str:
    token = jwt.JWT(header={"alg": alg, "kid": key.get("kid")}, claims=claims)
    token.make_signed_token(key)
    return str(token.serialize())


def _verify(token: str, jwks: dict[str, Any], **over: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"token": token, "jwks": jwks, "issuer": ISSUER, "client_id": CLIENT, "nonce": NONCE}
    args.update(over)
    return oidc.id_token_verify(**args)


def test_verify_accepts_a_good_token_and_returns_its_claims(key: jwk.JWK) -> None:
    claims = _verify(_sign(key, _claims()), _jwks(key))
    assert claims["sub"] == "42"
    assert claims["student_number"] == "S1001"


def test_verify_accepts_an_audience_list_with_azp(key: jwk.JWK) -> None:
    claims = _verify(_sign(key, _claims(aud=[CLIENT, "other"], azp=CLIENT)), _jwks(key))
    assert claims["azp"] == CLIENT


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"aud": "someone-else"}, "audience"),
        ({"aud": ["someone-else", "third"]}, "audience"),
        ({"aud": [CLIENT, "other"]}, "audience"),  # several audiences and no azp
        ({"aud": [CLIENT], "azp": "other"}, "audience"),
        ({"iss": "https://evil.example/oauth"}, "issuer"),
        ({"iss": ISSUER + "/"}, "issuer"),
        ({"nonce": "another-nonce"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"exp": None}, "claims"),
        ({"iat": int(time.time()) + 3600}, "claims"),
        ({"sub": ""}, "claims"),
        ({"sub": "x" * 256}, "claims"),
    ],
)
def test_verify_refuses_wrong_claims(key: jwk.JWK, over: dict[str, Any], code: str) -> None:
    with pytest.raises(oidc.OIDCError) as caught:
        _verify(_sign(key, _claims(**over)), _jwks(key))
    assert caught.value.code == code


def test_verify_allows_a_little_clock_skew_only(key: jwk.JWK) -> None:
    now = time.time()
    token = _sign(key, _claims(exp=int(now) - 30))
    assert _verify(token, _jwks(key), now=now)["sub"] == "42"
    with pytest.raises(oidc.OIDCError) as caught:
        _verify(token, _jwks(key), now=now + oidc.CLOCK_LEEWAY_SECONDS + 60)
    assert caught.value.code == "expired"


def test_verify_refuses_a_token_signed_by_another_key(key: jwk.JWK, other_key: jwk.JWK) -> None:
    with pytest.raises(oidc.OIDCError) as caught:
        _verify(_sign(other_key, _claims()), _jwks(key))
    assert caught.value.code == "signature"


def test_verify_refuses_a_tampered_payload(key: jwk.JWK) -> None:
    header, payload, signature = _sign(key, _claims()).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["student_number"] = "S2002"  # someone else's number, signature kept
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(oidc.OIDCError) as caught:
        _verify(f"{header}.{forged}.{signature}", _jwks(key))
    assert caught.value.code == "signature"


def test_verify_refuses_an_unsigned_token(key: jwk.JWK) -> None:
    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    unsigned = f"{b64({'alg': 'none'})}.{b64(_claims())}."
    with pytest.raises(oidc.OIDCError) as caught:
        _verify(unsigned, _jwks(key))
    assert caught.value.code == "signature"


def test_verify_refuses_hmac_keyed_with_a_shared_secret() -> None:
    """HS256 is not among the accepted algorithms, even when the key set holds a symmetric key."""
    secret = jwk.JWK.generate(kty="oct", size=256, kid="k1")
    token = _sign(secret, _claims(), alg="HS256")
    with pytest.raises(oidc.OIDCError) as caught:
        _verify(token, {"keys": [json.loads(secret.export())]})
    assert caught.value.code == "signature"


def test_verify_accepts_an_ec_key() -> None:
    ec = jwk.JWK.generate(kty="EC", crv="P-256", kid="ec1")
    claims = _verify(_sign(ec, _claims(), alg="ES256"), _jwks(ec))
    assert claims["nonce"] == NONCE


def test_verify_refuses_garbage() -> None:
    with pytest.raises(oidc.OIDCError) as caught:
        _verify("not.a.token", {"keys": []})
    assert caught.value.code == "signature"


def test_pkce_challenge_matches_rfc7636_appendix_b() -> None:
    assert oidc.pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_authorization_url_carries_state_nonce_and_pkce() -> None:
    meta = oidc.ProviderMetadata(
        issuer=ISSUER, authorization_endpoint=f"{ISSUER}/authorize/", token_endpoint=f"{ISSUER}/token/", jwks_uri=f"{ISSUER}/jwks/"
    )
    url = oidc.authorization_url(
        meta=meta, client_id=CLIENT, redirect_uri="https://lab.example/sso/callback/", scopes="openid profile",
        state="st", nonce="no", code_verifier="dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    )
    assert url.startswith(f"{ISSUER}/authorize/?response_type=code&client_id=liangzhi-lab&")
    for part in ("state=st", "nonce=no", "code_challenge_method=S256", "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "scope=openid+profile"):
        assert part in url
