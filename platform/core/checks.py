"""System checks for the site/hub boundary that a configuration can break."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Warning as CheckWarning
from django.core.checks import register


@register("security")
def site_and_hub_host_names(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    """Cookies are scoped by host name, not port: the site and the hub must not share one."""
    site = (urlsplit(settings.SITE_URL).hostname or "").lower()
    hub = (urlsplit(settings.HUB_URL).hostname or "").lower()
    if site and site == hub:
        return [
            CheckWarning(
                f"SITE_URL and HUB_URL share the host name {site!r}: the site's session cookie would "
                "reach the hub and every student's server.",
                hint="Serve the hub under another host name (locally http://localhost:8001 beside "
                "http://127.0.0.1:8000; in production a separate registrable domain).",
                id="liangzhi.W001",
            )
        ]
    if hub and hub in [h.lower() for h in settings.ALLOWED_HOSTS] and settings.PRODUCTION:
        return [
            CheckWarning(
                f"DJANGO_ALLOWED_HOSTS lists the hub's host name {hub!r}.",
                hint="Keep the hub's host name out of DJANGO_ALLOWED_HOSTS.",
                id="liangzhi.W002",
            )
        ]
    return []
