"""What a person is told: in-site notifications, their delivery preference, and calendar feed tokens.

A notification stores what happened (``kind`` and plain ``params``), not a sentence: its text is
written at view time in the reader's language (``notifications.messages``), so a student who
switches to Chinese reads every notification in Chinese. E-mails are written once, when sent, in
the language the recipient last used on the site (``NotificationPreference.language``).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("user", "read_at"))]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"


class NotificationPreference(models.Model):
    """Per user: whether to get e-mails too (in-site notifications always), and their language."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_pref")
    email = models.BooleanField(_("e-mail me when something is graded, released or announced"), default=True)
    # The language the user last read the site in; e-mails are written in it.
    language = models.CharField(max_length=10, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: email={self.email}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A secret address that gives one user's due dates to a calendar app without a session.

    Revoking deletes the row: the old address answers 404 from then on; a new one can be made.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"
