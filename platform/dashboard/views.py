"""Home, course dashboard, student progress and the site overview.

Built only on other apps' selectors: no model of another app is queried here.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from courses import selectors as course_selectors
from grading import selectors as grading_selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The student's (and teacher's) start page: my courses, what is due next, recent feedback."""
    memberships = course_selectors.courses_for_user(user=request.user)
    return render(
        request,
        "dashboard/home.html",
        {
            "memberships": memberships,
            "due_next": course_selectors.due_next_for_user(user=request.user),
            "recent": grading_selectors.recent_feedback_for_user(user=request.user),
        },
    )


@login_required
def course_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    access = course_selectors.course_access(user=request.user, slug=slug)
    if not access.is_staff:
        raise PermissionDenied(_("Only the course's teachers and assistants may see the dashboard."))
    students = course_selectors.course_students(course=access.course)
    return render(
        request,
        "dashboard/course.html",
        {
            "access": access,
            "course": access.course,
            "students": students,
            "activities": course_selectors.activities_visible(access=access),
        },
    )


@login_required
def progress(request: HttpRequest, slug: str) -> HttpResponse:
    access = course_selectors.course_access(user=request.user, slug=slug)
    return render(
        request,
        "dashboard/progress.html",
        {"access": access, "course": access.course, "activities": course_selectors.activities_visible(access=access)},
    )


@login_required
def site_overview(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:  # type: ignore[union-attr]
        raise PermissionDenied(_("Only site administrators may see the site overview."))
    from django.contrib.auth import get_user_model

    from courses.models import Course  # the admin overview counts rows; a selector comes with issue 7

    return render(
        request, "dashboard/site.html", {"courses": Course.objects.count(), "users": get_user_model().objects.count()}
    )
