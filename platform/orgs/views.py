"""The organisation admin pages: districts, schools, classes, terms, people and imports.

Every view resolves the viewer's access to the organisation first (selectors.org_access):
outsiders get 404, members without the admin role 403. A district's admins administer its
schools; a school's admins only their school.
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User

from . import roster, selectors, services
from .enums import OrgRole
from .forms import (
    ClassForm,
    DistrictForm,
    GraduateForm,
    ImportConfirmForm,
    ImportForm,
    MemberAddForm,
    MemberForm,
    MoveClassForm,
    PeopleFilterForm,
    SchoolForm,
    SchoolSettingsForm,
    TermForm,
)
from .models import Membership, Organisation, SchoolClass, Term
from .selectors import OrgAccess

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _admin(request: HttpRequest, slug: str) -> OrgAccess:
    """The organisation, for its administrators only (404 for outsiders, 403 for other members)."""
    access = selectors.org_access(user=request.user, slug=slug)
    if not access.is_admin:
        raise PermissionDenied(_("Only the school's administrators may open this page."))
    return access


def _school(request: HttpRequest, slug: str) -> OrgAccess:
    access = _admin(request, slug)
    if access.org.is_district:
        raise Http404("Districts have no classes.")
    return access


def _class(access: OrgAccess, pk: int) -> SchoolClass:
    return get_object_or_404(SchoolClass, pk=pk, school=access.org)


def _ctx(access: OrgAccess, tab: str, **extra: object) -> dict[str, object]:
    return {"access": access, "org": access.org, "tab": tab, **extra}


def _form_errors(form: object) -> str:
    errors = getattr(form, "errors", {})
    return " ".join(str(e) for errs in errors.values() for e in errs)


# --- the list, districts and schools -------------------------------------------------------------


@login_required
@require_GET
def org_list(request: HttpRequest) -> HttpResponse:
    orgs = list(selectors.orgs_for_user(user=request.user))
    administered = set(selectors.orgs_administered(user=request.user).values_list("pk", flat=True))
    roles = dict(
        Membership.objects.filter(user=_user(request), archived=False).values_list("org_id", "role")
    )
    rows = [{"org": o, "admin": o.pk in administered, "role": roles.get(o.pk)} for o in orgs]
    return render(
        request,
        "orgs/list.html",
        {"rows": rows, "role_labels": dict(OrgRole.choices), "may_create_district": _user(request).is_site_admin},
    )


@login_required
@require_http_methods(["GET", "POST"])
def district_create(request: HttpRequest) -> HttpResponse:
    if not _user(request).is_site_admin:
        raise PermissionDenied(_("Only site administrators create districts."))
    form = DistrictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            district = services.district_create(**form.cleaned_data)
        except services.OrgError as exc:
            form.add_error("slug", str(exc.message))
        else:
            messages.success(request, _("District %(name)s created.") % {"name": district.local_name})
            return redirect("orgs:home", district.slug)
    return render(request, "orgs/district_new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def school_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = _admin(request, slug)
    if not access.org.is_district:
        raise Http404("Schools are created in a district.")
    form = SchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            school = services.school_create(district=access.org, **data)
        except services.OrgError as exc:
            form.add_error("username_prefix" if exc.code.startswith("prefix") else "slug", str(exc.message))
        else:
            messages.success(request, _("School %(name)s created.") % {"name": school.local_name})
            return redirect("orgs:home", school.slug)
    return render(request, "orgs/school_new.html", _ctx(access, "home", form=form), status=400 if form.errors else 200)


@login_required
@require_GET
def org_home(request: HttpRequest, slug: str) -> HttpResponse:
    access = _admin(request, slug)
    org = access.org
    if org.is_district:
        schools = (
            Organisation.objects.filter(parent=org)
            .order_by("name")
        )
        counts = selectors.members_count_by_role_of_schools(district=org)
        rows = [{"school": s, "counts": counts.get(s.pk, {})} for s in schools]
        admins = selectors.members_of(org=org, role=OrgRole.ADMIN)
        return render(request, "orgs/district.html", _ctx(access, "home", rows=rows, admins=admins))
    return render(
        request,
        "orgs/school.html",
        _ctx(
            access,
            "home",
            classes=selectors.classes_with_counts(school=org),
            counts=selectors.members_count_by_role(org=org),
            teachers=selectors.members_of(org=org, role=OrgRole.TEACHER)[:50],
            admins=selectors.members_of(org=org, role=OrgRole.ADMIN),
            terms=selectors.terms_for_school(school=org)[:6],
            offerings=selectors.offerings_of_school(school=org)[:50],
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def org_settings(request: HttpRequest, slug: str) -> HttpResponse:
    access = _admin(request, slug)
    org = access.org
    form = SchoolSettingsForm(
        request.POST or None, school=org, initial={"name": org.name, "name_zh": org.name_zh}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.school_update(school=org, **form.cleaned_data)
        except services.OrgError as exc:
            form.add_error("username_prefix", str(exc.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("orgs:settings", org.slug)
    return render(request, "orgs/settings.html", _ctx(access, "settings", form=form), status=400 if form.errors else 200)


# --- classes -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def class_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = _school(request, slug)
    form = ClassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.class_create(school=access.org, **form.cleaned_data)
        except services.OrgError as exc:
            form.add_error("name", str(exc.message))
        else:
            messages.success(request, _("Class %(name)s created.") % {"name": created.local_name})
            return redirect("orgs:classes", slug)
    show_archived = request.GET.get("archived") == "1"
    classes = selectors.classes_with_counts(school=access.org, include_archived=show_archived)
    return render(
        request,
        "orgs/classes.html",
        _ctx(access, "classes", form=form, classes=classes, show_archived=show_archived),
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def class_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _school(request, slug)
    school_class = _class(access, pk)
    students = (
        Membership.objects.filter(school_class=school_class)
        .select_related("user")
        .order_by("archived", "role", "student_number", "user__username")
    )
    return render(
        request,
        "orgs/class.html",
        _ctx(
            access,
            "classes",
            school_class=school_class,
            members=students,
            offerings=school_class.offerings.select_related("course", "term").order_by("-term__starts_on"),
            edit_form=ClassForm(
                initial={"name": school_class.name, "name_zh": school_class.name_zh, "grade": school_class.grade}
            ),
            move_form=MoveClassForm(school_class=school_class),
            graduate_form=GraduateForm(initial={"graduated_on": timezone.localdate()}),
        ),
    )


@login_required
@require_POST
def class_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _school(request, slug)
    school_class = _class(access, pk)
    form = ClassForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("orgs:class", slug, pk)
    try:
        services.class_update(school_class=school_class, **form.cleaned_data)
    except services.OrgError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Saved."))
    return redirect("orgs:class", slug, pk)


@login_required
@require_POST
def class_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _school(request, slug)
    school_class = _class(access, pk)
    try:
        services.class_delete(school_class=school_class)
    except services.OrgError as exc:
        messages.error(request, str(exc.message))
        return redirect("orgs:class", slug, pk)
    messages.success(request, _("Class %(name)s deleted.") % {"name": school_class.local_name})
    return redirect("orgs:classes", slug)


@login_required
@require_POST
def class_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _school(request, slug)
    school_class = _class(access, pk)
    form = MoveClassForm(request.POST, school_class=school_class)
    if not form.is_valid():
        messages.error(request, _("Choose the class to move the students to."))
        return redirect("orgs:class", slug, pk)
    to = form.cleaned_data["to"]
    try:
        n = services.class_move_students(school_class=school_class, to=to)
    except services.OrgError as exc:
        messages.error(request, str(exc.message))
        return redirect("orgs:class", slug, pk)
    messages.success(
        request,
        ngettext(
            "%(n)d student moved to %(name)s.", "%(n)d students moved to %(name)s.", n
        ) % {"n": n, "name": to.local_name},
    )
    return redirect("orgs:class", slug, to.pk)


@login_required
@require_POST
def class_archive(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _school(request, slug)
    school_class = _class(access, pk)
    archive = request.POST.get("action", "archive") != "restore"
    try:
        services.class_archive(school_class=school_class, archived=archive)
    except services.OrgError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Class archived.") if archive else _("Class restored."))
    return redirect("orgs:class", slug, pk)


@login_required
@require_POST
def class_graduate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _school(request, slug)
    school_class = _class(access, pk)
    if school_class.graduated_on is not None:
        messages.error(request, _("This class has graduated already."))
        return redirect("orgs:class", slug, pk)
    form = GraduateForm(request.POST)
    on = form.cleaned_data["graduated_on"] if form.is_valid() else timezone.localdate()
    n = services.class_graduate(school_class=school_class, on=on)
    messages.success(
        request,
        ngettext(
            "%(n)d student graduated. Their courses and grades stay readable.",
            "%(n)d students graduated. Their courses and grades stay readable.",
            n,
        ) % {"n": n},
    )
    return redirect("orgs:class", slug, pk)


@login_required
@require_POST
def class_slips(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """New login slips for the class's students who never logged in: the page is the only copy."""
    access = _school(request, slug)
    school_class = _class(access, pk)
    slips = roster.class_slips(school_class=school_class)
    if not slips:
        messages.info(request, _("Every student of this class has logged in already."))
        return redirect("orgs:class", slug, pk)
    return _slips_page(request, access, slips, title=school_class.local_name)


