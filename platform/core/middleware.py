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


class NulByteMiddleware:
    """Refuse form fields and query values holding a NUL character with a 400, for every view at once.

    PostgreSQL text cannot hold NUL (a ``DataError``, so a 500, on whichever view saves it: a team
    name, a join code, a roster line); Django's form fields refuse it, but not every view reads
    its input through a form. One check here keeps every view's answer a clear 400.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            from django.http import HttpResponseBadRequest
            from django.utils.translation import gettext as _

            return HttpResponseBadRequest(
                _("The form held a character that cannot be stored (NUL). Nothing was changed; remove it and try again."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    for values in request.GET.lists():
        if "\x00" in values[0] or any("\x00" in v for v in values[1]):
            return True
    if request.method in ("POST", "PUT", "PATCH") and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        try:
            items = list(request.POST.lists())
        except Exception:  # a malformed body: the view's own parsing answers it
            return False
        return any("\x00" in key or any("\x00" in v for v in vals) for key, vals in items)
    return False
