"""Pages of the competitions app. Every view resolves the user's access to the competition first
(404 for those who may not see it) and checks the role the action needs."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from core.csvexport import csv_response

from . import datasets, selectors, services
from .enums import PENDING
from .models import Phase


def _user(request: HttpRequest) -> User:
    """The signed-in user (every view here is behind ``login_required``)."""
    return cast(User, request.user)


def _phase(access: selectors.CompAccess, slug: str | None) -> Phase:
    if slug:
        return selectors.phase_get(competition=access.competition, slug=slug)
    ph = selectors.phase_current(competition=access.competition)
    if ph is None:
        raise Http404("This competition has no phases.")
    return ph


def _board_context(request: HttpRequest, access: selectors.CompAccess, phase: Phase) -> dict[str, Any]:
    # Once the phase has closed, the final (private) ranking is what everyone sees first.
    split = request.GET.get("split", "private" if phase.is_closed() else "public")
    if split not in ("public", "private"):
        split = "public"
    can_private = selectors.private_visible(access=access, phase=phase)
    if split == "private" and not can_private:
        split = "public"
    school = _school_param(request)
    rows = selectors.leaderboard(phase=phase, split=split, viewer=_user(request), school_id=school)
    total = sum(1 for r in rows if not r.is_baseline)
    limit = settings.COMPETITIONS_LEADERBOARD_ROWS
    show_all = request.GET.get("all") == "1"
    if not show_all and total > limit:
        # Top rows, every baseline, and the viewer's own row wherever it is.
        rows = [r for r in rows if r.is_baseline or r.is_you or (r.rank or 0) <= limit]
    return {
        "total": total,
        "truncated": not show_all and total > limit,
        "limit": limit,
        "competition": access.competition,
        "phase": phase,
        "access": access,
        "rows": rows,
        "split": split,
        "can_private": can_private,
        "closed": phase.is_closed(),
        "poll": settings.COMPETITIONS_LEADERBOARD_POLL_SECONDS,
        "lower_better": not access.competition.higher_is_better,
        "school": school,
        "board_schools": selectors.board_schools(phase=phase, split=split),
        "schools": selectors.school_ranking(phase=phase, split=split),
    }


def _school_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("school", "")
    return int(raw) if raw.isdigit() else None


def _countdown(phase: Phase) -> dict[str, Any] | None:
    """A synchronised competition's countdown, in seconds by the server's clock (the page counts
    down from this figure, never from the browser's own clock)."""
    if not phase.competition.synchronised:
        return None
    now = timezone.now()
    if now < phase.starts_at:
        return {"seconds": int((phase.starts_at - now).total_seconds()), "label": _("Opens for everyone in")}
    if now < phase.ends_at:
        return {"seconds": int((phase.ends_at - now).total_seconds()), "label": _("Closes for everyone in")}
    return None


def _chart(phase: Phase, higher: bool) -> dict[str, Any]:
    """Plotly figure (plain data: no plotly import in the web process), cached per board version.

    A dict, not a JSON string: the template writes it with ``json_script``, which escapes
    ``<``, ``>`` and ``&`` so that a team name cannot close the script element.
    """
    from django.core.cache import cache

    key = f"cmp:chart:{phase.pk}:{phase.board_version}:{get_language()}"
    fig = cache.get(key)
    if not isinstance(fig, dict):
        fig = json.loads(_chart_build(phase, higher))
        cache.set(key, fig, 3600)
    return fig


def _chart_build(phase: Phase, higher: bool) -> str:
    hist = selectors.score_history(phase=phase)
    best_t, best_y = hist["best"]
    data: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "markers", "name": name, "x": [t.isoformat() for t in ts], "y": ys, "opacity": 0.55}
        for name, (ts, ys) in list(hist["participants"].items())[:40]
    ]
    data.insert(
        0,
        {
            "type": "scatter",
            "mode": "lines",
            "line": {"shape": "hv", "width": 3},
            "name": _("best so far"),
            "x": [t.isoformat() for t in best_t],
            "y": best_y,
        },
    )
    for label, score in phase.submissions.filter(is_baseline=True, public_score__isnull=False).values_list(
        "label", "public_score"
    ):
        xs = [phase.starts_at.isoformat(), min(timezone.now(), phase.ends_at).isoformat()]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": label,
                "x": xs,
                "y": [score, score],
                "line": {"dash": "dash", "color": "#868e96"},
            }
        )
    layout = {
        "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
        "height": 300,
        "yaxis": {"title": _("score (lower is better)") if not higher else _("score")},
        "legend": {"orientation": "h"},
    }
    return json.dumps({"data": data, "layout": layout})


