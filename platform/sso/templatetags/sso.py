"""``{% sso_login_choices %}``: the login page's "Sign in with your school" links, by district."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from sso.selectors import schools_with_sso

register = template.Library()

# More schools than this: each district's list folds into a <details> element.
FOLD_ABOVE = 6


@register.inclusion_tag("sso/login_choices.html", takes_context=True)
def sso_login_choices(context: template.Context) -> dict[str, Any]:
    schools = list(schools_with_sso().select_related("parent"))
    by_district: dict[str, list[Any]] = {}
    for school in schools:
        name = school.parent.local_name if school.parent else _("Other schools")
        by_district.setdefault(name, []).append(school)
    fold = len(schools) > FOLD_ABOVE
    several = len(by_district) > 1
    groups = [
        {"name": name if (fold or several) else "", "schools": members, "collapse": fold}
        for name, members in sorted(by_district.items())
    ]
    return {"groups": groups, "next": context.get("next", "")}