def _slips_page(
    request: HttpRequest, access: OrgAccess, slips: list[tuple[User, str]], *, title: str, result: object = None
) -> HttpResponse:
    classes = {
        m.user_id: m.school_class
        for m in Membership.objects.filter(org=access.org, user__in=[u for u, _p in slips]).select_related("school_class")
    }
    rows = [(user, password, classes.get(user.pk)) for user, password in slips]
    response = render(
        request,
        "orgs/slips.html",
        _ctx(access, "import", slips=rows, title=title, site_url=settings.SITE_URL, result=result),
    )
    response["Cache-Control"] = "no-store"  # the passwords are on this page alone
    return response


# --- terms ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def term_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = _admin(request, slug)
    form = TermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            term = services.term_save(org=access.org, **form.cleaned_data)
        except services.OrgError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Term %(name)s created.") % {"name": term.local_name})
            return redirect("orgs:terms", slug)
    terms = (
        selectors.terms_for_school(school=access.org) if not access.org.is_district else Term.objects.filter(org=access.org)
    )
    return render(
        request,
        "orgs/terms.html",
        _ctx(access, "terms", form=form, terms=terms.select_related("org"), today=timezone.localdate()),
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def term_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _admin(request, slug)
    term = get_object_or_404(Term, pk=pk, org=access.org)  # a district's term is edited in the district
    form = TermForm(
        request.POST or None,
        initial={"name": term.name, "name_zh": term.name_zh, "starts_on": term.starts_on, "ends_on": term.ends_on},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.term_save(org=access.org, term=term, **form.cleaned_data)
        except services.OrgError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("orgs:terms", slug)
    return render(
        request, "orgs/term_edit.html", _ctx(access, "terms", form=form, term=term), status=400 if form.errors else 200
    )


@login_required
@require_POST
def term_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _admin(request, slug)
    term = get_object_or_404(Term, pk=pk, org=access.org)
    try:
        services.term_delete(term=term)
    except services.OrgError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Term %(name)s deleted.") % {"name": term.local_name})
    return redirect("orgs:terms", slug)


# --- people --------------------------------------------------------------------------------------


@login_required
@require_GET
def people(request: HttpRequest, slug: str) -> HttpResponse:
    access = _admin(request, slug)
    org = access.org
    filters = PeopleFilterForm(request.GET or None, org=org)
    data = filters.cleaned_data if filters.is_valid() else {}
    klass = data.get("klass")
    members = selectors.members_of(
        org=org,
        query=(data.get("q") or "").strip(),
        role=data.get("role") or "",
        school_class_id=klass.pk if klass else None,
        include_archived=bool(data.get("archived")),
    )
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "orgs/people.html",
        _ctx(
            access, "people", filters=filters, page=page, query=query.urlencode(),
            add_form=MemberAddForm(org=org),
        ),
    )


@login_required
@require_POST
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    access = _admin(request, slug)
    form = MemberAddForm(request.POST, org=access.org)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("orgs:people", slug)
    user = User.objects.filter(username__iexact=form.cleaned_data["username"], is_active=True).first()
    if user is None:
        messages.error(request, _("No account is called %(name)s.") % {"name": form.cleaned_data["username"]})
        return redirect("orgs:people", slug)
    role = OrgRole(form.cleaned_data["role"])
    if access.org.is_district and role == OrgRole.STUDENT:
        messages.error(request, _("Students belong to a school, not to a district."))
        return redirect("orgs:people", slug)
    try:
        services.member_add(
            org=access.org,
            user=user,
            role=role,
            school_class=form.cleaned_data["school_class"],
            student_number=form.cleaned_data["student_number"].strip(),
        )
    except services.OrgError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(user)s is now a member: %(role)s.") % {"user": user, "role": role.label})
    return redirect("orgs:people", slug)


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _admin(request, slug)
    org = access.org
    membership = get_object_or_404(Membership.objects.select_related("user", "school_class"), pk=pk, org=org)
    initial = {
        "role": membership.role,
        "student_number": membership.student_number,
        "school_class": membership.school_class,
        "archived": membership.archived,
    }
    form = MemberForm(request.POST or None, org=org, current=membership.school_class, initial=initial)
    if request.method == "POST":
        if membership.user_id == request.user.pk:
            raise PermissionDenied(_("You cannot change your own membership; ask another administrator."))
        if form.is_valid():
            try:
                services.member_update(
                    membership=membership,
                    role=OrgRole(form.cleaned_data["role"]),
                    school_class=form.cleaned_data["school_class"],
                    student_number=form.cleaned_data["student_number"].strip(),
                    archived=form.cleaned_data["archived"],
                )
            except services.OrgError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Saved."))
                return redirect("orgs:people", slug)
    return render(
        request,
        "orgs/member.html",
        _ctx(
            access, "people", form=form, member=membership, managed=roster.account_is_schools_own(membership=membership),
            is_self=membership.user_id == request.user.pk,
        ),
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def member_slip(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A new one-time password for one member (a lost slip, a forgotten password)."""
    access = _admin(request, slug)
    membership = get_object_or_404(Membership.objects.select_related("user", "org"), pk=pk, org=access.org)
    if not roster.account_is_schools_own(membership=membership):
        raise PermissionDenied(_("This account is not only this school's: its owner resets the password."))
    from accounts.services import one_time_password_issue

    password = one_time_password_issue(user=membership.user)
    return _slips_page(request, access, [(membership.user, password)], title=str(membership.user))


# --- import --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_people(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload → every row checked → a preview of what would change (nothing written yet)."""
    access = _school(request, slug)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.FILE_UPLOAD_MAX_MEMORY_SIZE * 4:
                problems = [_("The file is larger than %(mib)d MiB.") % {"mib": settings.FILE_UPLOAD_MAX_MEMORY_SIZE * 4 // 2**20}]
            else:
                rows, problems = roster.roster_read(name=upload.name or "", data=upload.read())
                create_classes = bool(form.cleaned_data["create_classes"])
                if not problems:
                    plan = roster.roster_plan(school=access.org, rows=rows, create_classes=create_classes)
                    problems = plan.problems
                    if not problems:
                        token = roster.roster_rows_sign(
                            school=access.org, user_id=_user(request).pk, rows=rows, create_classes=create_classes
                        )
                        return render(
                            request,
                            "orgs/import_preview.html",
                            _ctx(
                                access, "import", plan=plan, filename=upload.name,
                                confirm_form=ImportConfirmForm(initial={"token": token}),
                            ),
                        )
        else:
            problems = [_form_errors(form)]
    return render(
        request,
        "orgs/import.html",
        _ctx(access, "import", form=form, problems=problems),
        status=400 if problems else 200,
    )


@login_required
@require_POST
def import_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    """Import the previewed rows (checked again: the school may have changed since) and print slips."""
    access = _school(request, slug)
    form = ImportConfirmForm(request.POST)
    problems: list[str] = []
    if not form.is_valid():
        problems = [_("The preview is missing; upload the file again.")]
    else:
        try:
            rows, create_classes = roster.roster_rows_unsign(
                school=access.org, user_id=_user(request).pk, token=form.cleaned_data["token"]
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError, IndexError):
            problems = [_("The preview has expired or is not this school's; upload the file again.")]
        else:
            try:
                result = roster.roster_apply(school=access.org, rows=rows, create_classes=create_classes)
            except roster.RosterRefused as exc:
                problems = exc.problems
            else:
                summary = _("%(new)d new, %(updated)d updated, %(same)d unchanged.") % {
                    "new": len(result.created), "updated": result.updated, "same": result.unchanged,
                }
                if result.classes_created:
                    summary += " " + _("New classes: %(names)s.") % {"names": ", ".join(result.classes_created)}
                slips, invited = roster.roster_onboard(users=result.created, how=form.cleaned_data["onboarding"])
                messages.success(request, _("Imported: %(summary)s") % {"summary": summary})
                if invited:
                    messages.success(
                        request,
                        ngettext("%(n)d invitation was e-mailed.", "%(n)d invitations were e-mailed.", invited) % {"n": invited},
                    )
                if slips:
                    return _slips_page(request, access, slips, title=access.org.local_name, result=summary)
                return redirect("orgs:classes", slug)
    return render(
        request,
        "orgs/import.html",
        _ctx(access, "import", form=ImportForm(), problems=problems),
        status=400,
    )


@login_required
@require_GET
def import_template(request: HttpRequest, slug: str) -> HttpResponse:
    _school(request, slug)
    response = HttpResponse(roster.TEMPLATE_CSV.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="people.csv"'
    return response


@login_required
@require_GET
def people_export(request: HttpRequest, slug: str) -> HttpResponse:
    """The school's people as a CSV that the import reads back unchanged."""
    access = _school(request, slug)
    response = HttpResponse(roster.roster_export(school=access.org).encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{access.org.slug}-people.csv"'
    response["Cache-Control"] = "no-store"
    return response
