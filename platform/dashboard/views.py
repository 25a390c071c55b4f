"""Home, course dashboard, gradebook, student progress and the site overview.

Built only on other apps' selectors and services: no model of another app is queried here.
Every view checks the role on the course it serves (404 for outsiders, 403 for members
without the role).
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from core.csvexport import csv_response
from courses import selectors as course_selectors
from courses.selectors import Access
from grading import analytics as grading_analytics
from grading import selectors as grading_selectors

from . import charts
from . import selectors as dash
from .render import gradebook_cells


def _staff_access(request: HttpRequest, slug: str) -> Access:
    access = course_selectors.course_access(user=request.user, slug=slug)
    if not access.is_staff:
        raise PermissionDenied(_("Only the course's teachers and assistants may see this page."))
    return access


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: my courses, what is due next (my extensions applied), recent feedback, my
    calendar; for teachers and TAs, what waits to be graded across their courses."""
    from grading.review import grading_queue
    from notifications.calendar import calendar_for

    user = cast(User, request.user)
    memberships = course_selectors.courses_for_user(user=user)
    student_courses = {c.pk for c, role in memberships if role == "student"}
    now = timezone.now()
    due_next = [
        e
        for e in calendar_for(user=user)
        if e.course.pk in student_courses and (e.end or e.start) >= now and e.kind == "due"
    ][:8]
    is_staff = any(role != "student" for _c, role in memberships)
    return render(
        request,
        "dashboard/home.html",
        {
            "memberships": memberships,
            "due_next": due_next,
            "has_student_courses": bool(student_courses),
            "queue": grading_queue(user=user) if is_staff else None,
            "recent": grading_selectors.recent_feedback_for_user(user=user),
        },
    )


@require_GET
@login_required
def course_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """Who is falling behind, which question the class failed, whether grading is healthy."""
    access = _staff_access(request, slug)
    data = dash.course_dashboard(access=access, selected_slug=request.GET.get("activity") or None)
    selected_stats = next((s for s in data.stats if data.selected and s.activity.pk == data.selected.pk), None)
    figures: dict[str, Any] = {"weekly": charts.weekly_activity(data.weekly)}
    if data.stats:
        figures["rates"] = charts.submission_rates(data.stats)
    if data.selected is not None:
        figures["histogram"] = charts.score_histogram(
            selected_stats.scores if selected_stats else [], _("Score distribution (%)")
        )
        figures["timeline"] = charts.submission_timeline(
            data.timeline, data.selected.due_at, _("Submissions vs. deadline")
        )
        if data.questions:
            figures["questions"] = charts.question_difficulty(data.questions)
    return render(
        request,
        "dashboard/course.html",
        {
            "access": access,
            "course": access.course,
            "d": data,
            "selected_stats": selected_stats,
            "figures": figures,
            "now": timezone.now(),
        },
    )


def _gradebook_for(request: HttpRequest, access: Access) -> dash.Gradebook:
    return dash.gradebook(
        access=access,
        q=request.GET.get("q", "")[:100],
        flag=request.GET.get("flag", ""),
        activity_slug=request.GET.get("activity", ""),
        sort=request.GET.get("sort", "name"),
        desc=request.GET.get("desc") == "1",
    )


@require_GET
@login_required
def gradebook(request: HttpRequest, slug: str) -> HttpResponse:
    """Students × activities with late/extension/pending markers, filters, sorting, paging."""
    access = _staff_access(request, slug)
    book = _gradebook_for(request, access)
    all_activities = book.choices
    page = Paginator(book.rows, settings.DASHBOARD_GRADEBOOK_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboard/gradebook.html",
        {
            "access": access,
            "course": access.course,
            "book": book,
            "page": page,
            "rows": gradebook_cells(list(page.object_list), book.competition_activities),
            "all_activities": all_activities,
            "colspan": len(book.activities) + len(book.competition_activities) + 3,
            "query": query.urlencode(),
            "flags": [
                ("", _("everyone")),
                ("missing", _("missing work")),
                ("late", _("late")),
                ("pending", _("manual grading pending")),
                ("extension", _("has an extension")),
            ],
        },
    )


