"""Forms of the competitions pages. They parse and check shapes; the rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from orgs.models import Organisation

from .enums import EntryMode, SchoolRanking


class SchoolSettingsForm(forms.Form):
    """A host's choices for a competition across schools (its scope is set by an administrator)."""

    entry_mode = forms.ChoiceField(label=_("Who enters"), choices=EntryMode.choices)
    school_ranking = forms.ChoiceField(label=_("Schools ranking"), choices=SchoolRanking.choices)
    school_ranking_k = forms.IntegerField(
        label=_("k"),
        min_value=1,
        max_value=100,
        help_text=_(
            "Top-k mean: a school with fewer than k scored participants is scored on the mean of those it has."
        ),
    )
    synchronised = forms.BooleanField(
        label=_("Synchronised start"),
        required=False,
        help_text=_("Every participant's phase opens and closes at the same instants; teams are fixed while it runs."),
    )
    eligible_schools = forms.ModelMultipleChoiceField(
        label=_("Eligible schools"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every school in scope."),
    )
    eligible_grades = forms.CharField(
        label=_("Eligible grades"),
        required=False,
        max_length=100,
        help_text=_("Comma-separated, for example 10, 11; empty: every grade."),
    )

    def __init__(self, *args: Any, schools: QuerySet[Organisation], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["eligible_schools"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = schools

    def clean_eligible_grades(self) -> list[int]:
        raw = str(self.cleaned_data.get("eligible_grades") or "").replace("，", ",")
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        if not all(p.isdigit() and 1 <= int(p) <= 12 for p in parts):
            raise forms.ValidationError(_("Grades are whole numbers from 1 to 12, separated by commas."))
        return sorted({int(p) for p in parts})