@login_required
@require_GET
def competition_list(request: HttpRequest) -> HttpResponse:
    comps = selectors.competitions_for_user(user=_user(request))
    return render(request, "competitions/list.html", {"competitions": comps})


@login_required
@require_GET
def competition_home(request: HttpRequest, slug: str, phase: str | None = None) -> HttpResponse:
    access = selectors.competition_access(user=_user(request), slug=slug)
    ph = _phase(access, phase)
    key, team = selectors.participant_key(competition=access.competition, user=_user(request))
    ctx = _board_context(request, access, ph)
    ctx.update(
        {
            "phases": selectors.phases_of(competition=access.competition),
            "quota": selectors.quota_for(phase=ph, participant=key) if access.can_participate else None,
            "team": team,
            "team_members": list(team.memberships.select_related("user")) if team else [],
            "mine": selectors.my_submissions(phase=ph, participant=key) if access.can_participate else [],
            "chart": _chart(ph, access.competition.higher_is_better),
            "is_open": ph.is_open(),
            "downloads": _downloads(access, ph),
            "recent": selectors.recent_submissions(phase=ph) if access.is_host else [],
            "accept": {"module": ".py", "notebook": ".ipynb", "predictions": ".csv"}[ph.submission_kind],
            "lab_path": services.lab_path_default(phase=ph),
            "now": timezone.now(),
            "countdown": _countdown(ph),
            "registration": selectors.registration_of(competition=access.competition, user=_user(request)),
            "eligibility": selectors.eligibility(competition=access.competition, user=_user(request))
            if access.can_participate
            else None,
        }
    )
    return render(request, "competitions/home.html", ctx)


@login_required
def school_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """Hosts choose entries, the schools ranking, synchronised start and eligibility."""
    from .forms import SchoolSettingsForm

    access = selectors.competition_access(user=_user(request), slug=slug)
    _host(access)
    comp = access.competition
    schools = selectors.schools_in_scope(competition=comp)
    status = 200
    if request.method == "POST":
        form = SchoolSettingsForm(request.POST, schools=schools)
        if form.is_valid():
            try:
                services.competition_school_settings_set(competition=comp, **form.cleaned_data)
            except services.SubmissionRefused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Settings saved."))
                return redirect("competitions:school_settings", slug)
        status = 400
    else:
        form = SchoolSettingsForm(
            schools=schools,
            initial={
                "entry_mode": comp.entry_mode,
                "school_ranking": comp.school_ranking,
                "school_ranking_k": comp.school_ranking_k,
                "synchronised": comp.synchronised,
                "eligible_schools": list(comp.eligible_schools.all()),
                "eligible_grades": ", ".join(str(g) for g in comp.eligible_grades or []),
            },
        )
    return render(request, "competitions/settings.html", {"competition": comp, "form": form}, status=status)


@login_required
@require_POST
def register(request: HttpRequest, slug: str) -> HttpResponse:
    """Register for the competition; an ineligible participant gets the reason (403)."""
    access = selectors.competition_access(user=_user(request), slug=slug)
    if not access.can_participate:
        raise PermissionDenied(_("Only students inside the competition's scope may register."))
    try:
        services.registration_create(competition=access.competition, user=_user(request))
    except services.SubmissionRefused as exc:
        ph = selectors.phase_current(competition=access.competition)
        return render(
            request,
            "competitions/refused.html",
            {
                "competition": access.competition,
                "phase": ph,
                "message": exc.message,
                "retry_at": None,
                "heading": _("Registration refused"),
            },
            status=exc.status,
        )
    messages.success(request, _("You are registered."))
    return redirect("competitions:home", slug)


