"""The part of django-oauth-toolkit the hub needs, and nothing else.

The toolkit's default URLconf also mounts application management (``applications/``,
``authorized_tokens/``), the device flow and dynamic client registration for any signed-in
user: a student could register a client named like the hub and collect a classmate's tokens.
OAuth clients are created only by ``manage.py hub_setup`` or in the admin.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from oauth2_provider import urls as toolkit

app_name = "oauth2_provider"

# authorization code flow (with PKCE), token revocation and introspection, OIDC userinfo,
# discovery (OIDC and RFC 8414, which also fixes the issuer the toolkit reports) and the JWKS.
HUB_NEEDS = frozenset(
    {
        "authorize",
        "token",
        "revoke-token",
        "introspect",
        "user-info",
        "oidc-connect-discovery-info",
        "jwks-info",
        "oauth-server-metadata",
    }
)

urlpatterns = [p for p in toolkit.urlpatterns if getattr(p, "name", None) in HUB_NEEDS]
if {p.name for p in urlpatterns} != HUB_NEEDS:
    raise ImproperlyConfigured("django-oauth-toolkit renamed a view the hub needs")
