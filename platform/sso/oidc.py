"""OpenID Connect relying party, the protocol alone: discovery, PKCE, code exchange, ID token checks.

Nothing here touches the database or the session: :mod:`sso.services` holds the flow's state and
decides who signs in. Signatures are checked with jwcrypto (already the site's own ID-token signer
through django-oauth-toolkit); HTTP goes through requests with short timeouts, no redirects and a
size cap, since the issuer URL is typed in by a school's admin.

Checks follow OpenID Connect Core 1.0 §3.1.3.7: the signature against the provider's JWKS with an
asymmetric algorithm only (no ``none``, no HMAC keyed by a public key), ``iss`` equal to the
discovered issuer, ``aud`` containing our client id (``azp`` equal to it when there are several
audiences), ``exp`` in the future, ``iat`` not in the future, and the ``nonce`` we sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

HTTP_TIMEOUT_SECONDS = 10.0
MAX_DOCUMENT_BYTES = 512 * 1024
CLOCK_LEEWAY_SECONDS = 120
ALLOWED_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


class OIDCError(Exception):
    """A protocol failure. ``code`` names the reason for the refusal page and the log; ``detail``
    is for the log only (it may quote the provider)."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)


@dataclass(frozen=True)
class ProviderMetadata:
    """What discovery told us (OpenID Connect Discovery 1.0 §3)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    token_endpoint_auth_methods: tuple[str, ...] = ("client_secret_basic",)
    code_challenge_methods: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.authorization_endpoint,
            "token_endpoint": self.token_endpoint,
            "jwks_uri": self.jwks_uri,
            "userinfo_endpoint": self.userinfo_endpoint,
            "token_endpoint_auth_methods": list(self.token_endpoint_auth_methods),
            "code_challenge_methods": list(self.code_challenge_methods),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProviderMetadata:
        return cls(
            issuer=data["issuer"],
            authorization_endpoint=data["authorization_endpoint"],
            token_endpoint=data["token_endpoint"],
            jwks_uri=data["jwks_uri"],
            userinfo_endpoint=data.get("userinfo_endpoint", ""),
            token_endpoint_auth_methods=tuple(data.get("token_endpoint_auth_methods") or ("client_secret_basic",)),
            code_challenge_methods=tuple(data.get("code_challenge_methods") or ()),
        )


def issuer_normalise(issuer: str) -> str:
    return issuer.strip().rstrip("/")


def _url_check(url: object, *, allow_http: bool, what: str) -> str:
    if not isinstance(url, str) or not url:
        raise OIDCError("discovery", f"{what} is missing")
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.netloc:
        raise OIDCError("discovery", f"{what} is not an {'/'.join(schemes)} URL")
    return url


def _read_json(response: Any, *, what: str) -> Any:
    """The body of a requests response as JSON, at most MAX_DOCUMENT_BYTES."""
    body = b""
    for chunk in response.iter_content(65536):
        body += chunk
        if len(body) > MAX_DOCUMENT_BYTES:
            raise OIDCError("provider_http", f"{what} is larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        return json.loads(body)
    except ValueError:
        raise OIDCError("provider_http", f"{what} is not JSON") from None


def _http(method: str, url: str, *, what: str, **kwargs: Any) -> Any:
    import requests

    try:
        with requests.request(
            method, url, timeout=HTTP_TIMEOUT_SECONDS, allow_redirects=False, stream=True, **kwargs
        ) as response:
            data = _read_json(response, what=what)
            status = response.status_code
    except requests.RequestException as exc:
        raise OIDCError("provider_unreachable", f"{what}: {type(exc).__name__}") from None
    if status != 200:
        error = data.get("error", "") if isinstance(data, dict) else ""
        raise OIDCError("provider_http", f"{what}: HTTP {status} {error}".strip())
    if not isinstance(data, dict):
        raise OIDCError("provider_http", f"{what} is not a JSON object")
    return data


def discover(*, issuer: str, allow_http: bool) -> ProviderMetadata:
    """Read ``<issuer>/.well-known/openid-configuration``; its issuer must be the one configured."""
    issuer = issuer_normalise(issuer)
    _url_check(issuer, allow_http=allow_http, what="the issuer")
    doc = _http("GET", f"{issuer}/.well-known/openid-configuration", what="discovery document")
    announced = doc.get("issuer")
    if not isinstance(announced, str) or issuer_normalise(announced) != issuer:
        raise OIDCError("discovery", f"the document names issuer {announced!r}")
    methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    challenges = doc.get("code_challenge_methods_supported") or []
    return ProviderMetadata(
        issuer=announced,
        authorization_endpoint=_url_check(doc.get("authorization_endpoint"), allow_http=allow_http, what="authorization_endpoint"),
        token_endpoint=_url_check(doc.get("token_endpoint"), allow_http=allow_http, what="token_endpoint"),
        jwks_uri=_url_check(doc.get("jwks_uri"), allow_http=allow_http, what="jwks_uri"),
        userinfo_endpoint=_url_check(doc["userinfo_endpoint"], allow_http=allow_http, what="userinfo_endpoint")
        if doc.get("userinfo_endpoint")
        else "",
        token_endpoint_auth_methods=tuple(str(m) for m in methods if isinstance(m, str)),
        code_challenge_methods=tuple(str(m) for m in challenges if isinstance(m, str)),
    )


def jwks_fetch(*, meta: ProviderMetadata) -> dict[str, Any]:
    """The provider's public keys (a JWK Set as JSON)."""
    doc = _http("GET", meta.jwks_uri, what="JWKS")
    if not isinstance(doc.get("keys"), list):
        raise OIDCError("provider_http", "JWKS has no keys")
    return doc


