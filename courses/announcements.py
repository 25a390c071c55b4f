"""Course announcements: staff write Markdown, students read it on the course home and get it by
e-mail and as an in-site notification (``notifications.services.notify``, per their preference).

The Markdown is rendered once, at posting, through the lessons' sanitiser (``courses.rendering``):
no page view runs Markdown, and no script or event handler a teacher types reaches a page.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from .enums import Role
from .models import Announcement, Course

if TYPE_CHECKING:
    from accounts.models import User


class AnnouncementRejected(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def announcement_post(*, course: Course, title: str, body: str, by: User) -> Announcement:
    """Publish an announcement and tell the course's students (e-mail + in-site) after commit."""
    from accounts.models import User as UserModel
    from notifications.messages import Kind
    from notifications.services import notify

    from .rendering import markdown_to_html

    title = title.strip()
    if not title:
        raise AnnouncementRejected(_("An announcement needs a title."))
    if len(title) > 200:
        raise AnnouncementRejected(_("The title is longer than 200 characters."))
    row = Announcement.objects.create(
        course=course, title=title, body=body, body_html=markdown_to_html(body), created_by=by
    )
    students = list(UserModel.objects.filter(enrollments__course=course, enrollments__role=Role.STUDENT))
    url = reverse("courses:announcements", args=[course.slug]) + f"#a{row.pk}"
    params = {"course": course.title, "course_zh": course.title_zh, "title": title}
    transaction.on_commit(
        partial(notify, users=students, kind=Kind.ANNOUNCEMENT, params=params, url=url, extra_text=body)
    )
    return row


def announcement_delete(*, course: Course, announcement_id: int) -> bool:
    deleted, _count = Announcement.objects.filter(course=course, pk=announcement_id).delete()
    return bool(deleted)


def announcements_of(*, course: Course, limit: int | None = None) -> QuerySet[Announcement]:
    """A course's announcements, newest first."""
    qs = Announcement.objects.filter(course=course).select_related("created_by")
    return qs[:limit] if limit else qs
