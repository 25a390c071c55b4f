"""The main menu's link to the schools pages, for the people who run them."""

from __future__ import annotations

from typing import Any

from django import template

from orgs.enums import OrgRole
from orgs.models import Membership

register = template.Library()


@register.simple_tag(takes_context=True)
def runs_a_school(context: dict[str, Any]) -> bool:
    """Whether the viewer administers an organisation or teaches in a school (one query, once a request)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(request, "_runs_a_school", None)
    if cached is None:
        cached = Membership.objects.filter(
            user=user, archived=False, role__in=(OrgRole.ADMIN, OrgRole.TEACHER)
        ).exists()
        request._runs_a_school = cached  # type: ignore[union-attr]
    return bool(cached)
