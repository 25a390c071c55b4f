"""Template filters of the grading pages."""

from __future__ import annotations

from typing import Any

from django import template

from grading.scoring import format_score

register = template.Library()


@register.filter
def score(value: Any) -> str:
    """A score as every page and CSV prints it (``grading.scoring.format_score``), or an em dash."""
    return "—" if value is None or value == "" else format_score(value)


@register.filter
def status_name(value: Any) -> str:
    """A submission status in the reader's language."""
    from grading.enums import SubmissionStatus

    try:
        return str(SubmissionStatus(value).label)
    except ValueError:
        return str(value)