def _downloads(access: selectors.CompAccess, phase: Phase) -> list[str]:
    folder = datasets.phase_dir(access.competition.slug, phase.dataset) / "public"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@login_required
@require_GET
def leaderboard(request: HttpRequest, slug: str, phase: str) -> HttpResponse:
    access = selectors.competition_access(user=_user(request), slug=slug)
    ph = _phase(access, phase)
    ctx = _board_context(request, access, ph)
    if request.GET.get("split") == "private" and not ctx["can_private"]:
        raise PermissionDenied(_("The private leaderboard is revealed when the phase closes."))
    if request.GET.get("view") == "schools":
        template = "competitions/partials/schools.html"
    else:
        template = "competitions/partials/leaderboard.html" if request.htmx else "competitions/leaderboard.html"  # type: ignore[attr-defined]
    return render(request, template, ctx)


@login_required
@require_GET
def my_submissions(request: HttpRequest, slug: str, phase: str) -> HttpResponse:
    access = selectors.competition_access(user=_user(request), slug=slug)
    return _mine(request, access, _phase(access, phase))


def _mine(request: HttpRequest, access: selectors.CompAccess, ph: Phase) -> HttpResponse:
    key, _team = selectors.participant_key(competition=access.competition, user=_user(request))
    mine = selectors.my_submissions(phase=ph, participant=key)
    return render(
        request,
        "competitions/partials/mine.html",
        {
            "competition": access.competition,
            "phase": ph,
            "mine": mine,
            "pending": any(s.status in PENDING for s in mine),
            "closed": ph.is_closed(),
            "access": access,
            # htmx responses also refresh the quota line beside the form (out of band).
            "oob": bool(request.htmx) and ph.is_open() and access.can_participate,  # type: ignore[attr-defined]
            "quota": selectors.quota_for(phase=ph, participant=key) if access.can_participate else None,
        },
    )


def _refusal(
    request: HttpRequest, access: selectors.CompAccess, ph: Phase, exc: services.SubmissionRefused
) -> HttpResponse:
    body = {"error": exc.message}
    if exc.retry_at:
        body["next_allowed_at"] = exc.retry_at.isoformat()
    if request.htmx or request.headers.get("Accept", "").startswith("application/json"):  # type: ignore[attr-defined]
        if request.htmx:  # type: ignore[attr-defined]
            resp = render(
                request,
                "competitions/partials/refused.html",
                {"message": exc.message, "retry_at": exc.retry_at},
                status=exc.status,
            )
        else:
            resp = HttpResponse(json.dumps(body), content_type="application/json", status=exc.status)
    else:
        resp = render(
            request,
            "competitions/refused.html",
            {"competition": access.competition, "phase": ph, "message": exc.message, "retry_at": exc.retry_at},
            status=exc.status,
        )
    if exc.retry_at:
        resp["Retry-After"] = str(max(1, int((exc.retry_at - timezone.now()).total_seconds())))
        resp["X-Next-Allowed-At"] = http_date(exc.retry_at.timestamp())
    return resp


@login_required
@require_POST
def submit(request: HttpRequest, slug: str, phase: str) -> HttpResponse:
    access = selectors.competition_access(user=_user(request), slug=slug)
    ph = _phase(access, phase)
    if not access.can_participate:
        raise PermissionDenied(_("Only participants can submit; hosts add baselines."))
    upload = request.FILES.get("file")
    lab_path = request.POST.get("lab_path", "")
    try:
        if upload is None and lab_path:
            sub = services.submission_from_lab(phase=ph, user=_user(request), path=lab_path)
            return _received(request, access, ph, sub)
        if upload is None:
            raise services.SubmissionRefused(_("Choose a file to upload."), 400)
        if upload.size and upload.size > settings.COMPETITIONS_UPLOAD_MAX_BYTES:
            raise services.SubmissionRefused(_("The file is larger than the limit."), 413)
        sub = services.submission_receive(phase=ph, user=_user(request), data=upload.read(), filename=upload.name or "")
    except services.SubmissionRefused as exc:
        return _refusal(request, access, ph, exc)
    return _received(request, access, ph, sub)


