"""Pages of the courses app. Each view resolves the user's access to the course first."""

from __future__ import annotations

import io
import mimetypes
import zipfile
from typing import IO, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from core.blobs import BlobNotFound, blob_path

from . import selectors, services
from .enums import NOTEBOOK_KINDS, ActivityKind, FileKind, Role, Stage
from .forms import CourseCreateForm, CourseZipForm, JoinForm, RoleForm, RosterAddForm, RosterCsvForm
from .imports import course_import_for, course_import_receive
from .models import Activity, Course, CourseImport
from .notebook_lang import BODY_FIELDS, content_fields, notebook_bytes_for_language


def _user(request: HttpRequest) -> User:
    """The signed-in user of a view behind @login_required."""
    return cast(User, request.user)


@login_required
@require_http_methods(["GET", "POST"])
def course_list(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course, created = services.course_join(user=_user(request), code=form.cleaned_data["code"])
        except services.RosterError as exc:
            form.add_error("code", str(exc))
        else:
            if created:
                messages.success(request, _("Welcome to %(course)s!") % {"course": course.local_title})
            return redirect("courses:home", course.slug)
    return render(
        request, "courses/list.html", {"memberships": selectors.courses_for_user(user=request.user), "join_form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest) -> HttpResponse:
    if not request.user.may_create_courses:  # type: ignore[union-attr]
        raise PermissionDenied(_("Only teachers may create courses."))
    form = CourseCreateForm(request.POST or None)
    zip_form = CourseZipForm()
    if request.method == "POST" and form.is_valid():
        course = services.course_create(teacher=_user(request), **form.cleaned_data)
        messages.success(request, _("Course created. Import its content or add units from a folder."))
        return redirect("courses:manage", course.slug)
    return render(request, "courses/create.html", {"form": form, "zip_form": zip_form})


def _import_receive(request: HttpRequest, *, course: Course | None) -> tuple[CourseImport | None, list[str]]:
    """Checks that take no time (a file, within the size limit, a zip); the import itself runs
    in a worker (courses.imports): verifying assignments in the sandbox is too long for a request."""
    form = CourseZipForm(request.POST, request.FILES)
    if not form.is_valid():
        return None, [str(e) for errs in form.errors.values() for e in errs]
    upload = form.cleaned_data["archive"]
    limit = settings.COURSE_ZIP_MAX_BYTES
    if upload.size > limit:
        return None, [_("upload: the zip is larger than %(mib)s MiB") % {"mib": limit // (1024 * 1024)}]
    if not zipfile.is_zipfile(upload):
        return None, [_("upload: not a zip file")]
    job = course_import_receive(
        upload=upload, filename=upload.name or "", size=upload.size, teacher=request.user, course=course
    )
    return job, []


@login_required
@require_POST
def course_import_new(request: HttpRequest) -> HttpResponse:
    """Create (or, for its teacher, update) a course from an uploaded folder zip."""
    if not request.user.may_create_courses:  # type: ignore[union-attr]
        raise PermissionDenied(_("Only teachers may create courses."))
    job, problems = _import_receive(request, course=None)
    if job is None:
        return render(
            request,
            "courses/create.html",
            {"form": CourseCreateForm(), "zip_form": CourseZipForm(), "problems": problems},
            status=400,
        )
    return redirect("courses:import_status", job.pk)


@login_required
def course_home(request: HttpRequest, slug: str) -> HttpResponse:
    access = selectors.course_access(user=request.user, slug=slug)
    units = selectors.units_with_activities(access=access)
    counts = {stage: 0 for stage in Stage}
    linked: set[str] = set()
    for unit in units:
        for activity in unit.visible_activities:  # type: ignore[attr-defined]
            counts[activity.stage] += 1
            if activity.kind == ActivityKind.COMPETITION:
                linked.add(str((activity.options or {}).get("competition", "")))
    from competitions.selectors import competitions_of_course

    # The course's competitions count in 赛 even where no unit has an activity pointing at them.
    competitions = competitions_of_course(course=access.course)
    counts[Stage.COMPETE] += sum(1 for c in competitions if c.slug not in linked)
    stages = [
        {"key": s.value, "zh": s.label.split(" ")[0], "en": s.label.split(" ", 1)[1], "count": counts[s]} for s in Stage
    ]
    return render(
        request,
        "courses/home.html",
        {"access": access, "course": access.course, "units": units, "stages": stages, "competitions": competitions},
    )


@login_required
def activity_detail(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    access = selectors.course_access(user=request.user, slug=slug)
    act = selectors.activity_get(access=access, slug=activity)
    version = act.current_version
    if version is not None and "assessment_blob" in (version.facts or {}):
        return redirect("assessments:home", slug, activity)  # a quiz or an exam made of questions
    files = list(selectors.activity_files(version=version, for_staff=access.is_staff)) if version else []
    content_lang, chosen = _content_language(request)
    # the text in the reader's language, else the course's own (its source language) with a note
    wanted, source = content_fields(access.course.language, content_lang)
    body = ""
    missing_translation = False
    if version is not None:
        body = getattr(version, wanted) or getattr(version, source)
        missing_translation = wanted != source and not getattr(version, wanted)
    shown = source if missing_translation else wanted
    response = render(
        request,
        "courses/activity.html",
        {
            "access": access,
            "course": access.course,
            "activity": act,
            "version": version,
            "body_html": body,
            "content_lang": "zh-hans" if shown == BODY_FIELDS["zh"] else "en",
            "wants_zh": content_lang == "zh-hans",
            "missing_translation": missing_translation,
            "files": [f for f in files if f.kind != FileKind.LESSON],
            "opens_in_lab": act.kind in NOTEBOOK_KINDS,
            "is_graded": act.kind in (ActivityKind.ASSIGNMENT, ActivityKind.EXAM),
            "competition": _competition_for(act),
        },
    )
    if chosen:  # the switch remembers the reader's choice for the next pages (no JavaScript needed)
        response.set_cookie(CONTENT_LANG_COOKIE, content_lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response


CONTENT_LANG_COOKIE = "liangzhi_content_lang"
CONTENT_LANGS = ("en", "zh-hans")


def _content_language(request: HttpRequest) -> tuple[str, bool]:
    """The language to show an activity's text in, and whether the reader chose it just now.

    ``?lang=`` (the page's 中文 / English switch) wins, then the remembered choice, then the
    interface language.
    """
    asked = request.GET.get("lang", "")
    if asked in CONTENT_LANGS:
        return asked, True
    remembered = request.COOKIES.get(CONTENT_LANG_COOKIE, "")
    if remembered in CONTENT_LANGS:
        return remembered, False
    return ("zh-hans" if getattr(request, "LANGUAGE_CODE", "").startswith("zh") else "en"), False


def _competition_for(activity: Activity) -> object | None:
    if activity.kind != ActivityKind.COMPETITION:
        return None
    from competitions.selectors import competition_for_activity

    return competition_for_activity(activity=activity)


@login_required
def activity_file(request: HttpRequest, slug: str, activity: str, path: str) -> FileResponse:
    """A file of the current version; instructor sources are served to staff only."""
    access = selectors.course_access(user=request.user, slug=slug)
    act = selectors.activity_get(access=access, slug=activity)
    if act.current_version is None:
        raise Http404
    f = selectors.activity_files(version=act.current_version, for_staff=access.is_staff).filter(path=path).first()
    if f is None:
        raise Http404("No such file.")
    try:
        handle: IO[bytes] = blob_path(f.blob).open("rb")
    except BlobNotFound:
        raise Http404("The file is missing from storage.") from None
    if f.kind == FileKind.NOTEBOOK:  # in the language the page shows, without the teacher's metadata
        with handle:
            handle = io.BytesIO(notebook_bytes_for_language(handle.read(), _content_language(request)[0]))
    filename = path.rsplit("/", 1)[-1]
    content_type = (
        "application/x-ipynb+json"
        if filename.endswith(".ipynb")
        else (mimetypes.guess_type(filename)[0] or "application/octet-stream")
    )
    inline = f.kind == FileKind.ASSET and content_type.startswith("image/") and content_type != "image/svg+xml"
    response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=filename)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _teacher_access(request: HttpRequest, slug: str) -> selectors.Access:
    access = selectors.course_access(user=request.user, slug=slug)
    if not access.is_teacher:
        raise PermissionDenied(_("Only the course's teachers may do this."))
    return access


@login_required
def course_manage(request: HttpRequest, slug: str) -> HttpResponse:
    access = selectors.course_access(user=request.user, slug=slug)
    if not access.is_staff:
        raise PermissionDenied(_("Only the course's teachers and assistants may see this page."))
    return render(
        request,
        "courses/manage.html",
        {
            "access": access,
            "course": access.course,
            "roster": selectors.roster_in_scope(access=access),
            "add_form": RosterAddForm(),
            "csv_form": RosterCsvForm(),
            "zip_form": CourseZipForm(),
            "roles": Role.choices,
            "activities": selectors.activities_visible(access=access),
        },
    )


@login_required
@require_POST
def roster_add(request: HttpRequest, slug: str) -> HttpResponse:
    access = _teacher_access(request, slug)
    form = RosterAddForm(request.POST)
    if form.is_valid():
        try:
            enrollment = services.roster_add(
                course=access.course, username=form.cleaned_data["username"], role=Role(form.cleaned_data["role"])
            )
            messages.success(
                request,
                _("%(user)s is now a %(role)s.") % {"user": enrollment.user, "role": enrollment.get_role_display()},
            )
        except services.RosterError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Give a user name and a role."))
    return redirect("courses:manage", slug)


@login_required
@require_POST
def roster_csv(request: HttpRequest, slug: str) -> HttpResponse:
    access = _teacher_access(request, slug)
    form = RosterCsvForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("courses:manage", slug)
    upload = form.cleaned_data["file"]
    report = services.roster_import_file(
        course=access.course,
        name=upload.name or "",
        data=upload.read(),
        create_missing=form.cleaned_data["create_missing"],
    )
    if report.errors:
        messages.error(request, _("Nothing was changed. ") + " ".join(report.errors[:20]))
        return redirect("courses:manage", slug)
    messages.success(
        request,
        _("Roster updated: %(added)d added, %(updated)d changed, %(created)d new accounts.")
        % {"added": len(report.added), "updated": len(report.updated), "created": len(report.created_users)},
    )
    created = list(User.objects.filter(username__in=report.created_users).order_by("username"))
    return _onboard(request, access=access, users=created, how=form.cleaned_data["onboarding"])


def _onboard(request: HttpRequest, *, access: selectors.Access, users: list[User], how: str) -> HttpResponse:
    """Invitations for those with an e-mail (when asked), login slips for the rest.

    The slips page is this response itself: the one-time passwords exist only in it and
    as hashes, so reloading or coming back never shows them again.
    """
    from accounts.services import invitation_send, one_time_password_issue

    invited = 0
    slips: list[tuple[User, str]] = []
    for user in users:
        if how == "invite" and invitation_send(user=user, course_title=access.course.local_title):
            invited += 1
        else:
            slips.append((user, one_time_password_issue(user=user)))
    if invited:
        messages.success(
            request,
            ngettext("%(n)d invitation was e-mailed.", "%(n)d invitations were e-mailed.", invited) % {"n": invited},
        )
    if not slips:
        return redirect("courses:manage", access.course.slug)
    return render(
        request,
        "courses/slips.html",
        {"course": access.course, "access": access, "slips": slips, "site_url": settings.SITE_URL},
    )


@login_required
@require_POST
def roster_onboard(request: HttpRequest, slug: str) -> HttpResponse:
    """New invitations or login slips for the course's students who have never logged in.

    Only they: a student who has used their account keeps their password.
    """
    access = _teacher_access(request, slug)
    how = request.POST.get("how", "")
    if how not in ("invite", "slips"):
        messages.error(request, _("Choose invitations or login slips."))
        return redirect("courses:manage", slug)
    users = [
        e.user
        for e in selectors.course_students(course=access.course)
        if e.user.last_login is None and e.user.is_active and not e.user.is_staff and not e.user.is_superuser
    ]
    if not users:
        messages.info(request, _("Every student of this course has logged in already."))
        return redirect("courses:manage", slug)
    return _onboard(request, access=access, users=users, how=how)


@login_required
@require_POST
def roster_change(request: HttpRequest, slug: str, enrollment_id: int) -> HttpResponse:
    access = _teacher_access(request, slug)
    enrollment = get_object_or_404(selectors.roster_in_scope(access=access), pk=enrollment_id)
    try:
        if request.POST.get("action") == "remove":
            services.roster_remove(enrollment=enrollment)
            messages.success(request, _("%(user)s was removed from the course.") % {"user": enrollment.user})
        else:
            form = RoleForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Choose a valid role."))
            else:
                services.roster_set_role(enrollment=enrollment, role=Role(form.cleaned_data["role"]))
                messages.success(request, _("Role changed."))
    except services.RosterError as exc:
        messages.error(request, str(exc))
    return redirect("courses:manage", slug)


@login_required
@require_POST
def course_rotate_code(request: HttpRequest, slug: str) -> HttpResponse:
    access = _teacher_access(request, slug)
    services.course_rotate_join_code(course=access.course)
    messages.success(request, _("A new join code was made; the old one no longer works."))
    return redirect("courses:manage", slug)


@login_required
@require_POST
def course_import_update(request: HttpRequest, slug: str) -> HttpResponse:
    access = _teacher_access(request, slug)
    job, problems = _import_receive(request, course=access.course)
    if job is None:
        messages.error(request, _("The import was refused; nothing was changed."))
        return render(
            request,
            "courses/manage.html",
            {
                "access": access,
                "course": access.course,
                "roster": selectors.roster_in_scope(access=access),
                "add_form": RosterAddForm(),
                "csv_form": RosterCsvForm(),
                "zip_form": CourseZipForm(),
                "roles": Role.choices,
                "problems": problems,
                "activities": selectors.activities_visible(access=access),
            },
            status=400,
        )
    return redirect("courses:import_status", job.pk)


@login_required
def course_import_status(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress page of a background import; htmx polls it (the fragment) until it is finished."""
    job = course_import_for(job_id=job_id, user=_user(request))
    if job is None:
        raise Http404
    template = "courses/_import_status.html" if request.htmx else "courses/import_status.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job, "statuses": CourseImport.Status})
