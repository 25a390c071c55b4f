"""The site never answers under the hub's host name.

Browsers scope cookies by host, not by port: if the site answered at the hub's host name (say
http://localhost:8000 while the hub is http://localhost:8001), the session and CSRF cookies it
set there would be sent along with every request to the hub and into every student's server,
where the student's own code can read them. Such a request is redirected to ``SITE_URL`` before
any other middleware runs, so no cookie is ever set under that name.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect


def _host_name(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class SiteHostMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        hub_host = _host_name(settings.HUB_URL)
        site_host = _host_name(settings.SITE_URL)
        if hub_host and hub_host != site_host:
            # the raw Host header (get_host() would first validate it against ALLOWED_HOSTS)
            asked = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME") or ""
            if _host_name(f"//{asked}") == hub_host:
                return HttpResponseRedirect(settings.SITE_URL + request.get_full_path())
        return self.get_response(request)
