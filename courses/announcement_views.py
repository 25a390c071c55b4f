"""Announcement pages: every member reads them; teachers and TAs post and delete."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User

from . import announcements, selectors


@login_required
@require_http_methods(["GET", "POST"])
def announcement_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = selectors.course_access(user=request.user, slug=slug)
    error = ""
    if request.method == "POST":
        if not access.is_staff:
            raise PermissionDenied(_("Only the course's teachers and TAs may post announcements."))
        try:
            announcements.announcement_post(
                course=access.course,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                by=cast(User, request.user),
            )
        except announcements.AnnouncementRejected as exc:
            error = exc.reason
        else:
            messages.success(request, _("Announcement posted; the students are being told."))
            return redirect("courses:announcements", slug=slug)
    return render(
        request,
        "courses/announcements.html",
        {
            "access": access,
            "course": access.course,
            "items": announcements.announcements_of(course=access.course),
            "error": error,
            "form": request.POST if error else {},
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def announcement_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = selectors.course_access(user=request.user, slug=slug)
    if not access.is_staff:
        raise PermissionDenied(_("Only the course's teachers and TAs may delete announcements."))
    announcements.announcement_delete(course=access.course, announcement_id=pk)
    return redirect("courses:announcements", slug=slug)