def random_token() -> str:
    return secrets.token_urlsafe(32)


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(
    *, meta: ProviderMetadata, client_id: str, redirect_uri: str, scopes: str, state: str, nonce: str, code_verifier: str
) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scopes,
        "state": state,
        "nonce": nonce,
        "code_challenge": pkce_challenge(code_verifier),
        "code_challenge_method": "S256",
    }
    separator = "&" if urlsplit(meta.authorization_endpoint).query else "?"
    return f"{meta.authorization_endpoint}{separator}{urlencode(query)}"


def code_exchange(
    *, meta: ProviderMetadata, client_id: str, client_secret: str, code: str, redirect_uri: str, code_verifier: str
) -> dict[str, Any]:
    """Trade the authorization code for tokens at the token endpoint (RFC 6749 §4.1.3)."""
    from urllib.parse import quote

    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": code_verifier}
    headers = {"Accept": "application/json"}
    if not client_secret:  # a public client: PKCE is its proof
        form["client_id"] = client_id
    elif "client_secret_basic" in meta.token_endpoint_auth_methods or "client_secret_post" not in meta.token_endpoint_auth_methods:
        # RFC 6749 §2.3.1: each part form-urlencoded before joining
        pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    else:
        form["client_id"] = client_id
        form["client_secret"] = client_secret
    tokens = _http("POST", meta.token_endpoint, what="token response", data=form, headers=headers)
    if not isinstance(tokens.get("id_token"), str):
        raise OIDCError("token", "the token response has no id_token")
    if str(tokens.get("token_type", "")).lower() != "bearer":
        raise OIDCError("token", "token_type is not Bearer")
    return tokens


def userinfo_fetch(*, meta: ProviderMetadata, access_token: str) -> dict[str, Any]:
    if not meta.userinfo_endpoint:
        raise OIDCError("claims", "the provider has no userinfo endpoint")
    return _http("GET", meta.userinfo_endpoint, what="userinfo", headers={"Authorization": f"Bearer {access_token}"})


def id_token_verify(
    *,
    token: str,
    jwks: dict[str, Any],
    issuer: str,
    client_id: str,
    nonce: str,
    now: float | None = None,
    leeway: int = CLOCK_LEEWAY_SECONDS,
) -> dict[str, Any]:
    """The ID token's claims once its signature and claims hold; :class:`OIDCError` otherwise.

    ``code`` of the error: ``signature`` (bad signature, unknown key, refused algorithm, not a
    JWS), ``issuer``, ``audience``, ``expired``, ``nonce``, ``claims`` (something else malformed).
    """
    from jwcrypto import jwk, jwt

    try:
        keys = jwk.JWKSet.from_json(json.dumps(jwks))
    except Exception:
        raise OIDCError("signature", "the JWKS cannot be read") from None
    try:
        parsed = jwt.JWT(
            jwt=token, key=keys, algs=list(ALLOWED_ALGS), check_claims=False, expected_type="JWS"
        )
        claims = json.loads(parsed.claims)
    except Exception as exc:
        raise OIDCError("signature", type(exc).__name__) from None
    if not isinstance(claims, dict):
        raise OIDCError("claims", "the payload is not an object")

    if claims.get("iss") != issuer:
        raise OIDCError("issuer", f"iss is {claims.get('iss')!r}")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    if client_id not in audiences:
        raise OIDCError("audience", "our client id is not an audience")
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != client_id:
        raise OIDCError("audience", "azp is not our client id")
    moment = time.time() if now is None else now
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise OIDCError("claims", "exp is missing")
    if moment > exp + leeway:
        raise OIDCError("expired", "exp has passed")
    if not isinstance(iat, int | float) or isinstance(iat, bool) or iat > moment + leeway:
        raise OIDCError("claims", "iat is missing or in the future")
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and nbf > moment + leeway:
        raise OIDCError("claims", "nbf is in the future")
    sent = claims.get("nonce")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
        raise OIDCError("nonce", "nonce does not match")
    if not isinstance(claims.get("sub"), str) or not 0 < len(claims["sub"]) <= 255:  # OIDC Core §2: at most 255 ASCII characters
        raise OIDCError("claims", "sub is missing or longer than 255 characters")
    return claims
