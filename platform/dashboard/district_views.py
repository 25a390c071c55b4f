"""District dashboard, school dashboard and a class's gradebook, with their CSV exports.

Scope is checked on the organisation (``orgs.selectors.org_access``): outsiders get 404,
members without the role 403.

* district dashboard: site admins and the district's admins;
* school dashboard: the school's admins and its district's admins;
* class gradebook: those, and the school's teachers and TAs who teach an offering of that class.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.csvexport import csv_response
from courses.enums import Role
from courses.models import Enrollment
from orgs.enums import OrgRole
from orgs.models import Organisation, SchoolClass
from orgs.selectors import OrgAccess, org_access

from . import charts
from . import district as sel


def _district_access(request: HttpRequest, slug: str) -> OrgAccess:
    access = org_access(user=request.user, slug=slug)
    if not access.org.is_district:
        raise Http404("No such district.")
    if not access.is_admin:
        raise PermissionDenied(_("Only the district's administrators may see its dashboard."))
    return access


def _school_access(request: HttpRequest, slug: str) -> OrgAccess:
    access = org_access(user=request.user, slug=slug)
    if access.org.is_district:
        raise Http404("No such school.")
    if not access.is_admin:
        raise PermissionDenied(_("Only the school's administrators may see its dashboard."))
    return access


def _cells(t: sel.Tally) -> str:
    """A tally's table cells as HTML (numbers only): 2,400 class rows through template includes
    cost more than the rest of the district page together."""
    from .templatetags.dashboard_tags import pct

    return (
        f'<td class="num">{t.enrolled}</td><td class="num" data-k="participation">{pct(t.participation)}</td>'
        f'<td class="num" data-k="completion">{pct(t.completion)}</td>'
        f'<td class="num" data-k="average">{pct(t.average)}</td><td class="num">{t.scored}</td>'
    )


def _class_rows(lines: list[sel.Line]) -> SafeString:
    """The district's class table body: every text escaped."""
    escaped: dict[str, str] = {}  # 40 school names and a few courses, escaped once each

    def esc(text: str) -> str:
        if text not in escaped:
            escaped[text] = escape(text)
        return escaped[text]

    return mark_safe(  # every interpolated text goes through escape()
        "".join(
            f"<tr><td>{esc(line.extra['school'])}</td><td>{esc(line.label)}</td>"
            f"<td>{esc(line.course)}</td>{_cells(line.tally)}</tr>"
            for line in lines
        )
    )


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


# ---------------------------------------------------------------------------------------
# charts (plotly JSON built in Python, written with json_script)


def _bars(lines: list[sel.Line], title: str) -> dict[str, Any]:
    """Participation, completion and average score side by side, one group per line."""
    labels = [f"{i + 1}. {charts._short(line.label, 18)}" for i, line in enumerate(lines)]
    traces = [
        charts._trace(
            "bar",
            x=labels,
            y=[getattr(line.tally, attr) or 0 for line in lines],
            name=name,
            marker_color=colour,
            customdata=[line.label for line in lines],
            hovertemplate="%{customdata}<br>" + name + ": %{y:.0f}%<extra></extra>",
        )
        for attr, name, colour in (
            ("participation", _("participation"), charts.BRAND),
            ("completion", _("completion"), charts.ACCENT),
            ("average", _("average score"), "#16a34a"),
        )
    ]
    fig = charts.Figure(
        traces,
        layout=charts._layout(
            title={"text": title},
            yaxis={"range": [0, 100]},
            showlegend=True,
            barmode="group",
            legend={"orientation": "h", "y": -0.25},
        ),
    )
    return charts._dump(fig)


def _load_bars(lines: list[sel.Line], days: int) -> dict[str, Any]:
    labels = [f"{i + 1}. {charts._short(line.label, 18)}" for i, line in enumerate(lines)]
    fig = charts.Figure(
        [
            charts._trace(
                "bar",
                x=labels,
                y=[line.extra["lab_starts"] for line in lines],
                name=_("lab starts"),
                marker_color=charts.BRAND,
            ),
            charts._trace(
                "bar",
                x=labels,
                y=[line.extra["jobs"] for line in lines],
                name=_("grading jobs"),
                marker_color=charts.ACCENT,
            ),
        ],
        layout=charts._layout(
            title={"text": _("Lab starts and grading jobs, last %(n)d days") % {"n": days}},
            showlegend=True,
            barmode="group",
            legend={"orientation": "h", "y": -0.25},
        ),
    )
    return charts._dump(fig)


# ---------------------------------------------------------------------------------------
# district


@require_GET
@login_required
def district_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """Schools, classes and course templates of a district: aggregates only, no student named."""
    access = _district_access(request, slug)
    d = sel.district_dashboard(district=access.org)
    figures: dict[str, Any] = {}
    if d.schools:
        figures["schools"] = _bars(d.schools, _("Per school (%)"))
        figures["load"] = _load_bars(d.schools, d.days)
    if d.courses:
        figures["courses"] = _bars(d.courses, _("Per course (%)"))
    return render(
        request,
        "dashboard/district_dashboard.html",
        {"access": access, "org": access.org, "d": d, "figures": figures, "class_rows": _class_rows(d.classes)},
    )


