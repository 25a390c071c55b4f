"""Offerings from the course's side (issue #16): a teacher of a course template who teaches at a
school offers it to classes of that school in a term, adds classes later, and moves due dates for
one offering without touching the template.

Who may: a teacher of the course (or a site admin) for the schools where they teach or administer
(``offering_schools``); an offering of another school does not exist for them (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from orgs import selectors as org_selectors
from orgs import services as org_services
from orgs.models import Offering, Organisation, SchoolClass, Term

from . import selectors
from .selectors import Access


def _teacher_access(request: HttpRequest, slug: str) -> Access:
    access = selectors.course_access(user=request.user, slug=slug)
    if not access.is_teacher:
        raise PermissionDenied(_("Only the course's teachers may offer it to classes."))
    return access


class OfferingCreateForm(forms.Form):
    """Offer the course to classes of one school in one of its terms."""

    term = forms.ModelChoiceField(queryset=Term.objects.none(), label=gettext_lazy("Term"))
    classes = forms.ModelMultipleChoiceField(
        queryset=SchoolClass.objects.none(),
        label=gettext_lazy("Classes"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, school: Organisation, **kwargs: Any) -> None:
        kwargs["prefix"] = f"school-{school.pk}"
        super().__init__(*args, **kwargs)
        self.school = school
        term_field = cast(forms.ModelChoiceField, self.fields["term"])
        term_field.queryset = org_selectors.terms_for_school(school=school)
        term_field.label_from_instance = lambda t: t.local_name  # type: ignore[method-assign,assignment]
        class_field = cast(forms.ModelMultipleChoiceField, self.fields["classes"])
        class_field.queryset = org_selectors.classes_of_school(school=school)
        class_field.label_from_instance = lambda c: c.local_name  # type: ignore[method-assign,assignment]


class OfferingDueForm(forms.Form):
    due_at = forms.DateTimeField(
        label=gettext_lazy("Due at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _offering(access: Access, user: Any, offering_id: int) -> Offering:
    """One offering of this course in a school the viewer may offer in; 404 otherwise."""
    offering = (
        selectors.offerings_for_teacher(access=access, user=user).filter(pk=offering_id).select_related("term").first()
    )
    if offering is None:
        raise Http404("No such offering.")
    return offering


@login_required
@require_http_methods(["GET", "POST"])
def offering_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The course's offerings in the viewer's schools, and a form per school to offer it anew."""
    access = _teacher_access(request, slug)
    user = cast(User, request.user)
    schools = list(selectors.offering_schools(user=user))
    # A form for each school the viewer belongs to; a district's or the site's admin picks another.
    own = set(org_selectors.schools_of(user=user).values_list("pk", flat=True))
    picked = request.GET.get("school") or request.POST.get("school") or ""
    shown = [s for s in schools if s.pk in own or str(s.pk) == picked]
    others = [s for s in schools if s not in shown]
    forms_by_school = {s.pk: OfferingCreateForm(school=s) for s in shown}
    if request.method == "POST":
        school = next((s for s in shown if str(s.pk) == request.POST.get("school")), None)
        if school is None:
            raise Http404("No such school.")
        form = forms_by_school[school.pk] = OfferingCreateForm(request.POST, school=school)
        if form.is_valid():
            try:
                offering = org_services.offering_create(
                    course=access.course,
                    school=school,
                    term=form.cleaned_data["term"],
                    classes=list(form.cleaned_data["classes"]),
                    by=user,
                )
            except org_services.OrgError as exc:
                messages.error(request, str(exc.message))
            else:
                org_services.offering_teacher_enrol(offering=offering, teacher=user)
                messages.success(
                    request,
                    _("The course is offered to %(classes)s in %(term)s.")
                    % {
                        "classes": ", ".join(c.local_name for c in form.cleaned_data["classes"]),
                        "term": offering.term.local_name,
                    },
                )
                return redirect("courses:offerings", slug)
    rows = selectors.offering_rows(access=access, user=user)
    return render(
        request,
        "courses/offerings.html",
        {
            "access": access,
            "course": access.course,
            "rows": rows,
            "create_forms": [(s, forms_by_school[s.pk]) for s in shown],
            "other_schools": others,
        },
    )


@login_required
@require_POST
def offering_add_class(request: HttpRequest, slug: str, offering_id: int) -> HttpResponse:
    access = _teacher_access(request, slug)
    offering = _offering(access, request.user, offering_id)
    school_class = org_selectors.classes_of_school(school=offering.school).filter(
        pk=request.POST.get("school_class") or 0
    ).first()
    if school_class is None:
        messages.error(request, _("Pick a class of the offering's school."))
        return redirect("courses:offerings", slug)
    try:
        added = org_services.offering_add_class(offering=offering, school_class=school_class)
    except org_services.OrgError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(cls)s added: %(n)d students enrolled.") % {"cls": school_class.local_name, "n": added},
        )
    return redirect("courses:offerings", slug)


@login_required
@require_http_methods(["GET", "POST"])
def offering_dues(request: HttpRequest, slug: str, offering_id: int) -> HttpResponse:
    """This offering's due times for the course's graded activities (empty: the template's)."""
    access = _teacher_access(request, slug)
    offering = _offering(access, request.user, offering_id)
    activities = selectors.graded_activities(course=access.course)
    current = dict(offering.due_overrides.values_list("activity_id", "due_at"))
    if request.method == "POST":
        changed = 0
        for activity in activities:
            form = OfferingDueForm(request.POST, prefix=f"a{activity.pk}")
            if not form.is_valid():
                messages.error(request, _("%(activity)s: give a date and time.") % {"activity": activity.local_title})
                continue
            due: datetime | None = form.cleaned_data["due_at"]
            if due == current.get(activity.pk):
                continue
            try:
                org_services.offering_due_set(offering=offering, activity_id=activity.pk, due_at=due)
            except org_services.OrgError as exc:
                messages.error(request, str(exc.message))
                break
            changed += 1
        if changed:
            messages.success(request, _("Due dates saved for this offering."))
        return redirect("courses:offering_dues", slug, offering.pk)
    rows = [
        (activity, current.get(activity.pk), OfferingDueForm(prefix=f"a{activity.pk}", initial={"due_at": current.get(activity.pk)}))
        for activity in activities
    ]
    return render(
        request,
        "courses/offerings_dues.html",
        {"access": access, "course": access.course, "offering": offering, "rows": rows},
    )
