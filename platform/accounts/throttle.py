"""The client address django-axes counts failed logins against."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the header a trusted reverse proxy sets (LOGIN_CLIENT_IP_HEADER).

    Only the proxy's own header is read, never a client-supplied X-Forwarded-For list: an
    attacker could otherwise pick a fresh "address" for every guess.
    """
    header = settings.LOGIN_CLIENT_IP_HEADER
    if header:
        value = request.META.get(header, "")
        if value:
            return str(value).split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR")


def lockout_response(request: HttpRequest, credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The page a locked-out sign-in gets (HTTP 429), in the reader's language."""
    minutes = max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)