@login_required
@require_POST
def lab_starter(request: HttpRequest, slug: str, phase: str) -> HttpResponse:
    """Make the file that "Submit from the lab" names exist in the participant's lab, and go there."""
    access = selectors.competition_access(user=_user(request), slug=slug)
    ph = _phase(access, phase)
    if not access.can_participate:
        raise PermissionDenied(_("Only participants can submit; hosts add baselines."))
    try:
        url = services.lab_starter_place(phase=ph, user=_user(request))
    except services.SubmissionRefused as exc:
        messages.error(request, str(exc))
        return redirect("competitions:phase", access.competition.slug, ph.slug)
    return redirect(url)


def _received(request: HttpRequest, access: selectors.CompAccess, ph: Phase, sub: Any) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return _mine(request, access, ph)
    messages.success(
        request,
        _("Received submission #%(n)d at %(t)s; it is being evaluated.")
        % {"n": sub.pk, "t": sub.received_at.strftime("%H:%M:%S")},
    )
    return redirect("competitions:phase", access.competition.slug, ph.slug)


@login_required
@require_GET
def submission_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = selectors.competition_access(user=_user(request), slug=slug)
    sub = selectors.submission_for_viewer(access=access, pk=pk)
    show_private = selectors.private_visible(access=access, phase=sub.phase)
    return render(
        request,
        "competitions/submission.html",
        {
            "competition": access.competition,
            "sub": sub,
            "phase": sub.phase,
            "show_private": show_private,
            "access": access,
        },
    )


