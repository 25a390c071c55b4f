"""The header's bell, a course's calendar and announcements, for templates owned elsewhere."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    """Unread notifications of the signed-in user (0 for visitors)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    from notifications.selectors import unread_count

    return unread_count(user=user)


@register.inclusion_tag("notifications/_calendar.html", takes_context=True)
def course_calendar(context: dict[str, Any], course: Any = None, agenda: int = 6) -> dict[str, Any]:
    """A compact month grid and agenda of the viewer's due dates (one course, or all of theirs)."""
    from notifications.calendar import calendar_for, month_view

    request = context["request"]
    events = calendar_for(user=request.user, course=course)
    return {"month": month_view(events, month=request.GET.get("month"), agenda=agenda), "course": course}


@register.inclusion_tag("courses/_announcements.html", takes_context=True)
def course_announcements(context: dict[str, Any], access: Any, limit: int = 3) -> dict[str, Any]:
    from courses.announcements import announcements_of

    return {
        "items": list(announcements_of(course=access.course, limit=limit)),
        "access": access,
        "course": access.course,
    }
