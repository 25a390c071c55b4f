"""Writes of the sso app: a school sign-in from its start to the account it ends in.

``login_begin`` keeps the flow's secrets (state, nonce, PKCE verifier) in the visitor's session,
one entry per state so two tabs can sign in at once; ``login_complete`` takes the entry out
(single use), checks the provider's answer (:mod:`sso.oidc`) and matches the identity to an
existing, active member of *that* school. Nobody is ever created here.

Refused on purpose, beside the protocol checks: site admins and staff (a school admin controls the
provider and must not be able to sign in as them), and accounts with an active membership in any
organisation other than the school and the provider's own district (a teacher of two schools, a
district admin): their standing reaches beyond what this provider vouches for.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Membership, Organisation

from . import oidc
from .models import Identity, MatchBy, Provider

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase
    from django.utils.functional import Promise

    from accounts.models import User

log = logging.getLogger(__name__)

SESSION_KEY = "sso_flows"
FLOW_SECONDS = 600  # a sign-in not finished within ten minutes starts again
MAX_FLOWS = 5
METADATA_CACHE_SECONDS = 3600

_UNAVAILABLE = _("Your school's sign-in service could not be reached or gave an answer we could not use. Try again later, or sign in with your password.")
_FAILED_CHECKS = _("The answer from your school's sign-in service failed its security checks, so nobody was signed in. Start again from the sign-in page.")

REFUSALS: dict[str, Promise] = {
    "state": _("This sign-in has expired or was already used. Start again from the sign-in page."),
    "provider_error": _("Your school's sign-in service did not sign you in."),
    "provider_unreachable": _UNAVAILABLE,
    "provider_http": _UNAVAILABLE,
    "discovery": _UNAVAILABLE,
    "token": _UNAVAILABLE,
    "signature": _FAILED_CHECKS,
    "issuer": _FAILED_CHECKS,
    "audience": _FAILED_CHECKS,
    "expired": _FAILED_CHECKS,
    "nonce": _FAILED_CHECKS,
    "claims": _FAILED_CHECKS,
    "no_claim": _("Your school's sign-in service did not say who you are in the school's records. Ask your school's administrator to check the sign-in settings."),
    "email_unverified": _("Your school's sign-in service has not verified your e-mail address."),
    "no_match": _("No account of this school matches your school sign-in. Accounts are made by your school's administrator: ask them to import you."),
    "ambiguous": _("More than one account of this school matches your school sign-in. Ask your school's administrator."),
    "inactive": _("Your account at this school is archived or deactivated. Ask your school's administrator."),
    "privileged": _("This account cannot sign in through a school's sign-in service. Sign in with its password."),
    "identity_conflict": _("This account is linked to another identity at your school's sign-in service. Ask your school's administrator."),
}


class SSOError(Exception):
    """A refused school sign-in: ``code`` for the log and tests, ``message`` (translated) for the person."""

    def __init__(self, code: str, *, school: Organisation | None = None, detail: str = "") -> None:
        self.code = code
        self.school = school
        self.detail = detail
        self.message = REFUSALS.get(code, _FAILED_CHECKS)
        super().__init__(f"{code}: {detail}" if detail else code)


def _allow_http() -> bool:
    return not settings.PRODUCTION


def _cache_key(kind: str, url: str) -> str:
    return f"sso:{kind}:{hashlib.sha256(url.encode()).hexdigest()[:32]}"


def provider_metadata(*, provider: Provider, fresh: bool = False) -> oidc.ProviderMetadata:
    """The provider's discovery document (cached for an hour)."""
    key = _cache_key("meta", oidc.issuer_normalise(provider.issuer))
    cached = None if fresh else cache.get(key)
    if isinstance(cached, dict):
        try:
            return oidc.ProviderMetadata.from_dict(cached)
        except (KeyError, TypeError):
            pass
    meta = oidc.discover(issuer=provider.issuer, allow_http=_allow_http())
    cache.set(key, meta.as_dict(), METADATA_CACHE_SECONDS)
    return meta


