"""Feedback HTML for the student, rendered from cells the trusted runner already sanitised."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def feedback_render(*, cells: list[dict[str, Any]], message: str = "") -> str:
    """Static HTML: markdown through the site's sanitiser, everything else escaped by the template."""
    from courses.rendering import markdown_to_html

    prepared = []
    for cell in cells:
        item = dict(cell)
        if cell.get("cell_type") == "markdown":
            item["html"] = markdown_to_html(str(cell.get("source", "")))
        prepared.append(item)
    return render_to_string("grading/_feedback_body.html", {"cells": prepared, "message": message})