@require_GET
@login_required
def district_csv(request: HttpRequest, slug: str) -> HttpResponse:
    access = _district_access(request, slug)
    d = sel.district_dashboard(district=access.org)
    return csv_response(sel.district_csv_rows(d), filename=f"{access.org.slug}-district-{_stamp()}.csv")


@require_POST
@login_required
def district_refresh(request: HttpRequest, slug: str) -> HttpResponse:
    """Take a new snapshot of the district's or the school's scores now (the next view computes it)."""
    org = Organisation.objects.filter(slug=slug).only("kind").first()
    access = _district_access(request, slug) if org is not None and org.is_district else _school_access(request, slug)
    sel.snapshot_forget(access.org)
    return redirect("orgs:district_dashboard", slug=slug)


# ---------------------------------------------------------------------------------------
# school


@require_GET
@login_required
def school_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """One school's classes and offerings: participation, completion, average score; lab and grading load."""
    access = _school_access(request, slug)
    d = sel.school_dashboard(school=access.org)
    figures: dict[str, Any] = {}
    if d.classes:
        figures["classes"] = _bars(d.classes, _("Per class and course (%)"))
    offered = [line for line in d.offerings if line.tally.enrolled]
    if offered:
        figures["offerings"] = _bars(offered, _("Per offering (%)"))
    classes = list(SchoolClass.objects.filter(school=access.org, archived=False).values_list("pk", "name", "name_zh"))
    return render(
        request,
        "dashboard/school_dashboard.html",
        {
            "access": access,
            "org": access.org,
            "d": d,
            "figures": figures,
            "class_links": [(pk, sel._local(name, zh)) for pk, name, zh in classes],
            "district": access.org.parent if access.org.parent_id else None,
        },
    )


@require_GET
@login_required
def school_csv(request: HttpRequest, slug: str) -> HttpResponse:
    access = _school_access(request, slug)
    d = sel.school_dashboard(school=access.org)
    return csv_response(sel.school_csv_rows(d), filename=f"{access.org.slug}-school-{_stamp()}.csv")


# ---------------------------------------------------------------------------------------
# class gradebook


def _class_book(request: HttpRequest, slug: str, class_id: int) -> tuple[OrgAccess, sel.ClassGradebook]:
    access = org_access(user=request.user, slug=slug)
    if access.org.is_district:
        raise Http404("No such school.")
    school_class = SchoolClass.objects.filter(pk=class_id, school=access.org).first()
    if school_class is None:
        raise Http404("No such class.")
    offerings = sel.class_offerings(school_class=school_class)
    teaches = (
        access.role in (OrgRole.TEACHER, OrgRole.TA)
        and Enrollment.objects.filter(
            user_id=int(request.user.pk or 0), role__in=(Role.TEACHER, Role.TA), offering__classes=school_class
        ).exists()
    )
    if not (access.is_admin or teaches):
        raise PermissionDenied(_("Only the class's teachers and the school's administrators may see its gradebook."))
    offering = None
    wanted = request.GET.get("offering", "")
    if wanted.isdigit():
        offering = next((o for o in offerings if o.pk == int(wanted)), None)
        if offering is None:
            raise Http404("No such offering of this class.")
    elif offerings:
        offering = offerings[0]
    book = sel.class_gradebook(
        school_class=school_class, offering=offering, offerings=offerings, names=_sees_names(request, access)
    )
    return access, book


def _sees_names(request: HttpRequest, access: OrgAccess) -> bool:
    """The school's own people and site admins see names; a district's admins only if the district allows."""
    user = request.user
    if getattr(user, "is_superuser", False) or access.role in (OrgRole.ADMIN, OrgRole.TEACHER, OrgRole.TA):
        return True
    district: Organisation | None = access.org.parent
    return bool(district is not None and district.district_sees_names)


@require_GET
@login_required
def class_gradebook(request: HttpRequest, slug: str, class_id: int) -> HttpResponse:
    """A class's students × the offering's graded activities (the course gradebook's scores)."""
    access, book = _class_book(request, slug, class_id)
    return render(
        request,
        "dashboard/class_gradebook.html",
        {"access": access, "org": access.org, "book": book},
    )


@require_GET
@login_required
def class_gradebook_csv(request: HttpRequest, slug: str, class_id: int) -> HttpResponse:
    access, book = _class_book(request, slug, class_id)
    course = book.offering.course.slug if book.offering else "none"
    return csv_response(
        sel.class_gradebook_csv_rows(book),
        filename=f"{access.org.slug}-{book.school_class.pk}-{course}-gradebook-{_stamp()}.csv",
    )


# One address per organisation: /orgs/<slug>/dashboard/ is the district's or the school's.


@require_GET
@login_required
def org_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    org = Organisation.objects.filter(slug=slug).only("kind").first()
    if org is not None and org.is_district:
        return district_dashboard(request, slug)
    return school_dashboard(request, slug)


@require_GET
@login_required
def org_dashboard_csv(request: HttpRequest, slug: str) -> HttpResponse:
    org = Organisation.objects.filter(slug=slug).only("kind").first()
    if org is not None and org.is_district:
        return district_csv(request, slug)
    return school_csv(request, slug)
