"""Forms of the orgs admin pages. They parse and check shapes; rules live in services and roster."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .enums import OrgRole
from .models import Organisation, SchoolClass

_prefix = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9]{1,15}$", _("2 to 16 letters and digits, starting with a letter (kept in lower case).")
)

ROLE_CHOICES = [("", _("Any role")), *OrgRole.choices]


class DistrictForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200, required=False)
    slug = forms.SlugField(label=_("Short name (in addresses)"), max_length=64)


class SchoolForm(DistrictForm):
    username_prefix = forms.CharField(
        label=_("Username prefix"),
        max_length=16,
        validators=[_prefix],
        help_text=_("Imported people are called <prefix>-<student number>, for example hb1-2026001. It cannot change later."),
    )

    def clean_username_prefix(self) -> str:
        return str(self.cleaned_data["username_prefix"]).lower()


class SchoolSettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200, required=False)
    username_prefix = forms.CharField(
        label=_("Username prefix"), max_length=16, required=False, validators=[_prefix],
        help_text=_("Set once: imported people are called <prefix>-<student number>."),
    )

    def __init__(self, *args: Any, school: Organisation, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if school.username_prefix or school.is_district:
            del self.fields["username_prefix"]


class ClassForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("For example: Grade 10 Class 3"))
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200, required=False, help_text=_("For example: 高一(3)班"))
    grade = forms.IntegerField(label=_("Grade"), min_value=1, max_value=12, required=False)


class TermForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("For example: Autumn 2026"))
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200, required=False)
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=_("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: open-ended. After this day the term's offerings are read-only."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("A term cannot end before it starts."))
        return data


class ClassChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: SchoolClass) -> str:  # type: ignore[override]
        return obj.local_name


class MoveClassForm(forms.Form):
    to = ClassChoiceField(label=_("Move every student to"), queryset=SchoolClass.objects.none())

    def __init__(self, *args: Any, school_class: SchoolClass, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = SchoolClass.objects.filter(school_id=school_class.school_id, archived=False).exclude(
            pk=school_class.pk
        )


class GraduateForm(forms.Form):
    graduated_on = forms.DateField(label=_("Graduated on"), widget=forms.DateInput(attrs={"type": "date"}))


ONBOARDING = [
    ("slips", _("Print login slips with one-time passwords")),
    ("invite", _("E-mail an invitation (login slips for those without e-mail)")),
]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_("Columns: student_number (or staff_number), name, class, role (student, teacher or ta), email."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    create_classes = forms.BooleanField(label=_("Create classes that do not exist yet"), required=False, initial=True)


class ImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    onboarding = forms.ChoiceField(label=_("New accounts get in by"), choices=ONBOARDING, initial="slips")


class PeopleFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Name, user name, number or e-mail"), "type": "search"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, required=False)
    klass = ClassChoiceField(label=_("Class"), queryset=SchoolClass.objects.none(), required=False, empty_label=_("Any class"))
    archived = forms.BooleanField(label=_("Show archived"), required=False)

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["klass"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = SchoolClass.objects.filter(school=org)


class MemberAddForm(forms.Form):
    username = forms.CharField(
        label=_("User name"), max_length=150, widget=forms.TextInput(attrs={"placeholder": _("User name")})
    )
    role = forms.ChoiceField(label=_("Role"), choices=OrgRole.choices, initial=OrgRole.TEACHER)
    student_number = forms.CharField(
        label=_("Student or staff number"), max_length=48, required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Number (optional)")}),
    )
    school_class = ClassChoiceField(
        label=_("Class"), queryset=SchoolClass.objects.none(), required=False, empty_label=_("No class")
    )

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["school_class"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = SchoolClass.objects.filter(school=org, archived=False)


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=OrgRole.choices)
    student_number = forms.CharField(label=_("Student or staff number"), max_length=48, required=False)
    school_class = ClassChoiceField(label=_("Class"), queryset=SchoolClass.objects.none(), required=False)
    archived = forms.BooleanField(label=_("Archived (left the school)"), required=False)

    def __init__(self, *args: Any, org: Organisation, current: SchoolClass | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["school_class"]
        assert isinstance(field, forms.ModelChoiceField)
        keep = Q(archived=False) | Q(pk=current.pk) if current is not None else Q(archived=False)
        field.queryset = SchoolClass.objects.filter(keep, school=org)
