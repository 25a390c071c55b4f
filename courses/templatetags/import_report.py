"""Import reports in the viewer's language: ``{% load import_report %}``.

A report is stored as message ids + params (courses.importer.Message) and translated here, when
the page is shown, in the language of whoever reads it; rows from before (plain strings) are shown
as they were written.
"""

from __future__ import annotations

from typing import Any

from django import template

from courses.importer import render_report
from courses.models import CourseImport

register = template.Library()


@register.filter
def report_line(value: Any) -> str:
    """One stored problem line (or summary clause) in the active language."""
    return render_report(value)


@register.filter
def import_summary(job: CourseImport) -> str:
    """The job's summary in the active language: its clauses, or the English text of an older row."""
    if job.summary_parts:
        return render_report(list(job.summary_parts))
    return job.summary
