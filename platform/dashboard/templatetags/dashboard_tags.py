"""Small formatting filters for the dashboard templates."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def pct(value: Any) -> str:
    """A percent with no decimals, or an em dash."""
    return "—" if value is None else f"{float(value):.0f}%"


@register.filter
def num(value: Any) -> str:
    """A number without trailing zeros, or an em dash; scores (Decimal) as the scoring rule prints them."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        from grading.scoring import format_score

        return format_score(value)
    return "—" if value is None else f"{float(value):g}"


@register.filter
def hours(value: Any) -> str:
    """Hours as "3.5 h" or "2.1 d"."""
    if value is None:
        return "—"
    v = float(value)
    return f"{v / 24:.1f} d" if abs(v) >= 48 else f"{v:.1f} h"


@register.filter
def seconds(value: Any) -> str:
    if value is None:
        return "—"
    v = float(value)
    return f"{v / 60:.1f} min" if v >= 120 else f"{v:.0f} s"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def status_label(value: Any) -> str:
    """A submission status in the reader's language ("needs_attention" → "Needs attention")."""
    from grading.enums import SubmissionStatus

    try:
        return str(SubmissionStatus(value).label)
    except ValueError:
        return str(value)


@register.filter
def cell_status(value: Any) -> str:
    """A graded cell's outcome code in the reader's language."""
    from grading.feedback import cell_status_label

    return cell_status_label(value)


@register.filter
def cell_kind(value: Any) -> str:
    """A graded cell's kind code in the reader's language."""
    from grading.feedback import cell_kind_label

    return cell_kind_label(value)
