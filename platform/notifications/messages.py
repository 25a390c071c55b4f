"""The words of a notification, written in the active language when someone reads it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _


class Kind:
    GRADED = "graded"
    RELEASED = "released"
    ANNOUNCEMENT = "announcement"
    EXTENSION = "extension"


def _pick(params: Mapping[str, Any], key: str) -> str:
    """A bilingual title from the params: the Chinese one when reading in Chinese and there is one."""
    zh = str(params.get(f"{key}_zh") or "")
    return zh if zh and (get_language() or "").startswith("zh") else str(params.get(key) or "")


def notification_text(kind: str, params: Mapping[str, Any]) -> str:
    """One line saying what happened, in the active language."""
    values = {
        "activity": _pick(params, "activity"),
        "course": _pick(params, "course"),
        "title": params.get("title", ""),
    }
    if kind == Kind.GRADED:
        return _("Your teacher graded your work on %(activity)s (%(course)s).") % values
    if kind == Kind.RELEASED:
        return _("Scores of %(activity)s are released (%(course)s).") % values
    if kind == Kind.ANNOUNCEMENT:
        return _("New announcement in %(course)s: %(title)s") % values
    if kind == Kind.EXTENSION:
        return _("Your due date for %(activity)s (%(course)s) has changed.") % values
    return _("Something changed in %(course)s.") % values


def email_subject(kind: str, params: Mapping[str, Any]) -> str:
    values = {
        "activity": _pick(params, "activity"),
        "course": _pick(params, "course"),
        "title": params.get("title", ""),
    }
    if kind == Kind.GRADED:
        return _("Graded: %(activity)s") % values
    if kind == Kind.RELEASED:
        return _("Scores released: %(activity)s") % values
    if kind == Kind.ANNOUNCEMENT:
        return _("%(course)s: %(title)s") % values
    if kind == Kind.EXTENSION:
        return _("New due date: %(activity)s") % values
    return _("News from %(course)s") % values
