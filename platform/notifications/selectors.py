"""Reads of the notifications app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .models import CalendarFeed, Notification

if TYPE_CHECKING:
    from accounts.models import User


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_of(*, user: User, limit: int = 100) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)[:limit]


def calendar_feed_of(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def feed_owner(*, token: str) -> User | None:
    """The active user whose calendar address this is, or None (unknown, revoked or inactive)."""
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.filter(token=token, user__is_active=True).select_related("user").first()
    return feed.user if feed is not None else None
