"""Grading pages. The submit panel is loaded into the activity page with htmx."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from courses import selectors as course_selectors

from .models import Submission


@login_required
def panel(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    access = course_selectors.course_access(user=request.user, slug=slug)
    act = course_selectors.activity_get(access=access, slug=activity)
    mine = Submission.objects.filter(user=request.user, activity=act).order_by("-received_at")[:10]
    notebooks = (
        list(course_selectors.activity_student_notebooks(version=act.current_version)) if act.current_version else []
    )
    return render(
        request,
        "grading/_panel.html",
        {"course": access.course, "activity": act, "submissions": mine, "notebooks": notebooks},
    )