def _jwks(*, meta: oidc.ProviderMetadata, fresh: bool) -> dict[str, Any]:
    key = _cache_key("jwks", meta.jwks_uri)
    cached = None if fresh else cache.get(key)
    if isinstance(cached, dict):
        return cached
    jwks = oidc.jwks_fetch(meta=meta)
    cache.set(key, jwks, METADATA_CACHE_SECONDS)
    return jwks


def _flows(session: SessionBase) -> dict[str, dict[str, Any]]:
    flows = session.get(SESSION_KEY)
    now = time.time()
    if not isinstance(flows, dict):
        return {}
    return {k: v for k, v in flows.items() if isinstance(v, dict) and now - v.get("t", 0) < FLOW_SECONDS}


def login_begin(
    *, session: SessionBase, school: Organisation, provider: Provider, redirect_uri: str, next_url: str
) -> str:
    """Start signing in to ``school`` through ``provider``: the URL to send the browser to.

    Raises :class:`SSOError` when the provider's discovery document cannot be read.
    """
    try:
        meta = provider_metadata(provider=provider)
    except oidc.OIDCError as exc:
        log.warning("sso: discovery failed for provider %s: %s", provider.pk, exc)
        raise SSOError(exc.code, school=school, detail=exc.detail) from None
    state, nonce, verifier = oidc.random_token(), oidc.random_token(), oidc.random_token() + oidc.random_token()
    flows = _flows(session)
    flows[state] = {
        "t": time.time(),
        "school": school.pk,
        "provider": provider.pk,
        "issuer": meta.issuer,
        "nonce": nonce,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "next": next_url,
    }
    session[SESSION_KEY] = dict(sorted(flows.items(), key=lambda kv: kv[1]["t"])[-MAX_FLOWS:])
    return oidc.authorization_url(
        meta=meta,
        client_id=provider.client_id,
        redirect_uri=redirect_uri,
        scopes=" ".join(provider.scope_list),
        state=state,
        nonce=nonce,
        code_verifier=verifier,
    )


def login_complete(*, session: SessionBase, params: dict[str, str]) -> tuple[User, str]:
    """Finish a sign-in from the provider's redirect: ``(the matched account, where to go next)``.

    ``params`` are the callback's query parameters. Every failure is an :class:`SSOError`; the flow
    is used up either way, so a replayed callback is refused as ``state``.
    """
    state = params.get("state", "")
    flows = _flows(session)
    flow = flows.pop(state, None) if state else None
    session[SESSION_KEY] = flows
    if flow is None:
        raise SSOError("state")
    provider = Provider.objects.filter(pk=flow["provider"], enabled=True).select_related("org").first()
    school = Organisation.objects.filter(pk=flow["school"]).first()
    if provider is None or school is None:
        raise SSOError("state", detail="provider or school gone")
    if params.get("error"):
        raise SSOError("provider_error", school=school, detail=params["error"][:100])
    # RFC 9207: when the provider names itself in the response, it must be the one we asked
    if params.get("iss") and params["iss"] != flow["issuer"]:
        raise SSOError("issuer", school=school, detail="iss parameter of another provider")
    code = params.get("code", "")
    if not code:
        raise SSOError("provider_error", school=school, detail="no code")
    try:
        claims = _claims_verified(provider=provider, flow=flow, code=code)
    except oidc.OIDCError as exc:
        log.warning("sso: refused a sign-in to school %s through provider %s: %s", school.pk, provider.pk, exc)
        raise SSOError(exc.code, school=school, detail=exc.detail) from None
    user = account_match(provider=provider, school=school, claims=claims)
    identity_bind(provider=provider, subject=claims["sub"], user=user)
    return user, str(flow.get("next") or "")