@require_GET
@login_required
def gradebook_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The gradebook as CSV: the columns, values, filters and order of the screen (every page)."""
    access = _staff_access(request, slug)
    book = _gradebook_for(request, access)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(dash.gradebook_csv_rows(book), filename=f"{access.course.slug}-gradebook-{stamp}.csv")


@require_GET
@login_required
def student_detail(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    """One student's every attempt, its feedback and its log (staff only)."""
    access = _staff_access(request, slug)
    student = next((s for s in dash.students_of(access=access) if s.id == user_id), None)
    if student is None:
        raise Http404("No such student in this course.")
    activities = {a.pk: a for a in dash.gradable_activities(access=access)}
    attempts = grading_analytics.attempts_of(activity_ids=list(activities), user_id=user_id)
    show = request.GET.get("attempt")
    rows = []
    for at in attempts:
        detail = grading_analytics.submission_detail(submission_id=at.id) if show == str(at.id) else None
        rows.append({"activity": activities[at.activity_id], "attempt": at, "detail": detail})
    return render(
        request,
        "dashboard/student.html",
        {"access": access, "course": access.course, "student": student, "rows": rows, "shown": show},
    )


@require_POST
@login_required
def release_scores(request: HttpRequest, slug: str, activity_slug: str) -> HttpResponse:
    """Show or hide an activity's scores to its students (teachers only), via grading's service."""
    from grading.services import scores_release

    access = course_selectors.course_access(user=request.user, slug=slug)
    if not access.is_teacher:
        raise PermissionDenied(_("Only the course's teachers may release scores."))
    activity = next((a for a in dash.gradable_activities(access=access) if a.slug == activity_slug), None)
    if activity is None:
        raise Http404("No such activity.")
    release = request.POST.get("release") == "1"
    scores_release(activity=activity, release=release, by=cast(User, request.user))
    if release:
        messages.success(
            request, _("Scores of %(title)s are now visible to students.") % {"title": activity.local_title}
        )
    else:
        messages.success(request, _("Scores of %(title)s are hidden from students.") % {"title": activity.local_title})
    return redirect("dashboard:gradebook", slug=slug)


@require_GET
@login_required
def progress(request: HttpRequest, slug: str) -> HttpResponse:
    """Mastery by concept, what to practise next, attempts, standings: the student's own only.

    Staff may look at one student with ``?student=<id>`` (that student's view, with
    unreleased scores marked); a student's ``?student=`` is ignored.
    """
    access = course_selectors.course_access(user=request.user, slug=slug)
    students = dash.students_of(access=access) if access.is_staff else []
    target = None
    if access.is_staff and request.GET.get("student"):
        try:
            wanted = int(request.GET["student"])
        except ValueError:
            raise Http404("No such student.") from None
        target = next((s for s in students if s.id == wanted), None)
        if target is None:
            raise Http404("No such student in this course.")
    user_id = target.id if target else int(request.user.pk)  # type: ignore[arg-type]
    data = dash.student_progress(access=access, user_id=user_id, show_unreleased=access.is_staff)
    threshold = settings.DASHBOARD_MASTERY_THRESHOLD
    charted = [m for m in data.mastery if m.graded]  # concepts that graded work measures
    return render(
        request,
        "dashboard/progress.html",
        {
            "access": access,
            "course": access.course,
            "p": data,
            "target": target,
            "students": students,
            "threshold": threshold,
            "fig_mastery": charts.mastery(charted, threshold) if charted else None,
        },
    )


@require_GET
@login_required
def site_overview(request: HttpRequest) -> HttpResponse:
    """Courses, users, running sandboxes and the grading queue (site admins)."""
    if not (request.user.is_active and request.user.is_superuser):  # type: ignore[union-attr]
        raise PermissionDenied(_("Only site administrators may see the site overview."))
    from courses import analytics as course_analytics

    day_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    health = grading_analytics.grading_health(activity_ids=None, since=day_start)
    return render(
        request,
        "dashboard/site.html",
        {
            "courses": course_analytics.courses_overview(),
            "counts": course_analytics.site_counts(),
            "health": health,
            "fig_queue": charts.grading_queue(health["by_status"]) if health["by_status"] else None,
        },
    )


@require_GET
@login_required
def site_probes(request: HttpRequest) -> HttpResponse:
    """System probes (hub, sandbox, worker), loaded by htmx so a slow probe never delays the page."""
    if not (request.user.is_active and request.user.is_superuser):  # type: ignore[union-attr]
        raise PermissionDenied(_("Only site administrators may see the site overview."))
    from . import probes

    return render(request, "dashboard/_probes.html", {"probes": probes.run_all(), "lab": dash.lab_usage()})
