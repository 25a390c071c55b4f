"""Lab pages: the "Open in JupyterLab" panel on an activity."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from courses import selectors as course_selectors


@login_required
def panel(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    access = course_selectors.course_access(user=request.user, slug=slug)
    act = course_selectors.activity_get(access=access, slug=activity)
    return render(request, "sandbox/_panel.html", {"course": access.course, "activity": act})