def _claims_verified(*, provider: Provider, flow: dict[str, Any], code: str) -> dict[str, Any]:
    meta = provider_metadata(provider=provider)
    if meta.issuer != flow["issuer"]:
        raise oidc.OIDCError("issuer", "the provider's issuer changed during the sign-in")
    tokens = oidc.code_exchange(
        meta=meta,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        code=code,
        redirect_uri=flow["redirect_uri"],
        code_verifier=flow["verifier"],
    )
    verify = {"token": tokens["id_token"], "issuer": meta.issuer, "client_id": provider.client_id, "nonce": flow["nonce"]}
    try:
        claims = oidc.id_token_verify(jwks=_jwks(meta=meta, fresh=False), **verify)
    except oidc.OIDCError as exc:
        if exc.code != "signature":
            raise
        claims = oidc.id_token_verify(jwks=_jwks(meta=meta, fresh=True), **verify)  # the keys may have rotated
    if provider.claim not in claims and meta.userinfo_endpoint and isinstance(tokens.get("access_token"), str):
        info = oidc.userinfo_fetch(meta=meta, access_token=tokens["access_token"])
        if info.get("sub") != claims["sub"]:  # OIDC Core §5.3.2
            raise oidc.OIDCError("claims", "userinfo is about another subject")
        claims = {**info, **claims}
    return claims


def _claim_value(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value.strip() if isinstance(value, str) else ""


def account_match(*, provider: Provider, school: Organisation, claims: dict[str, Any]) -> User:
    """The one active, imported member of ``school`` whom the claims name; :class:`SSOError` otherwise."""
    value = _claim_value(claims, provider.claim)
    if not value:
        raise SSOError("no_claim", school=school, detail=f"claim {provider.claim!r} missing")
    members = Membership.objects.filter(org=school).select_related("user")
    if provider.match_by == MatchBy.EMAIL:
        if claims.get("email_verified") in (False, "false"):
            raise SSOError("email_unverified", school=school)
        members = members.filter(user__email__iexact=value)
    else:
        members = members.filter(student_number=value)
    rows = list(members[:2])
    if not rows:
        raise SSOError("no_match", school=school)
    if len(rows) > 1:
        raise SSOError("ambiguous", school=school)
    membership = rows[0]
    user = membership.user
    if membership.archived or not user.is_active:
        raise SSOError("inactive", school=school)
    if user.is_superuser or user.is_staff:
        raise SSOError("privileged", school=school, detail="site admin or staff")
    elsewhere = (
        Membership.objects.filter(user=user, archived=False).exclude(org_id__in={school.pk, provider.org_id}).exists()
    )
    if elsewhere:
        raise SSOError("privileged", school=school, detail="member of another organisation")
    return user


def identity_bind(*, provider: Provider, subject: str, user: User) -> Identity:
    """Bind (or confirm) the subject ↔ account pair at this provider; a conflict is refused.

    A one-time password still waiting to be changed is withdrawn: the printed slip is no longer
    needed, and it would otherwise stay a way into the account (the reset form still reaches it).
    """
    with transaction.atomic():
        identity = Identity.objects.select_for_update().filter(provider=provider, subject=subject).first()
        if identity is not None and identity.user_id != user.pk:
            raise SSOError("identity_conflict", school=None, detail="subject bound to another account")
        if Identity.objects.filter(provider=provider, user=user).exclude(subject=subject).exists():
            raise SSOError("identity_conflict", school=None, detail="account bound to another subject")
        if identity is None:
            try:
                with transaction.atomic():
                    identity = Identity.objects.create(provider=provider, subject=subject, user=user)
            except IntegrityError:
                raise SSOError("identity_conflict", detail="bound concurrently") from None
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        if user.must_change_password:
            user.set_unusable_password()
            user.must_change_password = False
            user.save(update_fields=["password", "must_change_password"])
    return identity


def provider_save(*, provider: Provider, by: User, new_secret: str | None) -> Provider:
    """Save a provider's settings (the secret only when a new one is typed) and forget its cached discovery."""
    if new_secret:
        provider.client_secret = new_secret
    provider.issuer = oidc.issuer_normalise(provider.issuer)
    provider.updated_by = by
    provider.save()
    cache.delete(_cache_key("meta", provider.issuer))
    return provider
