"""Writes of the notifications app: tell people, remember how they want to be told, feed tokens.

Other apps call :func:`notify` with what happened; this module decides the rest: one in-site
row per person always, and an e-mail to those who keep e-mails on and have an address, written
in the language they last used on the site. E-mails go out after the transaction commits (a
rolled-back grade tells nobody) and over one connection; a mail server that fails is logged and
never undoes the grade or the announcement.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .messages import email_subject, notification_text
from .models import CalendarFeed, Notification, NotificationPreference

if TYPE_CHECKING:
    from accounts.models import User

log = logging.getLogger(__name__)

COALESCE = timedelta(hours=1)


def preference_of(*, user: User) -> NotificationPreference:
    """The user's preference row (made with the defaults on first use)."""
    pref, _created = NotificationPreference.objects.get_or_create(user=user)
    return pref


def preference_set(*, user: User, email: bool | None = None, language: str | None = None) -> NotificationPreference:
    """Change what is given; leave the rest."""
    pref = preference_of(user=user)
    if email is not None:
        pref.email = email
    if language is not None:
        pref.language = language[:10]
    pref.save()
    return pref


def notify(
    *, users: Iterable[User], kind: str, params: Mapping[str, Any], url: str = "", extra_text: str = ""
) -> list[Notification]:
    """Tell each user that something happened: an in-site notification, and an e-mail per their preference.

    ``params`` are plain values (titles in both languages: ``activity``/``activity_zh``, ...);
    ``url`` is the site path the notification links to; ``extra_text`` (an announcement's body)
    goes into the e-mail only.
    """
    people = [u for u in users if getattr(u, "is_active", False)]
    if not people:
        return []
    # A teacher grading three cells, then commenting, is one piece of news: while an unread
    # notification of the same kind about the same page is recent, nothing new is sent.
    since = timezone.now() - COALESCE
    told = set(
        Notification.objects.filter(
            user__in=people, kind=kind, url=url[:500], read_at__isnull=True, created_at__gte=since
        ).values_list("user_id", flat=True)
    )
    people = [u for u in people if u.pk not in told]
    if not people:
        return []
    rows = Notification.objects.bulk_create(
        [Notification(user=u, kind=kind, params=dict(params), url=url[:500]) for u in people]
    )
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=people)}
    mail_to = [
        (u.email, (prefs[u.pk].language if u.pk in prefs else "") or settings.LANGUAGE_CODE)
        for u in people
        if u.email and (u.pk not in prefs or prefs[u.pk].email)
    ]
    if mail_to:
        transaction.on_commit(
            partial(_send, kind=kind, params=dict(params), url=url, extra_text=extra_text, to=mail_to)
        )
    return rows


def _send(*, kind: str, params: dict[str, Any], url: str, extra_text: str, to: list[tuple[str, str]]) -> None:
    messages = []
    for address, language in to:
        with translation.override(language):
            subject = email_subject(kind, params)
            body = render_to_string(
                "notifications/email/notification.txt",
                {
                    "text": notification_text(kind, params),
                    "extra_text": extra_text,
                    "link": settings.SITE_URL + url if url.startswith("/") else url,
                    "settings_link": settings.SITE_URL + "/notifications/settings/",
                },
            )
        messages.append(mail.EmailMessage(subject=subject, body=body, to=[address]))
    try:
        with mail.get_connection() as connection:
            connection.send_messages(messages)
    except Exception:  # the mail server is not the grade: log it, keep the in-site notification
        log.exception("sending %d notification e-mails (%s) failed", len(messages), kind)


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when ``ids`` is None); returns how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def calendar_feed_create(*, user: User) -> CalendarFeed:
    """A new secret calendar address for the user; any earlier one stops working."""
    CalendarFeed.objects.filter(user=user).delete()
    return CalendarFeed.objects.create(user=user)


def calendar_feed_revoke(*, user: User) -> bool:
    """Stop the user's calendar address (it answers 404 from now on)."""
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    return bool(deleted)
