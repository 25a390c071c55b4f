"""Template filters of the grading pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import template

from grading.scoring import format_score

if TYPE_CHECKING:
    from accounts.models import User
    from courses.selectors import AnyUser

register = template.Library()


@register.filter
def score(value: Any) -> str:
    """A score as every page and CSV prints it (``grading.scoring.format_score``), or an em dash."""
    return "—" if value is None or value == "" else format_score(value)


@register.filter
def status_name(value: Any) -> str:
    """A submission status in the reader's language."""
    from grading.enums import SubmissionStatus

    try:
        return str(SubmissionStatus(value).label)
    except ValueError:
        return str(value)


@register.filter
def cell_status(value: Any) -> str:
    """A graded cell's outcome code ("passed", "needs grading", ...) in the reader's language."""
    from grading.feedback import cell_status_label

    return cell_status_label(value)


@register.filter
def runner_message(value: Any) -> str:
    """A stored grading message (the runner writes English) in the reader's language."""
    from grading.feedback import runner_message_localise

    return runner_message_localise(str(value or ""))


@register.filter
def cell_kind(value: Any) -> str:
    """A graded cell's kind code ("autograded_test", "manual", ...) in the reader's language."""
    from grading.feedback import cell_kind_label

    return cell_kind_label(value)


@register.simple_tag(takes_context=True)
def due_for(context: Any, activity: Any, user: AnyUser | None = None) -> Any:
    """The due time in force for the viewer (their extension, else the activity's)."""
    from grading.services import due_for as due_for_user

    who = user or getattr(context.get("request"), "user", None)
    if who is None or not getattr(who, "is_authenticated", False):
        return activity.due_at
    return due_for_user(activity=activity, user=cast("User", who))  # signed in (checked above)


@register.simple_tag
def extra_time(course: Any, user: AnyUser | None) -> Any:
    """The student's extra-time factor in the course, or None without an accommodation."""
    from grading.review import extra_time_factor

    uid = getattr(user, "pk", None) or getattr(user, "id", None)
    if not uid:
        return None
    factor = extra_time_factor(user=int(uid), course=course)
    return None if factor == 1 else factor


@register.filter
def is_past(value: Any) -> bool:
    """True for a time before now."""
    from django.utils import timezone

    return value is not None and value < timezone.now()
