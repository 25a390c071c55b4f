"""Per-request account rules: the viewer's time zone, and the forced password change."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _


class UserTimeZoneMiddleware:
    """Shows times in the signed-in user's zone; the site's TIME_ZONE otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        name = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
        try:
            if name:
                timezone.activate(zoneinfo.ZoneInfo(name))
            else:
                timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class PasswordChangeRequiredMiddleware:
    """A user signed in with a one-time password may only change it (or log out) until they do."""

    # Paths that stay open: the change itself, logging out, switching language, and what
    # the change page needs to load. Probes and metrics never carry a session.
    _OPEN_PREFIXES = ("/static/", "/i18n/", "/healthz", "/readyz", "/metrics")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            change = reverse("password_change")
            open_paths = {change, reverse("password_change_done"), reverse("logout")}
            if request.path not in open_paths and not request.path.startswith(self._OPEN_PREFIXES):
                messages.info(request, _("Welcome! Choose your own password before you go on."))
                return redirect(change)
        return self.get_response(request)
