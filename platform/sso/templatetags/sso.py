"""``{% sso_login_choices %}``: the login page's "Sign in with your school" choices."""

from __future__ import annotations

from typing import Any

from django import template

from sso.selectors import schools_with_sso

register = template.Library()


@register.inclusion_tag("sso/login_choices.html", takes_context=True)
def sso_login_choices(context: template.Context) -> dict[str, Any]:
    return {"schools": list(schools_with_sso()), "next": context.get("next", "")}