@login_required
@require_POST
def requeue(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = selectors.competition_access(user=_user(request), slug=slug)
    _host(access)
    sub = selectors.submission_for_viewer(access=access, pk=pk)
    try:
        services.submission_requeue(submission=sub)
    except services.SubmissionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Submission #%(n)d is queued again.") % {"n": sub.pk})
    return redirect("competitions:submission", slug, sub.pk)


@login_required
@require_POST
def select_final(request: HttpRequest, slug: str, phase: str) -> HttpResponse:
    access = selectors.competition_access(user=_user(request), slug=slug)
    ph = _phase(access, phase)
    if not access.can_participate:
        raise PermissionDenied(_("Only participants select final submissions."))
    try:
        chosen = [int(x) for x in request.POST.getlist("selected") if x.isdigit()]
        services.final_selection_set(phase=ph, user=_user(request), submission_ids=chosen)
    except (services.SubmissionRefused, ValueError) as exc:
        messages.error(request, str(exc))
        return redirect("competitions:phase", slug, ph.slug)
    messages.success(request, _("Final selection saved."))
    return redirect("competitions:phase", slug, ph.slug)


@login_required
@require_POST
def team(request: HttpRequest, slug: str) -> HttpResponse:
    access = selectors.competition_access(user=_user(request), slug=slug)
    if not access.can_participate:
        raise PermissionDenied(_("Only participants form teams."))
    action = request.POST.get("action")
    try:
        if action == "create":
            services.team_create(competition=access.competition, user=_user(request), name=request.POST.get("name", ""))
        elif action == "join":
            services.team_join(competition=access.competition, user=_user(request), code=request.POST.get("code", ""))
        elif action == "leave":
            services.team_leave(competition=access.competition, user=_user(request))
        else:
            raise services.SubmissionRefused(_("Unknown team action."), 400)
    except services.SubmissionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Team updated."))
    return redirect("competitions:home", slug)


@login_required
@require_GET
def data_file(request: HttpRequest, slug: str, phase: str, name: str) -> FileResponse:
    access = selectors.competition_access(user=_user(request), slug=slug)
    ph = _phase(access, phase)
    if name not in _downloads(access, ph):
        raise Http404("No such file.")
    path = datasets.phase_dir(access.competition.slug, ph.dataset) / "public" / name
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


def _host(access: selectors.CompAccess) -> None:
    if not access.is_host:
        raise PermissionDenied(_("Only the competition's hosts may do this."))


@login_required
@require_GET
def export_csv(request: HttpRequest, slug: str, phase: str) -> HttpResponse:
    access = selectors.competition_access(user=_user(request), slug=slug)
    _host(access)
    ph = _phase(access, phase)
    public = {r.participant: r for r in selectors.leaderboard(phase=ph, split="public")}
    rows: list[list[Any]] = [
        [
            "private_rank",
            "participant",
            "name",
            "baseline",
            "private_score",
            "private_tiebreak",
            "public_score",
            "public_tiebreak",
            "submission_id",
            "received_at",
            "entries",
            "school",
        ]
    ]
    for r in selectors.leaderboard(phase=ph, split="private"):
        pub = public.get(r.participant) if not r.is_baseline else None
        rows.append(
            [
                r.rank or "",
                r.participant,
                r.name,
                int(r.is_baseline),
                r.score,
                r.tiebreak,
                pub.score if pub else "",
                pub.tiebreak if pub else "",
                r.submission_id,
                _iso(r.received_at),
                r.entries,
                r.school,
            ]
        )
    # Team and display names are the participants' own text: the shared writer neutralises formulas.
    return csv_response(rows, filename=f"{access.competition.slug}-{ph.slug}.csv")


def _iso(t: datetime) -> str:
    return t.isoformat()


@login_required
@require_GET
def grades(request: HttpRequest, slug: str, phase: str) -> HttpResponse:
    access = selectors.competition_access(user=_user(request), slug=slug)
    _host(access)
    ph = _phase(access, phase)
    rows = selectors.grade_mapping(phase=ph)
    if request.GET.get("format") == "csv":
        table: list[list[Any]] = [["rank", "participant", "name", "private_score", "points"]]
        table += [[r.rank, r.participant, r.name, r.score, pts] for r, pts in rows]
        return csv_response(table, filename=f"{access.competition.slug}-{ph.slug}-grades.csv")
    return render(
        request,
        "competitions/grades.html",
        {
            "competition": access.competition,
            "phase": ph,
            "rows": rows,
            "mapping": access.competition.grade_mapping,
            "grade_activities": _grade_activities(request, access),
        },
    )


def _is_course_teacher(request: HttpRequest, access: selectors.CompAccess) -> bool:
    comp = access.competition
    if comp.course is None:
        return False
    from courses.enums import Role
    from courses.selectors import course_role

    return bool(_user(request).is_superuser) or course_role(user=_user(request), course=comp.course) == Role.TEACHER


def _grade_activities(request: HttpRequest, access: selectors.CompAccess) -> list[dict[str, Any]]:
    """The course activities this ranking can fill, with when they were last filled (teachers only)."""
    if not _is_course_teacher(request, access):
        return []
    acts = selectors.grade_activities(competition=access.competition)
    grades = selectors.competition_grades(activity_ids=[a.pk for a in acts])
    last: dict[int, Any] = {}
    for g in grades.values():
        last[g.activity_id] = g
    return [{"activity": a, "last": last.get(a.pk)} for a in acts]


@login_required
@require_POST
def grades_apply(request: HttpRequest, slug: str) -> HttpResponse:
    """A course teacher maps the competition's ranking to points of a course activity
    (TAs and students: 403; members of other courses: 404)."""
    access = selectors.competition_access(user=_user(request), slug=slug)
    if not _is_course_teacher(request, access):
        raise PermissionDenied("Only the course's teachers map competition results to grades.")
    activity = next(
        (
            a
            for a in selectors.grade_activities(competition=access.competition)
            if a.slug == request.POST.get("activity")
        ),
        None,
    )
    if activity is None:
        return HttpResponse(
            _("Choose a course activity of kind competition that points at this competition."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    try:
        done = services.competition_grades_apply(competition=access.competition, activity=activity, by=_user(request))
    except services.GradeMappingRefused as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    messages.success(
        request,
        _("%(n)d students got points for %(activity)s (%(ranked)d on the ranking; rule %(rule)s).")
        % {"n": done.count, "activity": activity.local_title, "ranked": done.ranked, "rule": done.rule},
    )
    return redirect("competitions:grades", slug=slug, phase=done.phase.slug)
