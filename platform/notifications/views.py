"""The notification list, the preferences page (e-mail on/off, calendar address) and the ICS feed."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User

from . import ics, selectors, services
from .calendar import calendar_for, month_view
from .messages import notification_text


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.notifications_of(user=_user(request)))
    items = [{"n": n, "text": notification_text(n.kind, n.params)} for n in rows]
    return render(request, "notifications/list.html", {"items": items})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (``id``) or all read; ``open`` follows the notification's link."""
    raw = request.POST.get("id", "")
    ids = [int(raw)] if raw.isdigit() else None
    services.notifications_mark_read(user=_user(request), ids=ids)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "email":
            services.preference_set(user=user, email=request.POST.get("email") == "1")
            messages.success(request, _("Your notification settings are saved."))
        elif action == "feed-new":
            services.calendar_feed_create(user=user)
            messages.success(request, _("A new calendar address was made; the old one no longer works."))
        elif action == "feed-revoke":
            services.calendar_feed_revoke(user=user)
            messages.success(request, _("Your calendar address no longer works."))
        return redirect("notifications:preferences")
    feed = selectors.calendar_feed_of(user=user)
    feed_url = request.build_absolute_uri(f"/notifications/calendar/{feed.token}.ics") if feed else ""
    return render(
        request,
        "notifications/preferences.html",
        {"pref": services.preference_of(user=user), "feed": feed, "feed_url": feed_url},
    )


@login_required
@require_GET
def my_calendar(request: HttpRequest) -> HttpResponse:
    """The full calendar page: the month grid and the agenda across all my courses."""
    events = calendar_for(user=_user(request))
    return render(
        request, "notifications/calendar.html", {"month": month_view(events, month=request.GET.get("month"), agenda=50)}
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The ICS feed behind a secret address: no session; unknown or revoked addresses are 404."""
    user = selectors.feed_owner(token=token)
    if user is None:
        raise Http404("No such calendar.")
    # No session: titles in the language the owner last read the site in.
    language = services.preference_of(user=user).language or settings.LANGUAGE_CODE
    with translation.override(language):
        body = ics.feed(calendar_for(user=user), name=_("Liangzhi Lab: due dates"))
    response = HttpResponse(body.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="liangzhi-lab.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response
