from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .enums import Role
from .models import Course


class JoinForm(forms.Form):
    code = forms.CharField(
        label=_("Join code"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. K7QM3XPA"), "autocomplete": "off"}),
    )


class CourseCreateForm(forms.Form):
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=64,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Lower-case letters, digits and hyphens."))],
        help_text=_("Used in addresses, e.g. qml-2026."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    title_zh = forms.CharField(label=_("Title in Chinese"), max_length=200, required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if Course.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("A course with this short name exists already."))
        return slug


class RosterAddForm(forms.Form):
    username = forms.CharField(
        label=_("User name"), max_length=150, widget=forms.TextInput(attrs={"placeholder": _("user name")})
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.STUDENT)


class RosterCsvForm(forms.Form):
    ONBOARDING_CHOICES = (
        ("invite", _("E-mail an invitation (login slips for those without e-mail)")),
        ("slips", _("Print login slips with one-time passwords")),
    )
    file = forms.FileField(
        label=_("Roster file (.csv or .xlsx)"),
        help_text=_("Header row: username, role (student/ta/teacher), optional email and name."),
    )
    create_missing = forms.BooleanField(label=_("Create accounts that do not exist yet"), required=False)
    onboarding = forms.ChoiceField(
        label=_("New accounts get in by"), choices=ONBOARDING_CHOICES, initial="invite", required=False
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        f = self.cleaned_data["file"]
        if f.size > 1024 * 1024:
            raise forms.ValidationError(_("The roster file is larger than 1 MiB."))
        return f

    def clean_onboarding(self) -> str:
        return self.cleaned_data.get("onboarding") or "invite"


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class CourseZipForm(forms.Form):
    archive = forms.FileField(
        label=_("Course folder as a .zip"), help_text=_("The folder with course.yaml at its top, zipped.")
    )
