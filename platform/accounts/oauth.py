"""The site as an OAuth2/OpenID Connect provider for JupyterHub (single sign-on).

Django owns identity. The hub's GenericOAuthenticator signs students in through
``/oauth/authorize/`` (code flow with PKCE), then reads ``/oauth/userinfo/``; the
``preferred_username`` claim is the user's ``hub_name`` (stable, collision-free,
Unix-safe, see ``accounts.models.hub_name_for``), which becomes the hub user name and
the student's Unix account.

Deactivated users cannot sign in (Django's backends refuse them, and the validator
below refuses their tokens); ``sandbox.signals`` also stops their server.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from oauth2_provider.oauth2_validators import OAuth2Validator

if TYPE_CHECKING:
    from accounts.models import User

HUB_CLIENT_ID = "liangzhi-hub"


class LiangzhiOAuth2Validator(OAuth2Validator):
    """Claims for the hub: the lab user name, a display name, and nothing else."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "liangzhi_username": "profile"}

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        return {
            "preferred_username": user.hub_name,
            "name": str(user),
            "liangzhi_username": user.username,
        }

    def validate_bearer_token(self, token: str, scopes: list[str], request: Any) -> bool:
        # A token issued before the user was deactivated must stop working at once.
        if not super().validate_bearer_token(token, scopes, request):
            return False
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_active)


def hub_application_ensure(*, redirect_uri: str, client_secret: str | None = None) -> tuple[Any, str]:
    """Create or update the hub's OAuth client; returns ``(application, plain_secret)``.

    The stored secret is hashed (django-oauth-toolkit's default), so the caller keeps the
    plain one (``hub_setup`` writes it, mode 0600, where the hub reads it). First-party
    client: no consent screen, so a signed-in student goes straight into the lab.
    """
    from oauth2_provider.models import get_application_model

    application_model = get_application_model()
    secret = client_secret or secrets.token_urlsafe(48)
    app, _ = application_model.objects.get_or_create(
        client_id=HUB_CLIENT_ID,
        defaults={"name": "JupyterHub (Liangzhi Lab)"},
    )
    app.name = "JupyterHub (Liangzhi Lab)"
    app.client_type = application_model.CLIENT_CONFIDENTIAL
    app.authorization_grant_type = application_model.GRANT_AUTHORIZATION_CODE
    app.redirect_uris = redirect_uri
    app.skip_authorization = True
    app.algorithm = application_model.RS256_ALGORITHM
    app.client_secret = secret
    app.save()
    return app, secret


def tokens_revoke_for_user(*, user: User) -> int:
    """Revoke every OAuth token of the user (deactivation); returns how many were removed."""
    from oauth2_provider.models import get_access_token_model, get_refresh_token_model

    refresh = get_refresh_token_model().objects.filter(user=user, revoked__isnull=True)
    count = 0
    for token in refresh:
        token.revoke()
        count += 1
    deleted, _ = get_access_token_model().objects.filter(user=user).delete()
    return count + deleted
